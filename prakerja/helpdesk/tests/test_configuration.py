"""Categories, SLA targets and hours are read from the shared cache; a change through the services
(and the back office, which calls them) is seen by the next read, in any process."""

import datetime as dt

import pytest
import time_machine

from prakerja.core import clock
from prakerja.core.errors import ValidationFailed
from prakerja.core.models import AuditLog
from prakerja.helpdesk import hours, selectors, services
from prakerja.helpdesk.models import Category, HoursException, Priority, SlaTarget, WeeklyHours
from prakerja.helpdesk.selectors import sla_due_times

from .factories import supervisor

pytestmark = pytest.mark.django_db

TUESDAY_10 = clock.local_datetime(2026, 3, 10, 10, 0)


def test_a_new_category_is_offered_at_once(django_capture_on_commit_callbacks):
    assert selectors.active_category("bansos") is None  # the taxonomy is now cached
    with django_capture_on_commit_callbacks(execute=True):
        services.category_save(
            category=Category(slug="bansos", name_id="Bansos", name_en="Social aid"),
            actor=supervisor(),
        )
    assert selectors.active_category("bansos") is not None
    assert AuditLog.objects.filter(action="category.create", after__slug="bansos").exists()


def test_the_cache_is_dropped_only_when_the_change_commits(django_capture_on_commit_callbacks):
    """Dropped before the commit, a read in between would cache the old rows again."""
    assert selectors.active_category("incentive") is not None
    category = Category.objects.get(slug="incentive")
    category.is_active = False
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.category_save(category=category, actor=supervisor())
    assert selectors.active_category("incentive") is not None  # not committed yet
    for callback in callbacks:
        callback()
    assert selectors.active_category("incentive") is None


def test_a_category_deactivated_in_the_back_office_leaves_the_form_at_once(
    client, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    assert 'value="incentive"' in client.get(reverse("helpdesk:complaint")).content.decode()
    category = Category.objects.get(slug="incentive")
    client.force_login(supervisor())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/helpdesk/category/{category.pk}/change/",
            {
                "slug": "incentive",
                "name_id": "Insentif",
                "name_en": "Incentive",
                "position": category.position,
                # is_active unticked
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert 'value="incentive"' not in client.get(reverse("helpdesk:complaint")).content.decode()
    assert AuditLog.objects.filter(
        action="category.update", before__is_active=True, after__is_active=False
    ).exists()


def test_a_new_sla_target_applies_to_the_next_ticket_at_once(django_capture_on_commit_callbacks):
    start = TUESDAY_10
    first, _resolution = sla_due_times(priority=Priority.URGENT, start=start)
    assert first == start + dt.timedelta(minutes=30)  # seeded, and now cached
    target = SlaTarget.objects.get(priority=Priority.URGENT)
    target.first_response_minutes = 15
    with django_capture_on_commit_callbacks(execute=True):
        services.sla_target_save(target=target, actor=supervisor())
    first, _resolution = sla_due_times(priority=Priority.URGENT, start=start)
    assert first == start + dt.timedelta(minutes=15)


def test_an_sla_target_deleted_in_the_back_office_falls_back_at_once(
    client, django_capture_on_commit_callbacks
):
    start = TUESDAY_10
    target = SlaTarget.objects.get(priority=Priority.URGENT)
    target.first_response_minutes = 15
    target.save()
    assert sla_due_times(priority=Priority.URGENT, start=start)[0] == start + dt.timedelta(
        minutes=15
    )
    client.force_login(supervisor())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/helpdesk/slatarget/{target.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert sla_due_times(priority=Priority.URGENT, start=start)[0] == start + dt.timedelta(
        minutes=30
    )  # DEFAULT_SLA
    assert AuditLog.objects.filter(action="sla_target.delete").exists()


def test_a_holiday_set_in_the_back_office_closes_the_contact_center_at_once(
    client, django_capture_on_commit_callbacks
):
    with time_machine.travel(TUESDAY_10, tick=False):
        assert hours.is_open(clock.now())  # the schedule is now cached
        client.force_login(supervisor())
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/admin/helpdesk/hoursexception/add/",
                {"date": "2026-03-10", "is_closed": "on", "note": "Libur"},
            )
        assert response.status_code == 302, response.content.decode()[:2000]
        assert not hours.is_open(clock.now())
        holiday = HoursException.objects.get()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/admin/helpdesk/hoursexception/",
                {"action": "delete_selected", "_selected_action": [holiday.pk], "post": "yes"},
            )
        assert response.status_code == 302
        assert hours.is_open(clock.now())
    assert AuditLog.objects.filter(action="hours_exception.delete").exists()


def test_weekly_hours_changed_through_the_service_apply_at_once(
    django_capture_on_commit_callbacks,
):
    with time_machine.travel(TUESDAY_10, tick=False):
        assert hours.is_open(clock.now())
        tuesday = WeeklyHours.objects.get(weekday=1)
        tuesday.opens_at = dt.time(11, 0)
        with django_capture_on_commit_callbacks(execute=True):
            services.weekly_hours_save(day=tuesday, actor=supervisor())
        assert not hours.is_open(clock.now())


def test_the_services_refuse_what_the_model_forbids():
    tuesday = WeeklyHours.objects.get(weekday=1)
    tuesday.closes_at = dt.time(7, 0)  # before it opens
    with pytest.raises(ValidationFailed):
        services.weekly_hours_save(day=tuesday, actor=supervisor())
    with pytest.raises(ValidationFailed) as taken:
        services.category_save(
            category=Category(slug="other", name_id="Lain", name_en="Other"), actor=supervisor()
        )
    assert "slug" in taken.value.errors


def test_no_process_keeps_its_own_copy():
    """Another process's save drops the shared key only: the next read here must not answer
    from a copy of its own."""
    from django.core.cache import cache

    from prakerja.helpdesk.selectors import CATEGORIES_CACHE_KEY

    assert selectors.active_category("incentive") is not None
    Category.objects.filter(slug="incentive").update(is_active=False)  # saved elsewhere ...
    cache.delete(CATEGORIES_CACHE_KEY)  # ... which dropped the shared key on commit
    assert selectors.active_category("incentive") is None


def test_a_new_ticket_reads_its_rules_in_one_round_trip(django_capture_on_commit_callbacks):
    """Categories, SLA targets and hours come in one read of the shared cache once cached, and
    a category deactivated since is refused at once."""
    from unittest import mock

    from django.core.cache import cache

    def create(slug):
        return services.ticket_create(
            channel="web", subject="S", description="D", category_slug=slug, name="A",
            email="a@example.com",
        )  # fmt: skip

    create("certificate")  # fills the cache
    with (
        mock.patch.object(cache, "get_many", wraps=cache.get_many) as get_many,
        mock.patch.object(cache, "get_or_set", wraps=cache.get_or_set) as get_or_set,
    ):
        ticket = create("certificate")
    assert (get_many.call_count, get_or_set.call_count) == (1, 0)
    assert ticket.first_response_due_at is not None
    assert ticket.category.slug == "certificate"
    category = Category.objects.get(slug="incentive")
    category.is_active = False
    with django_capture_on_commit_callbacks(execute=True):
        services.category_save(category=category, actor=supervisor())
    with pytest.raises(ValidationFailed) as refused:
        create("incentive")
    assert "category" in refused.value.errors
