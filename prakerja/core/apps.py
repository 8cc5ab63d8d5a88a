from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "prakerja.core"
    label = "core"
    verbose_name = _("Audit and API tokens")

    def ready(self) -> None:
        from . import scheduler
        from .consoles import NavLink, nav
        from .idempotency import idempotency_records_purge
        from .roles import STAFF_ROLES
        from .services import tasks_requeue_stranded

        # The back office lets in the staff roles only (admin_site.BackOfficeSite).
        nav.register(NavLink(_("Back office"), "admin:index", roles=tuple(STAFF_ROLES), order=900))
        scheduler.register(
            "core.idempotency_purge",
            every=settings.IDEMPOTENCY_PURGE_EVERY_SECONDS,
            func=idempotency_records_purge,
        )
        scheduler.register(
            "core.tasks_requeue",
            every=settings.TASKS_REQUEUE_EVERY_SECONDS,
            func=tasks_requeue_stranded,
        )
