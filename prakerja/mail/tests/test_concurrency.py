"""The same message taken twice at once (two pollers, a pipe retried) makes one ticket."""

import threading

import pytest
from django.db import connection

from prakerja.helpdesk.models import Ticket
from prakerja.mail.models import InboundMail
from prakerja.mail.services import mail_ingest

from .builders import raw_mail


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_message_ingested_concurrently_opens_one_ticket(seeded):
    raws = [raw_mail(message_id=f"<race{n}@example.test>", subject=f"Race {n}") for n in range(4)]
    lanes = 4
    barrier = threading.Barrier(lanes)
    results: list[list] = [[] for _ in range(lanes)]
    errors: list[BaseException] = []

    def take(index):
        try:
            barrier.wait()
            for raw in raws:
                results[index].append(mail_ingest(raw=raw))
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=take, args=(i,)) for i in range(lanes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Ticket.objects.count() == 4
    assert InboundMail.objects.count() == 4
    # Every taker was told the same ticket for each message.
    for n in range(4):
        assert len({results[i][n].reference for i in range(lanes)}) == 1
