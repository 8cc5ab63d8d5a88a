"""Complaint categories and SLA targets, read through the shared cache (written by
services.configuration)."""

import datetime as dt
from dataclasses import dataclass

from django.core.cache import cache

from prakerja.core.cache import get_many_or_set

from .. import hours
from ..models import Category, Priority, SlaTarget

CATEGORIES_CACHE_KEY = "helpdesk:categories:v1"
CATEGORIES_CACHE_SECONDS = 60


def active_categories() -> list:
    """The active categories in order, kept in the shared cache (every form render and intake
    needs them); `services.category_save` and `category_delete` drop it on commit."""
    return cache.get_or_set(CATEGORIES_CACHE_KEY, _active_categories, CATEGORIES_CACHE_SECONDS)


def _active_categories() -> list:
    return list(Category.objects.filter(is_active=True))


def active_category(slug: str):
    return _by_slug(active_categories(), slug)


def _by_slug(categories: list, slug: str):
    return next((c for c in categories if c.slug == slug), None)


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


@dataclass(frozen=True)
class TicketRules:
    """What a new ticket is checked and timed against: the active categories, the SLA targets
    and the business hours."""

    categories: list
    sla_targets: dict[str, tuple[int, int]]
    schedule: hours.Schedule

    def category(self, slug: str):
        return _by_slug(self.categories, slug)

    def due_times(self, *, priority: str, start: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
        """First-response and resolution due times, counted in business hours from `start`."""
        first, resolution = self.sla_targets.get(priority) or DEFAULT_SLA.get(
            priority, DEFAULT_SLA[Priority.NORMAL]
        )
        return (
            hours.add_business_seconds(start, first * 60, schedule=self.schedule),
            hours.add_business_seconds(start, resolution * 60, schedule=self.schedule),
        )


def ticket_rules() -> TicketRules:
    """The categories, SLA targets and hours from the shared cache in one round trip (every new
    ticket needs all three; each is dropped on commit by whatever edits it)."""
    cached = get_many_or_set(
        {
            CATEGORIES_CACHE_KEY: (_active_categories, CATEGORIES_CACHE_SECONDS),
            SLA_CACHE_KEY: (_sla_targets, SLA_CACHE_SECONDS),
            hours.CACHE_KEY: (hours.load_schedule, hours.CACHE_SECONDS),
        }
    )
    return TicketRules(
        categories=cached[CATEGORIES_CACHE_KEY],
        sla_targets=cached[SLA_CACHE_KEY],
        schedule=cached[hours.CACHE_KEY],
    )


def sla_due_times(*, priority: str, start: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """`TicketRules.due_times` with the rules as they are now."""
    return ticket_rules().due_times(priority=priority, start=start)
