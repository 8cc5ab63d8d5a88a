"""The contact center's settings that every request reads from the shared cache: the category
taxonomy, SLA targets and operating hours (weekly schedule and dated exceptions).

Each write is audited and deletes its cache key once the transaction has committed, so the next
read in any process loads the new rows (deleting before the commit would let a concurrent read
cache the old rows again). The back office (`helpdesk/admin.py`) saves through these functions.
"""

from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Model

from prakerja.core.errors import ValidationFailed
from prakerja.core.services import audit_record, audited_save

from .. import hours
from ..models import Category, HoursException, SlaTarget, WeeklyHours
from ..selectors import CATEGORIES_CACHE_KEY, SLA_CACHE_KEY


def _forget_on_commit(key: str) -> None:
    transaction.on_commit(lambda: cache.delete(key))


def _checked(obj: Model) -> None:
    """The model's own rules (field limits, unique values, constraints) as ValidationFailed."""
    try:
        obj.full_clean()
    except DjangoValidationError as exc:
        raise ValidationFailed(
            errors={field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
        ) from exc


def _time(value) -> str | None:
    return value.isoformat() if value is not None else None


def _category_dict(c: Category) -> dict:
    return {
        "slug": c.slug,
        "name_id": c.name_id,
        "name_en": c.name_en,
        "position": c.position,
        "is_active": c.is_active,
    }


@transaction.atomic
def category_save(*, category: Category, actor) -> Category:
    """Create or update a complaint category. Audits `category.create`/`category.update`; the
    cached taxonomy (`selectors.active_categories`) is dropped on commit."""
    _checked(category)
    audited_save(obj=category, actor=actor, entity="category", snapshot=_category_dict)
    _forget_on_commit(CATEGORIES_CACHE_KEY)
    return category


@transaction.atomic
def category_delete(*, category: Category, actor) -> None:
    """Delete a category no ticket or article uses (deactivate it otherwise: ProtectedError)."""
    audit_record(
        actor=actor, action="category.delete", obj=category, before=_category_dict(category)
    )
    category.delete()
    _forget_on_commit(CATEGORIES_CACHE_KEY)


def _sla_dict(t: SlaTarget) -> dict:
    return {
        "priority": t.priority,
        "first_response_minutes": t.first_response_minutes,
        "resolution_minutes": t.resolution_minutes,
    }


@transaction.atomic
def sla_target_save(*, target: SlaTarget, actor) -> SlaTarget:
    """Create or update a priority's SLA target. Tickets created or re-prioritized after the
    commit get due times from it (`tickets.sla_due_times`); existing due times stay."""
    _checked(target)
    audited_save(obj=target, actor=actor, entity="sla_target", snapshot=_sla_dict)
    _forget_on_commit(SLA_CACHE_KEY)
    return target


@transaction.atomic
def sla_target_delete(*, target: SlaTarget, actor) -> None:
    """The priority falls back to `tickets.DEFAULT_SLA`."""
    audit_record(actor=actor, action="sla_target.delete", obj=target, before=_sla_dict(target))
    target.delete()
    _forget_on_commit(SLA_CACHE_KEY)


def _weekly_dict(w: WeeklyHours) -> dict:
    return {
        "weekday": w.weekday,
        "opens_at": _time(w.opens_at),
        "closes_at": _time(w.closes_at),
        "is_closed": w.is_closed,
    }


@transaction.atomic
def weekly_hours_save(*, day: WeeklyHours, actor) -> WeeklyHours:
    """Create or update a weekday's opening hours (Asia/Jakarta wall clock)."""
    _checked(day)
    audited_save(obj=day, actor=actor, entity="weekly_hours", snapshot=_weekly_dict)
    transaction.on_commit(hours.invalidate_schedule)
    return day


@transaction.atomic
def weekly_hours_delete(*, day: WeeklyHours, actor) -> None:
    """The weekday falls back to the default 08:00-20:00 (`hours.DEFAULT_OPENS`)."""
    audit_record(actor=actor, action="weekly_hours.delete", obj=day, before=_weekly_dict(day))
    day.delete()
    transaction.on_commit(hours.invalidate_schedule)


def _exception_dict(e: HoursException) -> dict:
    return {
        "date": e.date.isoformat() if e.date else None,
        "is_closed": e.is_closed,
        "opens_at": _time(e.opens_at),
        "closes_at": _time(e.closes_at),
        "note": e.note,
    }


@transaction.atomic
def hours_exception_save(*, exception: HoursException, actor) -> HoursException:
    """Create or update a dated change to the weekly schedule (a holiday, shorter hours)."""
    _checked(exception)
    audited_save(obj=exception, actor=actor, entity="hours_exception", snapshot=_exception_dict)
    transaction.on_commit(hours.invalidate_schedule)
    return exception


@transaction.atomic
def hours_exception_delete(*, exception: HoursException, actor) -> None:
    audit_record(
        actor=actor,
        action="hours_exception.delete",
        obj=exception,
        before=_exception_dict(exception),
    )
    exception.delete()
    transaction.on_commit(hours.invalidate_schedule)
