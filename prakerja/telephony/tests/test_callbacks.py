"""Callback list: claims (atomic, also under real concurrency on PostgreSQL) and outcomes."""

import threading

import pytest
from django.db import connection

from prakerja.accounts.phones import normalize_phone
from prakerja.core.errors import Conflict, Forbidden, ValidationFailed
from prakerja.core.tests.factories import UserFactory
from prakerja.telephony.models import Callback
from prakerja.telephony.services import (
    callback_claim,
    callback_claim_next,
    callback_complete,
)

from .factories import Pbx, agent, next_call_id, pbx_token
from .test_events import at, new_call


def _missed(pbx, number: str, offset: int = 0) -> None:
    cid = next_call_id()
    pbx.ok(**new_call(cid, frm=number, when=at(offset)))
    pbx.ok(event="hangup", call_id=cid, cause="noAnswer", time=at(offset + 30))


def _numbers(n: int) -> list[str]:
    return [f"0812{7000000 + i:08d}" for i in range(n)]


@pytest.mark.django_db
def test_claim_next_takes_the_oldest_and_outcomes_close_or_requeue(client):
    pbx = Pbx(client, pbx_token())
    first, second = _numbers(2)
    _missed(pbx, second, offset=600)
    _missed(pbx, first, offset=0)
    ani = agent("ani")
    claimed = callback_claim_next(agent=ani)
    assert claimed.number == normalize_phone(first)
    assert (claimed.status, claimed.claimed_by) == ("claimed", ani)

    again = callback_complete(
        callback_id=claimed.pk, agent=ani, result="no_answer", notes="voicemail"
    )
    assert (again.status, again.attempts, again.claimed_by) == ("open", 1, None)
    callback_claim(callback_id=claimed.pk, agent=ani)
    done = callback_complete(callback_id=claimed.pk, agent=ani, result="reached")
    assert (done.status, done.result, done.attempts, done.completed_by) == (
        "done",
        "reached",
        2,
        ani,
    )
    assert done.notes == "voicemail"


@pytest.mark.django_db
def test_a_claimed_callback_cannot_be_taken_or_completed_by_another_agent(client):
    pbx = Pbx(client, pbx_token())
    _missed(pbx, _numbers(1)[0])
    ani, budi = agent("ani"), agent("budi")
    callback = callback_claim_next(agent=ani)
    assert callback_claim_next(agent=budi) is None
    with pytest.raises(Conflict):
        callback_claim(callback_id=callback.pk, agent=budi)
    with pytest.raises(Forbidden):
        callback_complete(callback_id=callback.pk, agent=budi, result="reached")
    with pytest.raises(ValidationFailed):
        callback_complete(callback_id=callback.pk, agent=ani, result="caller_called_again")
    with pytest.raises(Forbidden):
        callback_claim_next(agent=UserFactory())


@pytest.mark.django_db
def test_a_new_missed_call_after_a_done_callback_opens_a_new_one(client):
    pbx = Pbx(client, pbx_token())
    number = _numbers(1)[0]
    _missed(pbx, number)
    ani = agent("ani")
    callback = callback_claim_next(agent=ani)
    callback_complete(callback_id=callback.pk, agent=ani, result="reached")
    _missed(pbx, number, offset=3600)
    assert Callback.objects.filter(status="open").count() == 1
    assert Callback.objects.count() == 2


@pytest.mark.django_db
def test_callback_pages_claim_and_record(client, django_assert_num_queries):
    pbx = Pbx(client, pbx_token())
    for number in _numbers(5):
        _missed(pbx, number)
    ani = agent("ani")
    client.force_login(ani)
    with django_assert_num_queries(8):
        page = client.get("/agent/phone/callbacks/")
    assert page.content.decode().count("/claim/") == 5
    assert client.post("/agent/phone/callbacks/claim-next/").status_code == 302
    callback = Callback.objects.get(status="claimed")
    response = client.post(
        f"/agent/phone/callbacks/{callback.pk}/complete/",
        {f"cb{callback.pk}-result": "wrong_number", f"cb{callback.pk}-notes": "not them"},
    )
    assert response.status_code == 302
    callback.refresh_from_db()
    assert (callback.status, callback.result, callback.notes) == (
        "done",
        "wrong_number",
        "not them",
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_never_hand_one_callback_to_two_agents(client, seeded):
    pbx = Pbx(client, pbx_token())
    for number in _numbers(6):
        _missed(pbx, number)
    agents = [agent(f"agent{i}") for i in range(8)]
    barrier = threading.Barrier(len(agents))
    got: dict[str, int | None] = {}
    errors: list[BaseException] = []

    def claim(user):
        try:
            barrier.wait()
            callback = callback_claim_next(agent=user)
            got[user.username] = callback.pk if callback else None
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(user,)) for user in agents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    claimed = [pk for pk in got.values() if pk is not None]
    assert len(claimed) == 6
    assert len(set(claimed)) == 6
    assert list(got.values()).count(None) == 2
    assert Callback.objects.filter(status="claimed").count() == 6
    for callback in Callback.objects.select_related("claimed_by"):
        assert got[callback.claimed_by.username] == callback.pk


@pytest.mark.django_db
def test_callback_and_manual_call_audit_entries_hold_no_phone_number(client):
    from prakerja.core.tests.factories import audit_log_text
    from prakerja.telephony.services import call_log_manual

    pbx = Pbx(client, pbx_token())
    (number,) = _numbers(1)
    _missed(pbx, number)
    ani = agent("ani")
    callback_claim_next(agent=ani)
    call_log_manual(agent=ani, number="0813 1111 2222", duration_minutes=2)
    text = audit_log_text()
    assert "callback #" in text
    for digits in (number[1:], "81311112222"):
        assert digits not in text
