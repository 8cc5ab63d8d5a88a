"""Complaint categories and SLA targets, read through the shared cache (written by
services.configuration)."""

import datetime as dt

from django.core.cache import cache

from prakerja.core.cache import get_many_or_set

from .. import hours
from ..models import Category, Priority, SlaTarget

CATEGORIES_CACHE_KEY = "helpdesk:categories:v1"
CATEGORIES_CACHE_SECONDS = 60


def active_categories() -> list:
    """The active categories in order, kept in the shared cache (every form render and intake
    needs them); `services.category_save` and `category_delete` drop it on commit."""
    return cache.get_or_set(
        CATEGORIES_CACHE_KEY,
        lambda: list(Category.objects.filter(is_active=True)),
        CATEGORIES_CACHE_SECONDS,
    )


def active_category(slug: str):
    return next((c for c in active_categories() if c.slug == slug), None)


# Default SLA targets in business minutes, used when no SlaTarget row exists for a priority.
DEFAULT_SLA = {
    Priority.URGENT: (30, 4 * 60),
    Priority.HIGH: (60, 8 * 60),
    Priority.NORMAL: (4 * 60, 3 * 12 * 60),
    Priority.LOW: (8 * 60, 5 * 12 * 60),
}

# The targets in the shared cache; `sla_target_save` and `sla_target_delete` drop it on commit.
SLA_CACHE_KEY = "helpdesk:sla:v1"
SLA_CACHE_SECONDS = 60


def _sla_targets() -> dict[str, tuple[int, int]]:
    return {
        t.priority: (t.first_response_minutes, t.resolution_minutes)
        for t in SlaTarget.objects.all()
    }


def sla_due_times(*, priority: str, start: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """First-response and resolution due times, counted in business hours from `start`. The
    targets and the schedule come from the shared cache in one round trip (every new ticket
    asks)."""
    cached = get_many_or_set(
        {
            SLA_CACHE_KEY: (_sla_targets, SLA_CACHE_SECONDS),
            hours.CACHE_KEY: (hours.load_schedule, hours.CACHE_SECONDS),
        }
    )
    targets, schedule = cached[SLA_CACHE_KEY], cached[hours.CACHE_KEY]
    first, resolution = targets.get(priority) or DEFAULT_SLA.get(
        priority, DEFAULT_SLA[Priority.NORMAL]
    )
    return (
        hours.add_business_seconds(start, first * 60, schedule=schedule),
        hours.add_business_seconds(start, resolution * 60, schedule=schedule),
    )
