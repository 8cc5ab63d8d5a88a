from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "prakerja.reports"
    label = "reports"

    def ready(self) -> None:
        from prakerja.helpdesk.hooks import ticket_facts_changed
        from prakerja.livechat.hooks import chat_deflected

        from .services import chat_deflection_record, ticket_fact_sync

        ticket_facts_changed.register(ticket_fact_sync)
        chat_deflected.register(chat_deflection_record)
