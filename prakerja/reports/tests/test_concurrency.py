"""Concurrent ticket changes on PostgreSQL: rollups are append-only, so writers never wait on (or
deadlock over) a shared rollup row, and the totals stay exact."""

import threading

import pytest
from django.db import connection, transaction

from prakerja.helpdesk.models import Ticket

from . import factories as f
from .test_rollups import _raw_aggregates, _rollup_aggregates

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_ticket_changes_neither_deadlock_nor_drift(reference_data):
    from prakerja.helpdesk.services import (
        ticket_assign,
        ticket_create,
        ticket_reply,
        ticket_resolve,
    )

    agents = [f.agent(f"agent-c{i}") for i in range(2)]
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def work(n: int) -> None:
        try:
            start.wait()
            for i in range(6):
                # Two tickets in one transaction, assigned in opposite agent order by odd and even
                # workers: with locked counter rows this interleaving deadlocks.
                with transaction.atomic():
                    a = ticket_create(
                        channel="web",
                        subject="s",
                        description="d",
                        name="W",
                        email="w@example.test",
                        route=False,
                    )
                    b = ticket_create(
                        channel="web",
                        subject="s",
                        description="d",
                        name="W",
                        email="w@example.test",
                        route=False,
                    )
                    first, second = (agents[0], agents[1]) if n % 2 else (agents[1], agents[0])
                    ticket_assign(ticket=a, agent=first, actor=first)
                    ticket_assign(ticket=b, agent=second, actor=second)
                ticket_reply(ticket=a, author=first, body="ok")
                if i % 2:
                    ticket_resolve(ticket=b, actor=second)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert Ticket.objects.count() == 48
    assert _rollup_aggregates() == _raw_aggregates()
