from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "prakerja.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from django.conf import settings

        from prakerja.core import consoles, scheduler
        from prakerja.core.roles import STAFF_ROLES, Role
        from prakerja.helpdesk.hooks import ticket_facts_changed, tickets_facts_changed
        from prakerja.livechat.hooks import chat_deflected

        from .services import (
            chat_deflection_record,
            contact_rollup_refresh_recent,
            ticket_fact_sync,
            ticket_facts_sync,
        )

        ticket_facts_changed.register(ticket_fact_sync)
        tickets_facts_changed.register(ticket_facts_sync)
        chat_deflected.register(chat_deflection_record)
        scheduler.register(
            "reports.contact_rollup",
            every=settings.REPORTS_CONTACT_ROLLUP_EVERY_SECONDS,
            func=contact_rollup_refresh_recent,
        )
        # The wallboard is the supervisor's console; the supervisor board (roster, presence)
        # stays one click away in the navigation.
        consoles.landings.register(role=Role.SUPERVISOR, url_name="reports:wallboard", priority=20)
        for link in (
            consoles.NavLink(
                _("Wallboard"), "reports:wallboard", roles=tuple(STAFF_ROLES), order=45
            ),
            consoles.NavLink(_("Reports"), "reports:index", roles=tuple(STAFF_ROLES), order=60),
            consoles.NavLink(_("Staffing"), "reports:staffing", roles=tuple(STAFF_ROLES), order=65),
        ):
            consoles.nav.register(link)
