from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "prakerja.reports"
    label = "reports"

    def ready(self) -> None:
        from django.conf import settings

        from prakerja.core import scheduler
        from prakerja.helpdesk.hooks import ticket_facts_changed
        from prakerja.livechat.hooks import chat_deflected

        from .services import (
            chat_deflection_record,
            contact_rollup_refresh_recent,
            ticket_fact_sync,
        )

        ticket_facts_changed.register(ticket_fact_sync)
        chat_deflected.register(chat_deflection_record)
        scheduler.register(
            "reports.contact_rollup",
            every=settings.REPORTS_CONTACT_ROLLUP_EVERY_SECONDS,
            func=contact_rollup_refresh_recent,
        )
