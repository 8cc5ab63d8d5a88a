from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.utils.translation import gettext_lazy as _

from .roles import STAFF_ROLES, has_role


class BackOfficeLoginForm(AdminAuthenticationForm):
    def confirm_login_allowed(self, user):
        if not has_role(user, *STAFF_ROLES):
            raise forms.ValidationError(
                _("This back office is for the program office and supervisors only."),
                code="invalid_login",
            )


class BackOfficeSite(admin.AdminSite):
    site_header = _("Kartu Prakerja back office")
    site_title = _("Kartu Prakerja back office")
    index_title = _("Program office")
    login_form = BackOfficeLoginForm

    def has_permission(self, request) -> bool:
        # Staff role instead of is_staff: roles are the single source of access.
        return has_role(request.user, *STAFF_ROLES)
