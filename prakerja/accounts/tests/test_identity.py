import datetime as dt
import io
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from PIL import Image

from prakerja.accounts.models import Identity, IdentityStatus
from prakerja.accounts.nik import kk_errors, make_nik, nik_errors, parse_nik
from prakerja.accounts.services import identity_submit, identity_upload_id_card
from prakerja.core import clock
from prakerja.core.errors import Conflict, ValidationFailed
from prakerja.core.models import AuditLog
from prakerja.core.roles import Role
from prakerja.core.tests.factories import user_with_role

from .factories import ParticipantFactory

BIRTH = dt.date(1995, 8, 17)


def identity_data(**overrides):
    data = {
        "nik": make_nik(birth_date=BIRTH, female=False),
        "kk_number": "3171010101200001",
        "full_name": "Budi Santoso",
        "birth_date": BIRTH,
        "gender": "M",
        "province": "31",
        "city": "Jakarta Pusat",
        "education": "sma",
        "work_status": "job_seeker",
        "declared_not_student": True,
        "declared_not_official": True,
    }
    data.update(overrides)
    return data


# --- NIK rules (pure) ---------------------------------------------------------------------------


def test_valid_male_nik():
    assert nik_errors("3171011708950001", birth_date=BIRTH, gender="M") == []


def test_female_nik_adds_40_to_the_day():
    nik = "3171015708950001"
    assert parse_nik(nik).female is True
    assert parse_nik(nik).day == 17
    assert nik_errors(nik, birth_date=BIRTH, gender="F") == []
    assert nik_errors(nik, birth_date=BIRTH, gender="M")  # gender mismatch
    assert nik_errors("3171011708950001", birth_date=BIRTH, gender="F")


@pytest.mark.parametrize("nik", ["9971011708950001", "3100001708950001", "3171001708950001"])
def test_wrong_region_code(nik):
    errors = nik_errors(nik, birth_date=BIRTH, gender="M")
    assert any("Kode wilayah" in str(e) for e in errors)


@pytest.mark.parametrize(
    "birth_date",
    [
        dt.date(1995, 8, 18),
        dt.date(1995, 9, 17),
        dt.date(1996, 8, 17),
        dt.date(1985, 8, 17),
    ],
)
def test_birth_date_mismatch(birth_date):
    errors = nik_errors("3171011708950001", birth_date=birth_date, gender="M")
    assert any("Tanggal lahir tidak sesuai" in str(e) for e in errors)


@pytest.mark.parametrize(
    "nik",
    [
        "",
        "317101170895000",
        "31710117089500011",
        "31710117O8950001",
        "3171013208950001",
        "3171011713950001",
        "3171011708950000",
    ],
)
def test_malformed_nik(nik):
    assert nik_errors(nik, birth_date=None, gender=None)


def test_kk_rules():
    assert kk_errors("3171010101200001") == []
    assert kk_errors("317101010120000")
    assert kk_errors("0071010101200001")


# --- identity service ---------------------------------------------------------------------------

pytestmark_db = pytest.mark.django_db


@pytest.mark.django_db
def test_submit_valid_identity_is_verified_by_offline_adapter(django_capture_on_commit_callbacks):
    user = ParticipantFactory()
    with django_capture_on_commit_callbacks(execute=True):
        identity_submit(user=user, data=identity_data())
    identity = Identity.objects.get(user=user)
    assert identity.status == IdentityStatus.VERIFIED
    actions = list(AuditLog.objects.values_list("action", flat=True))
    assert "identity.submit" in actions
    assert "identity.verify" in actions
    entry = AuditLog.objects.get(action="identity.submit")
    assert identity.nik not in str(entry.after)  # masked in the audit log


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"birth_date": clock.local_now().date() - dt.timedelta(days=17 * 365)}, "birth_date"),
        ({"declared_not_student": False}, "declared_not_student"),
        ({"declared_not_official": False}, "declared_not_official"),
        ({"nik": "9971011708950001"}, "nik"),
        ({"gender": "F"}, "nik"),
        ({"kk_number": "123"}, "kk_number"),
        ({"province": "99"}, "province"),
        ({"education": "phd"}, "education"),
    ],
)
def test_submit_refuses_ineligible_or_invalid(overrides, field):
    with pytest.raises(ValidationFailed) as exc:
        identity_submit(user=ParticipantFactory(), data=identity_data(**overrides))
    assert field in exc.value.errors


@pytest.mark.django_db
def test_one_account_per_nik():
    identity_submit(user=ParticipantFactory(), data=identity_data())
    with pytest.raises(Conflict) as exc:
        identity_submit(user=ParticipantFactory(), data=identity_data(kk_number="3171010101200002"))
    assert exc.value.code == "nik_taken"


@pytest.mark.django_db
def test_at_most_two_accounts_per_kk():
    for serial in ("0001", "0002"):
        identity_submit(
            user=ParticipantFactory(),
            data=identity_data(nik=make_nik(birth_date=BIRTH, female=False, serial=serial)),
        )
    with pytest.raises(Conflict) as exc:
        identity_submit(
            user=ParticipantFactory(),
            data=identity_data(nik=make_nik(birth_date=BIRTH, female=False, serial="0003")),
        )
    assert exc.value.code == "kk_full"


@pytest.mark.django_db
def test_resubmitting_keeps_own_kk_slot_and_verified_is_locked(django_capture_on_commit_callbacks):
    user = ParticipantFactory()
    identity_submit(user=user, data=identity_data(declared_not_student=True))
    identity_submit(user=user, data=identity_data(city="Bandung", province="32"))
    assert Identity.objects.get(user=user).kk_slot == 1
    with django_capture_on_commit_callbacks(execute=True):
        identity_submit(user=user, data=identity_data())
    with pytest.raises(Conflict) as exc:
        identity_submit(user=user, data=identity_data(city="Bogor"))
    assert exc.value.code == "identity_locked"


@pytest.mark.django_db
def test_identity_api_put_and_get_masks_nik(client, django_capture_on_commit_callbacks):
    user = ParticipantFactory()
    client.force_login(user)
    payload = {**identity_data(), "birth_date": BIRTH.isoformat()}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.put(
            "/api/v1/accounts/me/identity", payload, content_type="application/json"
        )
    assert response.status_code == 200, response.content
    body = client.get("/api/v1/accounts/me/identity").json()
    assert body["status"] == "verified"
    assert body["nik_masked"] == "317101******0001"
    other = ParticipantFactory()
    client.force_login(other)
    dup = client.put("/api/v1/accounts/me/identity", payload, content_type="application/json")
    assert dup.status_code == 409
    assert dup.json()["code"] == "nik_taken"
    bad = client.put(
        "/api/v1/accounts/me/identity",
        {**payload, "birth_date": "1990-01-01"},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert "nik" in bad.json()["errors"]


def png_bytes(size=(40, 25)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.django_db
def test_id_card_upload_checks_type_and_size_and_is_private(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    user = ParticipantFactory()
    identity_submit(user=user, data=identity_data())
    with pytest.raises(ValidationFailed):
        identity_upload_id_card(
            user=user, upload=SimpleUploadedFile("ktp.png", b"<?php evil", "image/png")
        )
    big = SimpleUploadedFile("ktp.png", png_bytes() + b"\0" * (2 * 1024 * 1024), "image/png")
    with pytest.raises(ValidationFailed):
        identity_upload_id_card(user=user, upload=big)
    client.force_login(user)
    response = client.post(
        "/akun/identitas/ktp/", {"id_card": SimpleUploadedFile("ktp.png", png_bytes(), "image/png")}
    )
    assert response.status_code == 302
    identity = Identity.objects.get(user=user)
    assert identity.id_card.name.startswith("id-cards/")
    own = client.get(f"/akun/identitas/{identity.pk}/ktp/")
    assert own.status_code == 200
    assert own["Cache-Control"] == "private, no-store"
    client.force_login(ParticipantFactory())
    assert client.get(f"/akun/identitas/{identity.pk}/ktp/").status_code == 404
    client.force_login(user_with_role(Role.AGENT))
    assert client.get(f"/akun/identitas/{identity.pk}/ktp/").status_code == 404
    client.force_login(user_with_role(Role.PMO_ADMIN))
    assert client.get(f"/akun/identitas/{identity.pk}/ktp/").status_code == 200
    client.logout()
    assert client.get("/private-media/" + identity.id_card.name).status_code == 404


# --- concurrency on PostgreSQL ----------------------------------------------------------------


def _race(workers):
    """Run each callable in its own thread (own DB connection) released at the same instant."""
    barrier = threading.Barrier(len(workers))
    results: list = [None] * len(workers)

    def run(i, fn):
        try:
            barrier.wait(timeout=10)
            results[i] = fn()
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_duplicate_nik_only_one_wins():
    users = [ParticipantFactory() for _ in range(6)]
    data = identity_data()
    results = _race([lambda u=u: identity_submit(user=u, data=data) for u in users])
    winners = [r for r in results if isinstance(r, Identity)]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert len(winners) == 1, results
    assert len(losers) == 5, results
    assert Identity.objects.filter(nik=data["nik"]).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_third_account_on_a_kk_is_refused():
    users = [ParticipantFactory() for _ in range(6)]
    results = _race(
        [
            lambda u=u, n=n: identity_submit(
                user=u,
                data=identity_data(
                    nik=make_nik(birth_date=BIRTH, female=False, serial=f"{n + 1:04d}")
                ),
            )
            for n, u in enumerate(users)
        ]
    )
    winners = [r for r in results if isinstance(r, Identity)]
    assert len(winners) == 2, results
    assert all(
        isinstance(r, Conflict) and r.code == "kk_full"
        for r in results
        if not isinstance(r, Identity)
    ), results
    assert Identity.objects.filter(kk_number="3171010101200001").count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_signups_with_same_email_over_http(live_server):
    import httpx

    payload = {
        "full_name": "Siti",
        "email": "race@example.test",
        "password": "kuat-sekali-2021!",
        "phone": "081234567890",
    }

    def post():
        return httpx.post(
            f"{live_server.url}/api/v1/accounts", json=payload, timeout=20
        ).status_code

    results = _race([post for _ in range(6)])
    assert sorted(results).count(201) == 1, results
    assert all(code in (201, 409) for code in results), results


@pytest.mark.django_db
def test_identity_web_form(client, django_capture_on_commit_callbacks):
    user = ParticipantFactory()
    client.force_login(user)
    data = {**identity_data(), "birth_date": "1995-08-17"}
    bad = client.post("/akun/identitas/", {**data, "gender": "F"})
    assert bad.status_code == 422
    assert "Jenis kelamin tidak sesuai" in bad.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        ok = client.post("/akun/identitas/", data)
    assert ok.status_code == 302
    page = client.get("/akun/identitas/").content.decode()
    assert "Terverifikasi" in page
    taken = ParticipantFactory()
    client.force_login(taken)
    response = client.post("/akun/identitas/", data)
    assert response.status_code == 409
    assert "NIK ini sudah terdaftar" in response.content.decode()
