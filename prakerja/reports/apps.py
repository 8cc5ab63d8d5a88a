from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "prakerja.reports"
    label = "reports"

    def ready(self) -> None:
        from prakerja.core import consoles
        from prakerja.core.roles import STAFF_ROLES
        from prakerja.helpdesk.hooks import ticket_facts_changed
        from prakerja.livechat.hooks import chat_deflected

        from .services import chat_deflection_record, ticket_fact_sync

        ticket_facts_changed.register(ticket_fact_sync)
        chat_deflected.register(chat_deflection_record)
        consoles.nav.register(
            consoles.NavLink(_("Reports"), "reports:index", roles=tuple(STAFF_ROLES), order=60)
        )
