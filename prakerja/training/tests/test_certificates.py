"""Certificates: the PDF and its QR code, the public verification page and API (holder masked),
the holder's own download."""

import base64
import re
import zlib

import pytest
import segno
from django.urls import reverse

from prakerja.accounts.tests.factories import ParticipantFactory
from prakerja.core.roles import Role
from prakerja.core.tests.factories import user_with_role
from prakerja.programs.tests.test_waves import verified_participant
from prakerja.training import selectors
from prakerja.training.certificates import (
    certificate_pdf,
    mask_name,
    verification_qr,
    verification_url,
)
from prakerja.training.selectors import CERTIFICATE_MISSES_PER_HOUR

from .factories import (
    CardFactory,
    CertificateFactory,
    CourseFactory,
    PurchaseFactory,
    SelectedApplicationFactory,
)

pytestmark = pytest.mark.django_db


def certificate_of(user, **course):
    card = CardFactory(application=SelectedApplicationFactory(participant=user))
    purchase = PurchaseFactory(card=card, course=CourseFactory(**course), completed=True)
    return CertificateFactory(purchase=purchase)


@pytest.fixture
def holder():
    return verified_participant(full_name="Budi Santoso")


@pytest.fixture
def certificate(holder):
    return certificate_of(
        holder, title="Digital Marketing untuk UMKM", institution__name="Lembaga Kursus Nusantara"
    )


# --- The PDF ---------------------------------------------------------------------------------------


def _streams(pdf: bytes) -> dict[bytes, bytes]:
    """Every stream of a ReportLab PDF, decoded (ASCII85 then Flate), by its dictionary."""
    found = {}
    for header, data in re.findall(rb"<<(.*?)>>\s*stream\r?\n(.*?)endstream", pdf, re.S):
        raw = data.strip()
        if b"/ASCII85Decode" in header:
            raw = base64.a85decode(raw.removesuffix(b"~>"))
        if b"/FlateDecode" in header:
            raw = zlib.decompress(raw)
        found[header] = raw
    return found


def _qr_modules(pdf: bytes) -> list[list[int]]:
    """The QR code as drawn in the PDF: the one form's rectangles (one unit a module, y up),
    back to rows of 0/1 from the top, quiet zone included."""
    [form] = [body for header, body in _streams(pdf).items() if b"/Subtype /Form" in header]
    size = int(re.search(rb"/BBox \[ 0 0 (\d+) (\d+) \]", pdf).group(1))
    grid = [[0] * size for _ in range(size)]
    for x, y, w, h in re.findall(rb"(\d+) (\d+) (\d+) (\d+) re", form):
        x, y, w, h = int(x), int(y), int(w), int(h)
        if (w, h) == (size, size):
            continue  # the white background
        for col in range(x, x + w):
            grid[size - 1 - y][col] = 1
    return grid


def test_the_pdf_names_holder_course_and_number(certificate):
    pdf = certificate_pdf(selectors.certificate_get_public(number=certificate.number))
    assert pdf.startswith(b"%PDF-")
    page = b"".join(_streams(pdf).values())
    for text in (
        "BUDI SANTOSO",  # the name as verified on the ID card
        "Digital Marketing untuk UMKM",
        "Lembaga Kursus Nusantara",
        certificate.number,
        verification_url(certificate),
    ):
        assert text.encode() in page, text
    assert certificate_pdf(certificate) == certificate_pdf(certificate)  # no timestamps inside


def test_the_qr_code_in_the_pdf_holds_the_verification_url(certificate, settings):
    settings.SITE_URL = "https://prakerja.example.id"
    url = f"https://prakerja.example.id/sertifikat/{certificate.number}/"
    assert verification_url(certificate) == url
    drawn = _qr_modules(certificate_pdf(certificate))
    expected = segno.make(url, error="m", micro=False)
    assert drawn == [[int(m) for m in row] for row in expected.matrix_iter(border=4)]


def test_the_qr_code_decodes_to_the_verification_url(certificate):
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    grid = _qr_modules(certificate_pdf(certificate))
    image = Image.new("L", (len(grid), len(grid)), 255)
    for y, row in enumerate(grid):
        for x, dark in enumerate(row):
            if dark:
                image.putpixel((x, y), 0)
    image = image.resize((len(grid) * 8, len(grid) * 8), Image.Resampling.NEAREST)
    [decoded] = zxingcpp.read_barcodes(image)
    assert decoded.text == verification_url(certificate)
    assert verification_qr(certificate).error == "M"


def test_long_titles_and_names_outside_latin_1_still_render():
    user = ParticipantFactory(full_name="Łukasz Nguyễn 李")
    cert = certificate_of(user, title=("Pelatihan " + "sangat panjang " * 13)[:200], hours=200)
    assert certificate_pdf(cert).startswith(b"%PDF-")


# --- Masking -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("Budi Santoso", "Bu** Sa*****"),
        ("SITI NURHALIZA", "SI** NU*******"),
        ("R.A. Jelita", "R.** Je****"),
        ("Ani", "An*"),
        ("Al  B", "A* *"),
        ("", ""),
    ],
)
def test_mask_name_keeps_two_letters_of_each_word(name, masked):
    assert mask_name(name) == masked


# --- Public verification: API ------------------------------------------------------------------


def test_api_confirms_a_certificate_with_the_holder_masked(client, certificate):
    response = client.get(f"/api/v1/certificates/{certificate.number}")
    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is True
    assert body["course"] == "Digital Marketing untuk UMKM"
    assert body["provider"] == "Lembaga Kursus Nusantara"
    assert body["platform"] == certificate.purchase.course.platform.name
    assert body["holder"] == "BU** SA*****"
    assert body["number"] == certificate.number
    assert body["issued_at"].startswith(str(certificate.issued_at.year))


def test_api_accepts_the_number_as_people_type_it(client, certificate):
    response = client.get(f"/api/v1/certificates/ {certificate.number.lower()}")
    assert response.status_code == 200


def test_api_unknown_number_is_404_in_the_error_shape(client, certificate):
    response = client.get("/api/v1/certificates/PRK-2026-AAAAAAAAAA")
    assert response.status_code == 404
    assert response.json() == {
        "code": "certificate_not_found",
        "message": "Tidak ada sertifikat dengan nomor ini.",
        "errors": {},
    }
    # (A NUL never gets here: the edge refuses control characters with 422, core's tests.)
    for odd in ("X" * 500, "%3Cscript%3E", "PRK%E2%80%942026"):
        assert client.get(f"/api/v1/certificates/{odd}").status_code == 404, odd
        assert client.get(f"/sertifikat/{odd}/").status_code == 404, odd


def test_api_check_is_one_query(client, certificate, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert client.get(f"/api/v1/certificates/{certificate.number}").status_code == 200


def test_page_and_pdf_read_the_certificate_in_one_query(client, holder, certificate):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(holder)
    for name in ("training:certificate_verify", "training:certificate_pdf"):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse(name, args=[certificate.number]))
        assert response.status_code == 200
        training = [q["sql"] for q in captured if "training_" in q["sql"]]
        assert len(training) == 1, training  # nothing deferred is loaded later


def test_misses_are_rate_limited_per_address_and_hits_are_not(client, certificate):
    for _ in range(CERTIFICATE_MISSES_PER_HOUR):
        assert client.get("/api/v1/certificates/PRK-2026-NOPE").status_code == 404
    response = client.get("/api/v1/certificates/PRK-2026-NOPE")
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert client.get(f"/sertifikat/{certificate.number}/").status_code == 200
    assert client.get("/sertifikat/PRK-2026-NOPE/").status_code == 429
    other = client.get("/sertifikat/PRK-2026-NOPE/", REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 404


# --- Public verification: page -------------------------------------------------------------------


def test_verification_page_is_public_and_masks_the_holder(client, certificate):
    response = client.get(reverse("training:certificate_verify", args=[certificate.number]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="certificate-valid"' in html
    assert "BU** SA*****" in html
    assert "SANTOSO" not in html
    assert "Digital Marketing untuk UMKM" in html
    assert certificate.purchase.card.number not in html
    assert certificate.purchase.voucher_code not in html


def test_verification_page_for_an_unknown_number_is_404(client):
    response = client.get(reverse("training:certificate_verify", args=["PRK-2026-ZZZZZZZZZZ"]))
    assert response.status_code == 404
    html = response.content.decode()
    assert 'id="certificate-unknown"' in html
    assert "PRK-2026-ZZZZZZZZZZ" in html


def test_check_form_opens_the_verification_page(client, certificate):
    assert client.get(reverse("training:certificate_check")).status_code == 200
    response = client.get(reverse("training:certificate_check"), {"nomor": certificate.number})
    assert response.status_code == 302
    assert response["Location"] == f"/sertifikat/{certificate.number}/"
    typed = client.get(reverse("training:certificate_check"), {"nomor": certificate.number.lower()})
    assert typed["Location"] == f"/sertifikat/{certificate.number}/"
    for odd in ("a/b", "../x", "PRK 2026/.."):
        response = client.get(reverse("training:certificate_check"), {"nomor": odd})
        assert response.status_code == 404, odd


# --- The holder's download -----------------------------------------------------------------------


def test_the_holder_downloads_their_certificate(client, holder, certificate):
    client.force_login(holder)
    response = client.get(reverse("training:certificate_pdf", args=[certificate.number]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="sertifikat-{certificate.number}.pdf"'
    )
    assert "no-store" in response["Cache-Control"]
    assert response.content.startswith(b"%PDF-")


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.AGENT, Role.PMO_ADMIN])
def test_nobody_else_downloads_it(client, certificate, role):
    if role == Role.PARTICIPANT:
        other = verified_participant()
        certificate_of(other)  # holding a certificate of one's own opens no other
    else:
        other = user_with_role(role)
    client.force_login(other)
    response = client.get(reverse("training:certificate_pdf", args=[certificate.number]))
    assert response.status_code == 404
    assert b"%PDF" not in response.content


def test_download_needs_a_login(client, certificate):
    response = client.get(reverse("training:certificate_pdf", args=[certificate.number]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_selector_refuses_another_participants_number(holder, certificate):
    from prakerja.core.errors import NotFound

    stranger = ParticipantFactory()
    with pytest.raises(NotFound) as refused:
        selectors.certificate_get_for_actor(actor=stranger, number=certificate.number)
    assert refused.value.code == "certificate_not_found"
    own = selectors.certificate_get_for_actor(actor=holder, number=certificate.number.lower())
    assert own == certificate
