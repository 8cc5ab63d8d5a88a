import datetime as dt
import io
import threading
import time

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from prakerja.accounts.models import Identity, IdentityStatus
from prakerja.accounts.tests.factories import ParticipantFactory
from prakerja.core import clock
from prakerja.core.errors import Conflict, Forbidden
from prakerja.core.models import AuditLog
from prakerja.core.roles import Role
from prakerja.core.tests.factories import user_with_role
from prakerja.programs.models import Application, ApplicationStatus, Wave, WaveState
from prakerja.programs.selectors import wave_funnel
from prakerja.programs.services import wave_join, wave_run_selection

from .factories import WaveFactory, verified_participant

pytestmark = pytest.mark.django_db


def test_wave_state_follows_the_clock():
    opens = clock.local_datetime(2026, 1, 10, 10)
    closes = clock.local_datetime(2026, 1, 20, 23, 59)
    wave = WaveFactory(opens_at=opens, closes_at=closes)
    assert wave.state_at(opens - dt.timedelta(seconds=1)) == WaveState.UPCOMING
    assert wave.state_at(opens) == WaveState.OPEN
    assert wave.state_at(closes - dt.timedelta(seconds=1)) == WaveState.OPEN
    assert wave.state_at(closes) == WaveState.CLOSED
    wave.selection_ran_at = closes + dt.timedelta(hours=1)
    wave.announce_at = closes + dt.timedelta(days=2)
    assert wave.state_at(closes + dt.timedelta(days=1)) == WaveState.SELECTION
    assert wave.state_at(closes + dt.timedelta(days=2)) == WaveState.ANNOUNCED


def test_verified_participant_joins_open_wave_once(client):
    user = verified_participant()
    wave = WaveFactory()
    client.force_login(user)
    response = client.post(f"/api/v1/waves/{wave.number}/join")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "pending"
    again = client.post(f"/api/v1/waves/{wave.number}/join")
    assert again.status_code == 409
    other = WaveFactory()
    assert client.post(f"/api/v1/waves/{other.number}/join").json()["code"] == "application_pending"
    assert AuditLog.objects.filter(action="application.create").count() == 1


def test_unverified_participant_cannot_join(client):
    client.force_login(verified_participant(status=IdentityStatus.PENDING))
    response = client.post(f"/api/v1/waves/{WaveFactory().number}/join")
    assert response.status_code == 403
    assert response.json()["code"] == "identity_not_verified"


def test_cannot_join_closed_or_upcoming_wave():
    user = verified_participant()
    past = WaveFactory(
        opens_at=clock.now() - dt.timedelta(days=5), closes_at=clock.now() - dt.timedelta(days=1)
    )
    future = WaveFactory(
        opens_at=clock.now() + dt.timedelta(days=1), closes_at=clock.now() + dt.timedelta(days=5)
    )
    for wave in (past, future):
        with pytest.raises(Conflict) as exc:
            wave_join(participant=user, wave=wave)
        assert exc.value.code == "wave_not_open"


def test_selection_within_quota_eligible_first_then_join_time_and_results_shown_when_announced(
    client,
):
    wave = WaveFactory(quota=2)
    early, middle, late = (verified_participant() for _ in range(3))
    revoked = verified_participant()
    base = clock.now()
    for minutes, user in enumerate([revoked, early, middle, late]):
        with time_machine.travel(base + dt.timedelta(minutes=minutes), tick=False):
            wave_join(participant=user, wave=wave)
    Identity.objects.filter(user=revoked).update(status=IdentityStatus.REJECTED)
    pmo = user_with_role(Role.PMO_ADMIN)
    with pytest.raises(Conflict):
        wave_run_selection(wave=wave, actor=pmo)  # still open
    after_close = wave.closes_at + dt.timedelta(hours=1)
    announce = wave.closes_at + dt.timedelta(days=1)
    with time_machine.travel(after_close, tick=False):
        result = wave_run_selection(wave=wave, actor=pmo, announce_at=announce)
        assert result == {"wave": wave.number, "selected": 2, "not_selected": 2}
        with pytest.raises(Conflict):
            wave_run_selection(wave=wave, actor=pmo)
        client.force_login(early)
        assert client.get("/api/v1/me/applications").json()[0]["status"] == "pending"
    statuses = dict(Application.objects.values_list("participant_id", "status"))
    assert statuses[early.pk] == statuses[middle.pk] == ApplicationStatus.SELECTED
    assert statuses[late.pk] == statuses[revoked.pk] == ApplicationStatus.REJECTED
    with time_machine.travel(announce, tick=False):
        assert client.get("/api/v1/me/applications").json()[0]["status"] == "selected"
        assert "Terpilih" in client.get("/dasbor/").content.decode()
        client.force_login(late)
        assert client.get("/api/v1/me/applications").json()[0]["status"] == "rejected"
        # rejected participants may join a later wave; selected ones may not
        later = WaveFactory(
            opens_at=announce - dt.timedelta(hours=1), closes_at=announce + dt.timedelta(days=3)
        )
        assert wave_join(participant=late, wave=later).status == ApplicationStatus.PENDING
        with pytest.raises(Conflict) as exc:
            wave_join(participant=early, wave=later)
        assert exc.value.code == "already_selected"
    assert AuditLog.objects.filter(action="application.decide").count() == 4
    assert AuditLog.objects.filter(action="wave.select").count() == 1


def test_selection_command():
    wave = WaveFactory(quota=1)
    user = verified_participant()
    wave_join(participant=user, wave=wave)
    out = io.StringIO()
    with time_machine.travel(wave.closes_at + dt.timedelta(minutes=1), tick=False):
        call_command("run_selection", str(wave.number), stdout=out)
        with pytest.raises(CommandError):
            call_command("run_selection", str(wave.number), stdout=out)
    assert "1 selected" in out.getvalue()


def test_funnel_counts_each_waves_cohort_and_its_path(client, django_assert_num_queries):
    first = WaveFactory(
        quota=1,
        opens_at=clock.now() - dt.timedelta(days=20),
        closes_at=clock.now() - dt.timedelta(days=10),
    )
    second = WaveFactory(quota=5)
    # accounts that never joined either wave are in neither cohort
    ParticipantFactory(email_verified_at=None)
    verified_participant(status=IdentityStatus.PENDING)
    chosen, retrying = (
        verified_participant(date_joined=first.opens_at + dt.timedelta(hours=1)) for _ in range(2)
    )
    with time_machine.travel(first.opens_at + dt.timedelta(days=1), tick=False):
        wave_join(participant=chosen, wave=first)
        wave_join(participant=retrying, wave=first)
    with time_machine.travel(first.closes_at + dt.timedelta(hours=1), tick=False):
        wave_run_selection(wave=first, actor=None)
    newcomer = verified_participant(date_joined=second.opens_at + dt.timedelta(hours=1))
    for user in (retrying, newcomer):
        wave_join(participant=user, wave=second)
    Identity.objects.filter(user=newcomer).update(status=IdentityStatus.WITHDRAWN)

    with django_assert_num_queries(1):
        funnel = wave_funnel(wave=first)
    assert funnel == {
        "wave": first.number,
        "joined": 2,
        "new_accounts": 2,
        "returning": 0,
        "emails_confirmed": 2,
        "phones_confirmed": 2,
        "identities_verified": 2,
        "waiting": 0,
        "selected": 1,
        "not_selected": 1,
    }
    assert wave_funnel(wave=second) == {
        "wave": second.number,
        "joined": 2,
        "new_accounts": 1,
        "returning": 1,
        "emails_confirmed": 2,
        "phones_confirmed": 2,
        "identities_verified": 1,
        "waiting": 2,
        "selected": 0,
        "not_selected": 0,
    }
    client.force_login(user_with_role(Role.PMO_ADMIN))
    assert client.get(f"/api/v1/waves/{second.number}/funnel").json()["returning"] == 1
    page = client.get(f"/admin/programs/wave/{first.pk}/funnel/").content.decode()
    assert "<td>2</td>" in page
    client.force_login(retrying)
    assert client.get(f"/api/v1/waves/{second.number}/funnel").status_code == 403


@pytest.mark.parametrize(
    ("unconfirmed", "code"),
    [("email_verified_at", "email_not_confirmed"), ("phone_verified_at", "phone_not_confirmed")],
)
def test_joining_needs_a_confirmed_email_and_phone(client, unconfirmed, code):
    user = verified_participant(**{unconfirmed: None})
    wave = WaveFactory()
    client.force_login(user)
    response = client.post(f"/api/v1/waves/{wave.number}/join")
    assert response.status_code == 403
    assert response.json()["code"] == code
    dashboard = client.get("/dasbor/").content.decode()
    assert 'id="join-requirements"' in dashboard
    assert f"/gelombang/{wave.number}/ikut/" not in dashboard
    page = client.post(f"/gelombang/{wave.number}/ikut/", follow=True)
    assert "message-error" in page.content.decode()
    assert not Application.objects.exists()


def test_nothing_joins_a_wave_whose_selection_has_run():
    wave = WaveFactory(quota=1)
    wave_join(participant=verified_participant(), wave=wave)
    with time_machine.travel(wave.closes_at, tick=False):
        wave_run_selection(wave=wave, actor=None)
    # the PMO moves the closing time later: the wave stays closed, selection has run
    wave.refresh_from_db()
    wave.closes_at = clock.now() + dt.timedelta(days=3)
    wave.save()
    assert wave.state_at(clock.now()) == WaveState.SELECTION
    late = verified_participant()
    with pytest.raises(Conflict) as exc:
        wave_join(participant=late, wave=wave)
    assert exc.value.code == "wave_not_open"
    from prakerja.programs.selectors import participant_dashboard

    assert participant_dashboard(user=late)["open_waves"] == []


def test_dashboard_query_budget(client, django_assert_num_queries):
    user = verified_participant()
    for _ in range(3):
        WaveFactory()
    client.force_login(user)
    with django_assert_num_queries(16):
        response = client.get("/dasbor/")
    assert response.status_code == 200
    assert "Ikut gelombang" in response.content.decode() or "Join wave" in response.content.decode()


def test_join_from_dashboard_form(client):
    user = verified_participant()
    wave = WaveFactory()
    client.force_login(user)
    response = client.post(f"/gelombang/{wave.number}/ikut/")
    assert response.status_code == 302
    assert Application.objects.filter(participant=user, wave=wave).exists()


def test_only_participants_join_via_api(client):
    client.force_login(user_with_role(Role.AGENT))
    assert client.post(f"/api/v1/waves/{WaveFactory().number}/join").status_code == 403


def test_forbidden_is_raised_for_missing_identity():
    with pytest.raises(Forbidden):
        wave_join(participant=ParticipantFactory(), wave=WaveFactory())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_join_racing_the_selection_is_undone():
    """Selection holds the wave's row lock while a join inserts its application: the join waits
    for it and is then refused, so no application is left pending in a wave already decided."""
    wave = WaveFactory(quota=1)
    participant = verified_participant()
    locked, joining = threading.Event(), threading.Event()

    def select():
        try:
            with transaction.atomic():
                Wave.objects.select_for_update().get(pk=wave.pk)
                Wave.objects.filter(pk=wave.pk).update(selection_ran_at=clock.now())
                locked.set()
                joining.wait(timeout=10)
                time.sleep(0.5)  # the join is now waiting on the wave's row
        finally:
            connection.close()

    selection = threading.Thread(target=select)
    selection.start()
    assert locked.wait(timeout=10)
    joining.set()
    with pytest.raises(Conflict) as exc:
        wave_join(participant=participant, wave=wave)
    selection.join(timeout=10)
    assert exc.value.code == "wave_not_open"
    assert not Application.objects.filter(wave=wave).exists()
