import datetime as dt
import io

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from prakerja.core import clock
from prakerja.helpdesk import services
from prakerja.helpdesk.models import Attachment, Channel, Ticket

from .factories import agent, participant

pytestmark = pytest.mark.django_db

FORM = {
    "name": "Siti Aminah",
    "email": "siti@example.test",
    "phone": "081234567890",
    "category": "account-linking",
    "subject": "Tidak bisa menautkan e-wallet",
    "description": "Kode OTP tidak pernah masuk.",
    "website": "",
}


def png_bytes():
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (2, 2)).save(buf, "PNG")
    return buf.getvalue()


def test_guest_submits_form_gets_reference_and_email(client, django_capture_on_commit_callbacks):
    upload = SimpleUploadedFile("bukti.png", png_bytes(), content_type="image/png")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("helpdesk:complaint"), {**FORM, "attachment": upload})
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("helpdesk:complaint_done", args=[ticket.reference])
    page = client.get(response.url).content.decode()
    assert ticket.reference in page
    assert ticket.channel == Channel.WEB
    assert Attachment.objects.get().content_type == "image/png"
    assert ticket.reference in mail.outbox[0].subject
    assert mail.outbox[0].to == ["siti@example.test"]


def test_the_acknowledgement_quotes_only_the_reference_and_category(
    client, django_capture_on_commit_callbacks
):
    typed = {
        "name": "Pemenang undian http://hadiah.example",
        "subject": "Klik http://phish.example/login untuk hadiah",
        "description": "Transfer ke rekening 1234567890 sekarang",
        "phone": "081299998888",
    }
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("helpdesk:complaint"), {**FORM, **typed})
    ticket = Ticket.objects.get()
    [email] = mail.outbox
    text = email.subject + email.body
    for value in typed.values():
        assert value not in text
    assert "http://" not in email.body.replace(settings.SITE_URL, "")
    assert ticket.reference in email.subject
    assert ticket.reference in email.body
    assert ticket.category.name in email.body


def test_form_shows_field_errors_and_creates_nothing(client):
    response = client.post(reverse("helpdesk:complaint"), {**FORM, "email": "bad", "subject": ""})
    assert response.status_code == 422
    html = response.content.decode()
    # Each field names its message (Django's "<id>_error"), and the summary links to the field.
    for field in ("email", "subject"):
        assert f'id="id_{field}_error"' in html
        assert f'aria-describedby="id_{field}_error"' in html
        assert f'<a href="#id_{field}">' in html
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"email": "a" * 250 + "@example.test"}, "email"),  # valid, longer than the column
        ({"name": "x" * 151}, "name"),
        ({"category": "nope"}, "category"),
        ({"phone": "12"}, "phone"),
    ],
)
def test_form_shows_the_services_errors_too(client, override, field):
    """The services decide what a report may be; the form page shows their errors in place."""
    response = client.post(reverse("helpdesk:complaint"), {**FORM, **override})
    assert response.status_code == 422
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    assert f'<a href="#id_{field}">' in html
    assert not Ticket.objects.exists()


def test_form_rejects_a_disguised_file(client):
    upload = SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client.post(reverse("helpdesk:complaint"), {**FORM, "attachment": upload})
    assert response.status_code == 422
    assert not Ticket.objects.exists()  # the ticket rolls back with the bad file


def test_honeypot_creates_nothing(client):
    response = client.post(reverse("helpdesk:complaint"), {**FORM, "website": "http://spam"})
    assert response.status_code == 422
    assert not Ticket.objects.exists()


def test_rate_limit_per_email(client, settings):
    settings.HELPDESK_INTAKE_PER_EMAIL = 2
    for _ in range(2):
        assert client.post(reverse("helpdesk:complaint"), FORM).status_code == 302
    response = client.post(reverse("helpdesk:complaint"), FORM)
    assert response.status_code == 429
    assert Ticket.objects.count() == 2


def test_logged_in_participant_is_prefilled_and_sees_own_tickets(client):
    user = participant(full_name="Budi", email="budi@example.test")
    client.force_login(user)
    assert 'value="budi@example.test"' in client.get(reverse("helpdesk:complaint")).content.decode()
    data = {**FORM, "name": "", "email": "", "phone": ""}
    assert client.post(reverse("helpdesk:complaint"), data).status_code == 302
    other = services.ticket_create(
        channel=Channel.WEB, subject="Orang lain", description="x", name="Lain", email="l@x.test"
    )
    html = client.get(reverse("helpdesk:my_tickets")).content.decode()
    mine = Ticket.objects.get(requester=user)
    assert mine.reference in html
    assert other.reference not in html
    assert client.get(reverse("helpdesk:track_detail", args=[mine.reference])).status_code == 200
    assert client.get(reverse("helpdesk:track_detail", args=[other.reference])).status_code == 404


def test_tracking_needs_reference_and_matching_email(client):
    ticket = services.ticket_create(
        channel=Channel.WEB,
        **{"subject": "S", "description": "D", "name": "N", "email": "n@example.test"},
    )
    direct = client.get(reverse("helpdesk:track_detail", args=[ticket.reference]))
    assert direct.status_code == 404  # no lookup in this browser yet
    wrong = client.post(
        reverse("helpdesk:track"), {"reference": ticket.reference, "email": "x@example.test"}
    )
    assert wrong.status_code == 404
    assert "tidak menemukan pengaduan" in wrong.content.decode()
    right = client.post(
        reverse("helpdesk:track"),
        {"reference": ticket.reference.lower().replace("-", " "), "email": "N@example.test"},
    )
    assert right.status_code == 302
    reply = client.post(right.url, {"body": "Ada kabar?"})
    assert reply.status_code == 302
    assert ticket.messages.filter(from_requester=True).count() == 2
    assert client.post(right.url, {"body": ""}).status_code == 422


def _tracked_by_this_browser(client) -> str:
    ticket = services.ticket_create(
        channel=Channel.WEB,
        **{"subject": "S", "description": "D", "name": "N", "email": "n@example.test"},
    )
    client.post(
        reverse("helpdesk:track"), {"reference": ticket.reference, "email": "n@example.test"}
    )
    url = reverse("helpdesk:track_detail", args=[ticket.reference])
    assert client.get(url).status_code == 200
    return url


def test_log_out_clears_the_tracking_cookie(client):
    client.force_login(participant())
    url = _tracked_by_this_browser(client)
    response = client.post(reverse("accounts:logout"))
    assert response.cookies["hd_tracked"]["max-age"] == 0
    assert client.get(url).status_code == 404


def test_the_tracking_cookie_is_short_lived(client):
    url = _tracked_by_this_browser(client)
    assert 0 < client.cookies["hd_tracked"]["max-age"] <= 2 * 3600
    with time_machine.travel(clock.now() + dt.timedelta(hours=2, minutes=1)):
        assert client.get(url).status_code == 404


def test_internal_notes_never_reach_the_requester(client):
    ticket = services.ticket_create(
        channel=Channel.WEB,
        **{"subject": "S", "description": "D", "name": "N", "email": "n@example.test"},
    )
    services.ticket_reply(ticket=ticket, author=agent(), body="RAHASIA internal", internal=True)
    services.ticket_reply(ticket=ticket, author=agent(), body="Jawaban publik")
    client.post(
        reverse("helpdesk:track"), {"reference": ticket.reference, "email": "n@example.test"}
    )
    html = client.get(reverse("helpdesk:track_detail", args=[ticket.reference])).content.decode()
    assert "Jawaban publik" in html
    assert "RAHASIA" not in html


def test_attachment_download_is_access_checked(client):
    ticket = services.ticket_create(
        channel=Channel.WEB,
        **{"subject": "S", "description": "D", "name": "N", "email": "n@example.test"},
    )
    attachment = services.attachment_add(
        ticket=ticket, upload=SimpleUploadedFile("a.png", png_bytes(), content_type="image/png")
    )
    url = reverse("helpdesk:attachment", args=[attachment.pk])
    assert client.get(url).status_code == 404
    client.force_login(agent())
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"


def test_suggestions_and_kb(client):
    response = client.get(reverse("helpdesk:suggestions"), {"subject": "sertifikat belum keluar"})
    assert response.status_code == 200
    assert "/bantuan/mendapatkan-sertifikat/" in response.content.decode()
    kb = client.get(reverse("helpdesk:kb"), {"q": "sertifikat"}).content.decode()
    assert "Mendapatkan sertifikat pelatihan" in kb
    assert "Memilih dan membeli pelatihan" not in kb
    assert client.get(reverse("helpdesk:kb_article", args=["tidak-ada"])).status_code == 404


def test_every_active_category_has_a_published_article():
    from importlib import import_module

    from django.apps import apps

    from prakerja.helpdesk.models import Article, Category

    def uncovered():
        return list(
            Category.objects.filter(is_active=True)
            .exclude(articles__is_published=True)
            .values_list("slug", flat=True)
        )

    assert uncovered() == []
    count = Article.objects.count()
    import_module("prakerja.helpdesk.migrations.0008_seed_knowledge_base_every_category").seed(
        apps, None
    )
    assert Article.objects.count() == count  # idempotent


def test_suggestions_find_the_registration_and_incentive_articles(client):
    for text, slug in (
        ("cara daftar kartu prakerja", "cara-mendaftar"),
        ("insentif belum masuk ke e-wallet", "insentif-belum-masuk"),
    ):
        html = client.get(reverse("helpdesk:suggestions"), {"subject": text}).content.decode()
        assert f"/bantuan/{slug}/" in html, text


def test_footer_shows_open_or_closed(client):
    html = client.get("/").content.decode()
    assert "08.00-20.00" in html  # the Indonesian time format


@pytest.mark.parametrize(("language", "noted"), [("en", True), ("id", False)])
def test_help_articles_say_in_english_that_they_are_in_indonesian(client, language, noted):
    from prakerja.helpdesk.models import Article

    article = Article.objects.filter(is_published=True, language="id").first()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    for url in (reverse("helpdesk:kb"), reverse("helpdesk:kb_article", args=[article.slug])):
        html = client.get(url).content.decode()
        assert ('data-content-language="id"' in html) is noted, url
