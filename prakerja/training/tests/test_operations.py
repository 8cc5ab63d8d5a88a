"""The PMO's and operators' side: the platform_create command, the admin, the scheduler job, the
demo data."""

import io

import pytest
import time_machine
from django.core.management import CommandError, call_command

from prakerja.core import clock, scheduler
from prakerja.core.models import AuditLog
from prakerja.core.roles import Role
from prakerja.core.selectors import api_token_user
from prakerja.core.tests.factories import user_with_role
from prakerja.programs.hooks import participants_selected
from prakerja.training import demo
from prakerja.training.models import Card, Course, CourseStatus, Platform, PurchaseStatus
from prakerja.training.services import card_issue_for_selection, cards_revoke_due

from .factories import (
    CardFactory,
    CertificateFactory,
    CourseFactory,
    PlatformFactory,
    ReviewFactory,
    SelectedApplicationFactory,
)

pytestmark = pytest.mark.django_db


def test_platform_create_command_prints_the_token_last(client):
    out = io.StringIO()
    call_command("platform_create", "skillku", "--name", "SkillKu", stdout=out)
    token = out.getvalue().split()[-1]
    platform = Platform.objects.get(slug="skillku")
    assert platform.name == "SkillKu"
    assert api_token_user(raw=token) == platform.user
    response = client.put(
        "/api/v1/partner/courses/A1",
        {
            "title": "Kursus",
            "provider": "LPK",
            "price": 100_000,
            "mode": "online",
            "category": "TI",
            "hours": 2,
        },
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201, response.content
    with pytest.raises(CommandError, match="sudah ada"):
        call_command("platform_create", "skillku", "--name", "Lagi", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("platform_create", "Bad Slug", "--name", "X", stdout=io.StringIO())


def test_card_issuance_and_revocation_are_registered():
    assert card_issue_for_selection in list(participants_selected)
    job = scheduler.jobs_named(["training.revoke_cards"])[0]
    card = CardFactory()
    with time_machine.travel(card.first_purchase_deadline, tick=False):
        job.func()
    card.refresh_from_db()
    assert card.revoked_at == card.first_purchase_deadline


def test_revocation_job_leaves_other_cards():
    due = CardFactory()
    bought = CardFactory(first_purchase_at=clock.now())
    later = CardFactory()
    later.first_purchase_deadline = due.first_purchase_deadline.replace(year=2099)
    later.save()
    with time_machine.travel(due.first_purchase_deadline, tick=False):
        assert cards_revoke_due(now=clock.now()) == 1
    assert list(Card.objects.filter(revoked_at__isnull=False)) == [due]
    bought.refresh_from_db()
    assert bought.balance == bought.initial_balance


def test_admin_pages_and_moderation(client):
    client.force_login(user_with_role(Role.PMO_ADMIN))
    pending = CourseFactory(status=CourseStatus.PENDING)
    ReviewFactory()
    CertificateFactory()
    for model in ["platform", "institution", "course", "card", "purchase", "certificate", "review"]:
        response = client.get(f"/admin/training/{model}/")
        assert response.status_code == 200, model
    response = client.post(
        "/admin/training/course/",
        {"action": "approve", "_selected_action": [pending.pk]},
    )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == CourseStatus.APPROVED
    assert AuditLog.objects.filter(action="course.moderate", object_id=str(pending.pk)).exists()


def test_admin_creates_and_suspends_a_platform(client):
    client.force_login(user_with_role(Role.PMO_ADMIN))
    response = client.post(
        "/admin/training/platform/add/", {"slug": "baru", "name": "Platform Baru"}, follow=True
    )
    assert response.status_code == 200
    platform = Platform.objects.get(slug="baru")
    assert "token API" in response.content.decode()  # the one-time notice, in Indonesian
    client.post(
        "/admin/training/platform/", {"action": "suspend", "_selected_action": [platform.pk]}
    )
    platform.refresh_from_db()
    assert not platform.is_active
    assert AuditLog.objects.filter(action="platform.suspend").exists()


def test_admin_is_staff_only(client):
    PlatformFactory()
    client.force_login(user_with_role(Role.PARTICIPANT))
    assert client.get("/admin/training/platform/").status_code == 302


def test_demo_seed_is_idempotent():
    application = SelectedApplicationFactory(
        participant__username="peserta.lolos@demo.prakerja.local"
    )
    for _ in range(2):
        out = io.StringIO()
        demo.seed(stdout=out)
    assert Platform.objects.count() == len(demo.PLATFORMS)
    assert Course.objects.filter(status=CourseStatus.APPROVED).count() == len(demo.COURSES) >= 40
    assert Course.objects.values("institution").distinct().count() >= 10
    card = Card.objects.get(application=application)
    [purchase] = card.purchases.all()
    assert purchase.status == PurchaseStatus.COMPLETED
    assert purchase.certificate.number
    assert card.balance == card.initial_balance - purchase.price
    assert card.number in out.getvalue()


def test_supervisors_see_cards_but_do_not_moderate(client):
    client.force_login(user_with_role(Role.SUPERVISOR))
    CardFactory()
    assert client.get("/admin/training/card/").status_code == 200
    pending = CourseFactory(status=CourseStatus.PENDING)
    client.post("/admin/training/course/", {"action": "approve", "_selected_action": [pending.pk]})
    pending.refresh_from_db()
    assert pending.status == CourseStatus.PENDING
