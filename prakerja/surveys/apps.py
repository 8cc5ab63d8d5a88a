from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "prakerja.surveys"
    label = "surveys"

    def ready(self) -> None:
        from prakerja.helpdesk.hooks import ticket_resolved

        from .services import survey_request_for_ticket

        ticket_resolved.register(survey_request_for_ticket)
