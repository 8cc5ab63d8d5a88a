from django.contrib.admin.apps import AdminConfig


class BackOfficeAdminConfig(AdminConfig):
    """The Django admin is the PMO's back office, open to staff roles only."""

    default_site = "prakerja.core.admin_site.BackOfficeSite"
