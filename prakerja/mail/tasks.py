"""Background work of the e-mail channel: sending a ticket e-mail, with retries.

A failed attempt (the SMTP server down or refusing for now) is tried again after
MAIL_SEND_RETRY_SECONDS, doubled each time, up to MAIL_SEND_ATTEMPTS. With the database task
backend (production) the retry is a new task row to run after the wait, so the worker is free
meanwhile; a backend that cannot defer (the immediate one of development and tests) waits in
place.
"""

import datetime as dt
import time

from django.conf import settings
from django_tasks import task

from prakerja.core import clock

from .models import OutboundMail
from .services import RETRY, outbound_send


def retry_delay(attempts: int) -> float:
    return settings.MAIL_SEND_RETRY_SECONDS * 2 ** max(0, attempts - 1)


@task()
def mail_send(*, outbound_id: int) -> str:
    """Send the recorded e-mail; its status (`sent`, `skipped`, `failed`, or `retry` when a
    later task will try again)."""
    while True:
        status = outbound_send(outbound_id=outbound_id)
        if status != RETRY:
            return status
        attempts = OutboundMail.objects.filter(pk=outbound_id).values_list("attempts", flat=True)
        delay = retry_delay(attempts.first() or 1)
        if mail_send.get_backend().supports_defer:
            mail_send.using(run_after=clock.now() + dt.timedelta(seconds=delay)).enqueue(
                outbound_id=outbound_id
            )
            return status
        time.sleep(delay)
