"""A rejection is final until a PMO review; a rejected or withdrawn identity frees its NIK."""

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from prakerja.accounts.models import Identity, IdentityStatus
from prakerja.accounts.nik import make_nik
from prakerja.accounts.services import (
    identity_reject,
    identity_release,
    identity_submit,
    identity_upload_id_card,
    identity_verify,
)
from prakerja.core import clock
from prakerja.core.errors import Conflict
from prakerja.core.models import AuditLog
from prakerja.core.roles import Role
from prakerja.core.tests.factories import user_with_role

from .factories import ParticipantFactory
from .test_identity import BIRTH, identity_data, png_bytes

pytestmark = pytest.mark.django_db
T0 = clock.local_datetime(2026, 4, 1, 9)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def upload(user):
    return identity_upload_id_card(
        user=user, upload=SimpleUploadedFile("ktp.png", png_bytes(), "image/png")
    )


def rejected_participant(django_capture_on_commit_callbacks):
    user = ParticipantFactory()
    with time_machine.travel(T0, tick=False):
        with django_capture_on_commit_callbacks(execute=False):
            identity = identity_submit(user=user, data=identity_data())
        upload(user)  # while pending: a verified identity's photo can no longer change
        identity_verify(identity=identity)
    with time_machine.travel(T0.replace(hour=10), tick=False):
        identity_reject(
            identity=identity, reason="Foto KTP tidak sesuai.", actor=user_with_role("pmo_admin")
        )
    return user


def test_resubmitting_after_a_rejection_needs_a_new_photo_and_a_pmo_review(
    client, django_capture_on_commit_callbacks
):
    user = rejected_participant(django_capture_on_commit_callbacks)
    with time_machine.travel(T0.replace(hour=11), tick=False):
        # the photo the PMO rejected does not count
        with pytest.raises(Conflict) as exc:
            identity_submit(user=user, data=identity_data())
        assert exc.value.code == "id_card_required"
        upload(user)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            identity_submit(user=user, data=identity_data())
    identity = Identity.objects.get(user=user)
    assert identity.status == IdentityStatus.PENDING
    assert identity.review_required is True
    assert callbacks == []  # no automatic verification queued
    # the registry alone cannot undo the PMO's rejection
    assert identity_verify(identity=identity).status == IdentityStatus.PENDING
    client.force_login(user)
    assert 'id="identity-review"' in client.get("/akun/identitas/").content.decode()

    pmo = user_with_role(Role.PMO_ADMIN)
    client.force_login(pmo)
    response = client.post(
        "/admin/accounts/identity/", {"action": "verify", "_selected_action": [identity.pk]}
    )
    assert response.status_code == 302
    identity.refresh_from_db()
    assert identity.status == IdentityStatus.VERIFIED
    assert identity.review_required is False
    assert AuditLog.objects.filter(action="identity.verify", actor=pmo).exists()


def test_the_api_and_page_tell_a_rejected_participant_to_upload_a_new_photo(
    client, django_capture_on_commit_callbacks
):
    user = rejected_participant(django_capture_on_commit_callbacks)
    client.force_login(user)
    assert 'id="identity-resubmit"' in client.get("/akun/identitas/").content.decode()
    payload = {**identity_data(), "birth_date": BIRTH.isoformat()}
    response = client.put("/api/v1/accounts/me/identity", payload, content_type="application/json")
    assert response.status_code == 409
    assert response.json()["code"] == "id_card_required"
    assert Identity.objects.get(user=user).status == IdentityStatus.REJECTED


def test_a_rejected_identity_releases_its_nik_and_kk_slot(django_capture_on_commit_callbacks):
    rejected = rejected_participant(django_capture_on_commit_callbacks)
    other = ParticipantFactory()
    identity_submit(user=other, data=identity_data())  # same NIK and KK
    assert Identity.objects.get(user=other).kk_slot == 1
    # the family card still has room for one more, the rejected one does not count
    identity_submit(
        user=ParticipantFactory(),
        data=identity_data(nik=make_nik(birth_date=BIRTH, female=False, serial="0002")),
    )
    # and the NIK is now someone else's: the rejected participant cannot take it back
    with time_machine.travel(T0.replace(hour=11), tick=False):
        upload(rejected)
        with pytest.raises(Conflict) as exc:
            identity_submit(user=rejected, data=identity_data())
    assert exc.value.code == "nik_taken"


def test_pmo_releases_a_squatted_nik_through_an_audited_admin_action(client):
    squatter = ParticipantFactory()
    squatted = identity_submit(user=squatter, data=identity_data())
    owner = ParticipantFactory()
    with pytest.raises(Conflict):
        identity_submit(user=owner, data=identity_data(kk_number="3171010101200002"))

    pmo = user_with_role(Role.PMO_ADMIN)
    client.force_login(pmo)
    response = client.post(
        "/admin/accounts/identity/",
        {"action": "release_nik", "_selected_action": [squatted.pk]},
        follow=True,
    )
    assert response.status_code == 200
    squatted.refresh_from_db()
    assert squatted.status == IdentityStatus.WITHDRAWN
    entry = AuditLog.objects.get(action="identity.release")
    assert entry.actor == pmo
    assert entry.before["status"] == "pending"
    assert entry.after["status"] == "withdrawn"
    assert squatted.nik not in str(entry.after)

    identity_submit(user=owner, data=identity_data(kk_number="3171010101200002"))
    assert Identity.objects.get(user=owner).status == IdentityStatus.PENDING
    with pytest.raises(Conflict) as exc:
        identity_release(identity=squatted, reason="", actor=pmo)
    assert exc.value.code == "nik_not_held"


def test_an_account_the_pmo_took_a_nik_from_cannot_claim_it_again(client):
    """Otherwise the squatter re-holds the NIK with any new photo before the owner gets to it."""
    squatter = ParticipantFactory()
    squatted = identity_submit(user=squatter, data=identity_data())
    identity_release(identity=squatted, reason="Bukan miliknya.", actor=user_with_role("pmo_admin"))
    with time_machine.travel(T0, tick=False):
        upload(squatter)
        with pytest.raises(Conflict) as exc:
            identity_submit(user=squatter, data=identity_data())
    assert exc.value.code == "nik_withdrawn"
    owner = ParticipantFactory()
    identity_submit(user=owner, data=identity_data(kk_number="3171010101200002"))
    assert Identity.objects.get(user=owner).status == IdentityStatus.PENDING


def test_only_a_pmo_admin_may_release_or_reject_an_identity(client):
    from django.contrib.auth.models import Group, Permission

    from prakerja.core.errors import Forbidden

    identity = identity_submit(user=ParticipantFactory(), data=identity_data())
    supervisor = user_with_role(Role.SUPERVISOR, is_staff=True)
    for service in (identity_release, identity_reject):
        with pytest.raises(Forbidden):
            service(identity=identity, reason="x", actor=supervisor)
    # even with the admin permission granted to the supervisors' group by mistake
    group = Group.objects.get(name=Role.SUPERVISOR)
    group.permissions.add(
        *Permission.objects.filter(codename__in=["view_identity", "change_identity"])
    )
    client.force_login(supervisor)
    for action in ("release_nik", "reject_photo"):
        response = client.post(
            "/admin/accounts/identity/",
            {"action": action, "_selected_action": [identity.pk]},
            follow=True,
        )
        assert response.status_code == 200
    identity.refresh_from_db()
    assert identity.status == IdentityStatus.PENDING
    assert not AuditLog.objects.filter(action__in=["identity.release", "identity.reject"]).exists()


def test_the_id_card_photo_of_a_verified_identity_cannot_be_replaced(
    client, django_capture_on_commit_callbacks
):
    """The photo is part of what was verified: a new one would stand without a review."""
    user = ParticipantFactory()
    with django_capture_on_commit_callbacks(execute=True):
        identity_submit(user=user, data=identity_data())
    upload_before = Identity.objects.get(user=user)
    assert upload_before.status == IdentityStatus.VERIFIED
    with pytest.raises(Conflict) as exc:
        upload(user)
    assert exc.value.code == "identity_locked"
    client.force_login(user)
    response = client.post(
        "/api/v1/accounts/me/identity/id-card",
        {"file": SimpleUploadedFile("lain.png", png_bytes(), "image/png")},
    )
    assert response.status_code == 409
    assert response.json()["code"] == "identity_locked"
    identity = Identity.objects.get(user=user)
    assert (identity.id_card.name, identity.status) == ("", IdentityStatus.VERIFIED)
    assert not AuditLog.objects.filter(action="identity.id_card").exists()
    assert "id_card_upload" not in client.get("/akun/identitas/").content.decode()
    assert 'action="/akun/identitas/ktp/"' not in client.get("/akun/identitas/").content.decode()
