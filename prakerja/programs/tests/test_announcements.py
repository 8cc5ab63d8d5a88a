import datetime as dt

import pytest
import time_machine

from prakerja.core import clock
from prakerja.core.models import AuditLog
from prakerja.programs.models import Announcement
from prakerja.programs.services import announcement_save

from .factories import AnnouncementFactory

pytestmark = pytest.mark.django_db


def test_banner_only_while_live(client):
    publish = clock.local_datetime(2026, 12, 1, 9)
    expires = clock.local_datetime(2026, 12, 16, 0)
    announcement = Announcement(
        title="Penautan rekening ditutup",
        body="Tombol pendaftaran dan penautan rekening dinonaktifkan 15 Desember 23:59.",
        publish_at=publish,
        expires_at=expires,
    )
    announcement_save(announcement=announcement, actor=None)
    assert AuditLog.objects.filter(action="announcement.create").exists()
    with time_machine.travel(publish - dt.timedelta(seconds=1), tick=False):
        assert "Penautan rekening ditutup" not in client.get("/").content.decode()
        assert client.get(f"/pengumuman/{announcement.pk}/").status_code == 404
    with time_machine.travel(publish, tick=False):
        html = client.get("/").content.decode()
        assert 'class="banner"' in html
        assert "Penautan rekening ditutup" in html
    with time_machine.travel(expires, tick=False):
        assert "Penautan rekening ditutup" not in client.get("/").content.decode()
        # still listed (and in the feed) after it expires
        assert "Penautan rekening ditutup" in client.get("/pengumuman/").content.decode()


def test_atom_feed_lists_published_announcements(client):
    AnnouncementFactory(title="Gelombang 23 dibuka")
    AnnouncementFactory(title="Belum terbit", publish_at=clock.now() + dt.timedelta(days=1))
    response = client.get("/pengumuman/feed.atom")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    body = response.content.decode()
    assert "<feed" in body
    assert "Gelombang 23 dibuka" in body
    assert "Belum terbit" not in body


def test_announcements_api(client, django_assert_num_queries):
    for _ in range(5):
        AnnouncementFactory()
    AnnouncementFactory(
        title="Kedaluwarsa",
        expires_at=clock.now() - dt.timedelta(minutes=1),
        publish_at=clock.now() - dt.timedelta(days=1),
    )
    # whether an announcement is live depends on the switches, whose schedules are cached for a
    # few seconds (warm in steady state); the budget is the announcements' own
    client.get("/api/v1/switches")
    with django_assert_num_queries(2):
        body = client.get("/api/v1/announcements").json()
    assert len(body) == 6
    assert [a["live"] for a in body if a["title"] == "Kedaluwarsa"] == [False]
    assert len(client.get("/api/v1/announcements?live_only=true").json()) == 5


def test_expiry_must_follow_publish():
    from prakerja.core.errors import ValidationFailed

    moment = clock.now()
    announcement = Announcement(title="x", body="y", publish_at=moment, expires_at=moment)
    with pytest.raises(ValidationFailed):
        announcement_save(announcement=announcement, actor=None)
    assert not Announcement.objects.exists()
