"""Background work of programs (Django Tasks API): the selection result messages of a wave."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from prakerja.accounts.sms import get_sms_gateway

from .models import Application, ApplicationStatus, Wave

logger = logging.getLogger(__name__)


def _sms_text(*, selected: bool, wave: Wave, url: str) -> str:
    if selected:
        return _(
            "Kartu Prakerja: congratulations, you are selected in wave %(wave)s. Your card, "
            "training balance and the deadline to buy your first training are on your "
            "dashboard: %(url)s"
        ) % {"wave": wave.number, "url": url}
    return _(
        "Kartu Prakerja: you were not selected in wave %(wave)s. You can join the next wave "
        "from your dashboard: %(url)s"
    ) % {"wave": wave.number, "url": url}


@task()
def wave_results_send(wave_id: int) -> int:
    """Tell every decided applicant of the wave its result, by SMS and e-mail (each address the
    account has). The selected hear that their card is on the dashboard. One failed message is
    logged and does not stop the others. Returns the number of applicants told."""
    wave = Wave.objects.filter(pk=wave_id).first()
    if wave is None:
        return 0
    url = settings.SITE_URL + reverse("programs:dashboard")
    applications = (
        Application.objects.filter(
            wave=wave, status__in=[ApplicationStatus.SELECTED, ApplicationStatus.REJECTED]
        )
        .select_related("participant")
        .order_by("pk")
    )
    told = 0
    gateway = get_sms_gateway()
    with translation.override("id"):  # the program's language; no request to take it from
        for application in applications.iterator(chunk_size=500):
            user = application.participant
            selected = application.status == ApplicationStatus.SELECTED
            context = {"user": user, "wave": wave, "selected": selected, "url": url}
            try:
                if user.phone:
                    gateway.send(
                        to=user.phone, text=_sms_text(selected=selected, wave=wave, url=url)
                    )
                if user.email:
                    send_mail(
                        render_to_string("programs/email/result_subject.txt", context).strip(),
                        render_to_string("programs/email/result_body.txt", context),
                        settings.DEFAULT_FROM_EMAIL,
                        [user.email],
                    )
            except Exception:  # one unreachable participant must not silence the rest
                logger.exception(
                    "programs.result_message_failed",
                    extra={"wave": wave.number, "application": application.pk},
                )
                continue
            told += 1
    return told
