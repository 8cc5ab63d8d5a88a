import pytest

from prakerja.accounts.tests.factories import ParticipantFactory
from prakerja.core.roles import Role
from prakerja.core.tests.factories import user_with_role

pytestmark = pytest.mark.django_db


def test_openapi_documents_the_participant_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in [
        "/api/v1/switches",
        "/api/v1/switches/{name}",
        "/api/v1/accounts",
        "/api/v1/accounts/me/phone/verify",
        "/api/v1/accounts/me/identity",
        "/api/v1/waves/{number}/join",
        "/api/v1/linking",
        "/api/v1/linking/confirm",
    ]:
        assert path in paths, path


@pytest.mark.parametrize(
    "path",
    ["/", "/daftar/", "/pengumuman/", "/masuk/", "/akun/lupa-sandi/"],
)
def test_public_pages_render(client, path):
    assert client.get(path).status_code == 200


@pytest.mark.parametrize(
    "path", ["/dasbor/", "/akun/identitas/", "/akun/penautan-rekening/", "/akun/verifikasi-hp/"]
)
def test_participant_pages_render_and_need_login(client, path):
    assert client.get(path).status_code == 302
    client.force_login(ParticipantFactory())
    assert client.get(path).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/pmo/pratinjau/",
        "/admin/switches/switch/",
        "/admin/programs/wave/",
        "/admin/programs/announcement/add/",
        "/admin/programs/application/",
        "/admin/accounts/identity/",
        "/admin/accounts/smsoutbox/",
        "/admin/payouts/provider/",
        "/admin/payouts/linkedaccount/",
    ],
)
def test_pmo_pages_render(client, path):
    client.force_login(user_with_role(Role.PMO_ADMIN))
    assert client.get(path).status_code == 200


def test_announcement_list_shows_whether_a_switch_bound_announcement_is_live(client):
    from django.utils import timezone

    from prakerja.programs.models import Announcement

    Announcement.objects.create(
        title="Pendaftaran dibuka",
        body="...",
        publish_at=timezone.now(),
        while_switch_on="registration",
    )
    client.force_login(user_with_role(Role.PMO_ADMIN))
    assert client.get("/admin/programs/announcement/").status_code == 200


def test_dashboard_lists_the_participants_complaints(client):
    helpdesk = pytest.importorskip("prakerja.helpdesk.services")
    user = ParticipantFactory()
    ticket = helpdesk.ticket_create(
        channel="web", subject="Dana insentif belum masuk", description="...", requester=user
    )
    client.force_login(user)
    html = client.get("/dasbor/").content.decode()
    assert ticket.reference in html
    assert "Dana insentif belum masuk" in html
