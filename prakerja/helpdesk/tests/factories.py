import datetime as dt

from prakerja.core import clock
from prakerja.core.roles import Role
from prakerja.core.tests.factories import UserFactory, user_with_role
from prakerja.helpdesk.models import AgentPresence, PresenceStatus, RosterEntry, Shift


def agent(**kwargs):
    return user_with_role(Role.AGENT, **kwargs)


def supervisor(**kwargs):
    return user_with_role(Role.SUPERVISOR, **kwargs)


def participant(**kwargs):
    return user_with_role(Role.PARTICIPANT, **kwargs)


def on_shift_agent(
    *, at: dt.datetime | None = None, status=PresenceStatus.ONLINE, limit=None, **kw
):
    """An agent rostered on the shift covering `at` (default now) with fresh presence."""
    at = at or clock.now()
    local = clock.to_local(at)
    user = agent(**kw)
    shift = Shift.objects.get(starts_at__lte=local.time(), ends_at__gt=local.time())
    RosterEntry.objects.create(agent=user, shift=shift, date=local.date())
    AgentPresence.objects.update_or_create(
        agent=user, defaults={"status": status, "last_seen_at": at, "ticket_limit": limit}
    )
    return user


__all__ = ["UserFactory", "agent", "on_shift_agent", "participant", "supervisor"]
