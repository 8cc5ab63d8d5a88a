from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from prakerja.core.admin import ReadOnlyModelAdmin
from prakerja.core.errors import DomainError
from prakerja.core.logging import mask_nik
from prakerja.core.roles import BACK_OFFICE_ROLES, AccountAction, Role, account_action_allowed

from .models import Identity, IdentityStatus, SmsOutbox, User
from .services import (
    identity_reject,
    identity_release,
    identity_verify,
    user_access_set,
    user_password_set,
)


class UserAccessForm(UserChangeForm):
    """The account form with roles and the active flag as plain fields: `UserAdmin.save_model`
    hands them to `user_access_set`, which applies the rules and audits. Superuser status is not
    on it (only `manage.py createsuperuser` on the server makes one)."""

    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=[(role, Role(role).label) for role in BACK_OFFICE_ROLES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    active = forms.BooleanField(label=_("Active"), required=False)

    class Meta(UserChangeForm.Meta):
        model = User
        fields = ["username", "full_name", "email", "phone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            held = set(self.instance.groups.values_list("name", flat=True))
            self.fields["roles"].initial = [r for r in BACK_OFFICE_ROLES if r in held]
            self.fields["active"].initial = self.instance.is_active


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Accounts in the back office. Who may change whose account is
    `core.roles.account_action_allowed`: a PMO admin sees a superuser's or another PMO admin's
    account read-only; roles, the active flag and passwords change through audited services."""

    form = UserAccessForm
    list_display = ["username", "email", "full_name", "phone", "is_active", "date_joined"]
    search_fields = ["username", "email", "full_name", "phone"]
    ordering = ["-date_joined"]
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Personal info"), {"fields": ["full_name", "email", "phone"]}),
        (_("Access"), {"fields": ["active", "roles", "is_superuser"]}),
        (
            _("Important dates"),
            {"fields": ["last_login", "date_joined", "email_verified_at", "phone_verified_at"]},
        ),
    ]
    readonly_fields = [
        "is_superuser",
        "last_login",
        "date_joined",
        "email_verified_at",
        "phone_verified_at",
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "email", "full_name", "password1", "password2"],
            },
        )
    ]
    list_filter = ["is_active", "groups"]

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None
            or account_action_allowed(actor=request.user, user=obj, action=AccountAction.PROFILE)
        )

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is not None and "roles" in form.base_fields:
            may = account_action_allowed(actor=request.user, user=obj, action=AccountAction.ACCESS)
            form.base_fields["roles"].disabled = form.base_fields["active"].disabled = not may
        return form

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change:
            try:
                user_access_set(
                    user=obj,
                    actor=request.user,
                    roles=form.cleaned_data["roles"],
                    is_active=form.cleaned_data["active"],
                )
            except DomainError as exc:  # the admin's transaction rolls the whole save back
                raise PermissionDenied(exc.message) from exc

    # Shown on the read-only page (a PMO admin looking at a PMO admin's account).
    @admin.display(description=_("Roles"))
    def roles(self, obj):
        held = set(obj.groups.values_list("name", flat=True))
        return ", ".join(str(Role(r).label) for r in BACK_OFFICE_ROLES if r in held) or "—"

    @admin.display(boolean=True, description=_("Active"))
    def active(self, obj):
        return obj.is_active

    def user_change_password(self, request, id, form_url=""):
        user = self.get_object(request, unquote(id))
        if user is not None and not account_action_allowed(
            actor=request.user, user=user, action=AccountAction.PASSWORD
        ):
            raise PermissionDenied
        if user is not None and request.method == "POST":
            form = self.change_password_form(user, request.POST)
            if form.is_valid():
                usable = form.cleaned_data.get("set_usable_password", True)
                user_password_set(
                    user=user,
                    actor=request.user,
                    password=form.cleaned_data["password1"] if usable else None,
                )
                update_session_auth_hash(request, user)
                self.message_user(request, _("Password changed successfully."))
                return HttpResponseRedirect(
                    reverse(f"{self.admin_site.name}:accounts_user_change", args=[user.pk])
                )
        # GET, or a form with errors: Django's page shows it
        return super().user_change_password(request, id, form_url)


@admin.register(SmsOutbox)
class SmsOutboxAdmin(ReadOnlyModelAdmin):
    """Read-only: support staff look up what was sent; codes and survey links are stored masked."""

    list_display = ["created_at", "to", "status", "gateway", "short_text"]
    list_filter = ["status", "gateway"]
    search_fields = ["to"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    @admin.display(description=_("text"))
    def short_text(self, obj):
        return mask_nik(obj.text)[:80]


@admin.register(Identity)
class IdentityAdmin(admin.ModelAdmin):
    """The PMO reviews identities: verify through the adapter or reject with a reason, and
    release the NIK and KK slot an identity holds."""

    list_display = [
        "user",
        "masked_nik",
        "full_name",
        "status",
        "review_required",
        "submitted_at",
        "has_id_card",
    ]
    list_filter = ["status", "review_required"]
    search_fields = ["user__email", "full_name", "=nik"]
    list_select_related = ["user"]
    readonly_fields = [
        "user",
        "masked_nik",
        "full_name",
        "birth_date",
        "gender",
        "province",
        "city",
        "education",
        "work_status",
        "status",
        "review_required",
        "rejection_reason",
        "submitted_at",
        "verified_at",
        "released_at",
        "id_card_link",
    ]
    exclude = ["nik", "kk_number", "id_card", "declared_not_student", "declared_not_official"]
    actions = ["verify", "reject_photo", "release_nik"]
    show_full_result_count = False

    @admin.display(description=_("NIK"))
    def masked_nik(self, obj):
        return mask_nik(obj.nik)

    @admin.display(boolean=True, description=_("ID card"))
    def has_id_card(self, obj):
        return bool(obj.id_card)

    @admin.display(description=_("ID card photo"))
    def id_card_link(self, obj):
        if not obj.id_card:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("accounts:id_card_file", args=[obj.pk]), _("View")
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Verify through the registry (after reviewing the ID-card photo)"))
    def verify(self, request, queryset):
        for identity in queryset.filter(status=IdentityStatus.PENDING):
            identity_verify(identity=identity, actor=request.user)

    @admin.action(description=_("Reject: ID card photo does not match"))
    def reject_photo(self, request, queryset):
        for identity in queryset:
            try:
                identity_reject(
                    identity=identity,
                    reason=str(_("The ID card photo does not match the data entered.")),
                    actor=request.user,
                )
            except DomainError as exc:
                self.message_user(request, f"{identity}: {exc.message}", messages.ERROR)

    @admin.action(
        description=_("Release the NIK and family-card slot (withdraw the identity)"),
        permissions=["change"],
    )
    def release_nik(self, request, queryset):
        for identity in queryset:
            try:
                identity_release(
                    identity=identity,
                    reason=str(_("Withdrawn by the PMO: the NIK is free again.")),
                    actor=request.user,
                )
            except DomainError as exc:
                self.message_user(request, f"{identity}: {exc.message}", messages.ERROR)
            else:
                self.message_user(
                    request, _("%(identity)s: NIK released.") % {"identity": identity}
                )
