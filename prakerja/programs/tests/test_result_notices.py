import datetime as dt
import threading

import pytest
import time_machine
from django.core import mail
from django.db import connection, transaction

from prakerja.accounts.models import SmsOutbox
from prakerja.core import clock, scheduler
from prakerja.core.roles import Role
from prakerja.core.tests.factories import user_with_role
from prakerja.programs.models import Wave
from prakerja.programs.services import wave_join, wave_results_notify_due, wave_run_selection

from .factories import WaveFactory, verified_participant


def _decided_wave(*, announce_in: dt.timedelta):
    """A wave of three applicants, quota 2, selected after closing; results published
    `announce_in` after the run. Returns (wave, selected users, not selected user, run time)."""
    wave = WaveFactory(quota=2)
    users = [verified_participant() for _ in range(3)]
    base = clock.now()
    for minutes, user in enumerate(users):
        with time_machine.travel(base + dt.timedelta(minutes=minutes), tick=False):
            wave_join(participant=user, wave=wave)
    ran = wave.closes_at + dt.timedelta(hours=1)
    with time_machine.travel(ran, tick=False):
        wave_run_selection(
            wave=wave, actor=user_with_role(Role.PMO_ADMIN), announce_at=ran + announce_in
        )
    return Wave.objects.get(pk=wave.pk), users[:2], users[2], ran


@pytest.mark.django_db
def test_participants_are_told_once_when_the_results_are_published(
    django_capture_on_commit_callbacks,
):
    wave, selected, rejected, ran = _decided_wave(announce_in=dt.timedelta(days=2))
    mail.outbox.clear()
    with (
        time_machine.travel(ran + dt.timedelta(days=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert wave_results_notify_due() == 0  # results not out yet
    assert not SmsOutbox.objects.exists()
    assert mail.outbox == []
    published = wave.announce_at
    with (
        time_machine.travel(published, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert wave_results_notify_due() == 1
    wave.refresh_from_db()
    assert wave.results_notified_at == published
    texts = {sms.to: sms.text for sms in SmsOutbox.objects.all()}
    assert set(texts) == {u.phone for u in [*selected, rejected]}
    for user in selected:
        assert "/dasbor/" in texts[user.phone]
    assert texts[rejected.phone] not in {texts[u.phone] for u in selected}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in [*selected, rejected])
    by_address = {m.to[0]: m for m in mail.outbox}
    for user in [*selected, rejected]:
        assert f"{wave.number}" in by_address[user.email].subject
        assert "/dasbor/" in by_address[user.email].body
    assert by_address[selected[0].email].body != by_address[rejected.email].body
    with (
        time_machine.travel(published + dt.timedelta(hours=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert wave_results_notify_due() == 0
    assert SmsOutbox.objects.count() == 3
    assert len(mail.outbox) == 3


@pytest.mark.django_db
def test_results_published_at_the_run_are_told_at_the_next_job(django_capture_on_commit_callbacks):
    _wave, _selected, _rejected, ran = _decided_wave(announce_in=dt.timedelta(0))
    with (
        time_machine.travel(ran + dt.timedelta(minutes=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert wave_results_notify_due() == 1
    assert SmsOutbox.objects.count() == 3


@pytest.mark.django_db
def test_a_participant_without_a_phone_still_gets_the_email(django_capture_on_commit_callbacks):
    wave, selected, _rejected, _ran = _decided_wave(announce_in=dt.timedelta(0))
    type(selected[0]).objects.filter(pk=selected[0].pk).update(phone="")
    with django_capture_on_commit_callbacks(execute=True):
        wave_results_notify_due(now=wave.announce_at)
    assert SmsOutbox.objects.count() == 2
    assert selected[0].email in [m.to[0] for m in mail.outbox]


@pytest.mark.django_db
def test_a_rolled_back_claim_sends_nothing_and_stays_due(django_capture_on_commit_callbacks):
    wave, *_ = _decided_wave(announce_in=dt.timedelta(0))

    def claim_then_fail():
        with transaction.atomic():
            wave_results_notify_due(now=wave.announce_at)
            raise RuntimeError

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        claim_then_fail()
    assert not SmsOutbox.objects.exists()
    assert Wave.objects.get(pk=wave.pk).results_notified_at is None


def test_the_job_is_registered_with_the_scheduler():
    [job] = scheduler.jobs_named(["programs.results_notify"])
    assert job.func is wave_results_notify_due


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_overlapping_runs_claim_a_wave_once():
    wave, *_ = _decided_wave(announce_in=dt.timedelta(0))
    start = threading.Barrier(2)
    claimed = []

    def run():
        try:
            start.wait(timeout=10)
            claimed.append(wave_results_notify_due(now=wave.announce_at))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(claimed) == [0, 1]
    assert SmsOutbox.objects.count() == 3
