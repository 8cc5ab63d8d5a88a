from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "prakerja.surveys"
    label = "surveys"
    verbose_name = _("Satisfaction surveys")

    def ready(self) -> None:
        from prakerja.helpdesk.hooks import ticket_resolved

        from .services import survey_request_for_ticket

        ticket_resolved.register(survey_request_for_ticket)
