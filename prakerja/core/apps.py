from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "prakerja.core"
    label = "core"
    verbose_name = _("Audit and API tokens")

    def ready(self) -> None:
        from .consoles import NavLink, nav
        from .roles import STAFF_ROLES

        # The back office lets in the staff roles only (admin_site.BackOfficeSite).
        nav.register(NavLink(_("Back office"), "admin:index", roles=tuple(STAFF_ROLES), order=900))
