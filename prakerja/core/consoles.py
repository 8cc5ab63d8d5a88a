"""Where each role works: its landing page after log-in and the staff navigation.

Apps register in their AppConfig.ready(), so core never imports a domain app:
`landings.register(role=..., url_name=..., priority=...)` names a role's console (the first
role of the user's by priority wins: a PMO admin who is also a supervisor lands on the PMO
console); `nav.register(NavLink(...))` adds a link to the staff navigation (`section="main"`,
every staff page) or to a console's own menu (e.g. `section="pmo"`, the PMO console's pages).
"""

import dataclasses
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject

from .roles import STAFF_ROLES, Role, has_role


@dataclasses.dataclass(frozen=True)
class Landing:
    role: str
    url_name: str
    priority: int


class LandingRegistry:
    def __init__(self) -> None:
        self._landings: dict[str, Landing] = {}

    def register(self, *, role: str, url_name: str, priority: int) -> None:
        self._landings[role] = Landing(role=role, url_name=url_name, priority=priority)

    def for_user(self, user) -> Landing | None:
        """The landing of the user's highest-priority role (a superuser has every role)."""
        for landing in sorted(self._landings.values(), key=lambda item: item.priority):
            if has_role(user, landing.role):
                return landing
        return None


landings = LandingRegistry()


def landing_url(user) -> str:
    """Where `user` lands after log-in; LOGIN_REDIRECT_URL when no role of theirs has a console."""
    landing = landings.for_user(user)
    return reverse(landing.url_name) if landing else resolve_url(settings.LOGIN_REDIRECT_URL)


def is_staff_member(user) -> bool:
    """Anyone who works the platform rather than takes part in the program."""
    return has_role(user, Role.AGENT, *STAFF_ROLES)


@dataclasses.dataclass(frozen=True)
class NavLink:
    """A link shown to users holding any of `roles` (a `visible(user)` check may narrow it)."""

    label: Any  # a lazy translation
    url_name: str
    roles: tuple[str, ...]
    order: int = 100
    section: str = "main"
    visible: Callable[[Any], bool] | None = None


class NavRegistry:
    def __init__(self) -> None:
        self._links: dict[tuple[str, str], NavLink] = {}

    def register(self, link: NavLink) -> NavLink:
        self._links[(link.section, link.url_name)] = link
        return link

    def links_for(self, user, *, section: str = "main", current_path: str = "") -> list[dict]:
        """The section's links `user` may follow, in order, each as {label, url, current}."""
        rows = []
        for link in sorted(self._links.values(), key=lambda item: (item.order, item.url_name)):
            if link.section != section or not has_role(user, *link.roles):
                continue
            if link.visible is not None and not link.visible(user):
                continue
            try:
                url = reverse(link.url_name)
            except NoReverseMatch:  # an app's urls not mounted (e.g. a trimmed test URLconf)
                continue
            rows.append({"label": link.label, "url": url, "current": url == current_path})
        return rows


nav = NavRegistry()


def staff_context(request) -> SimpleLazyObject:
    """For templates: {"url": the user's console, "links": the main staff navigation}, or
    None for everyone but staff. Lazy: public pages of participants pay nothing."""

    def build() -> dict | None:
        user = getattr(request, "user", None)
        if user is None or not is_staff_member(user):
            return None
        return {
            "url": landing_url(user),
            "links": nav.links_for(user, current_path=request.path),
        }

    return SimpleLazyObject(build)


@dataclasses.dataclass(frozen=True)
class ActivityKind:
    """Audit entries whose action starts with `prefix` (e.g. "switch.") belong in the activity
    feed of the console `section`."""

    prefix: str
    label: Any
    section: str = "pmo"


class ActivityRegistry:
    def __init__(self) -> None:
        self._kinds: dict[tuple[str, str], ActivityKind] = {}

    def register(self, kind: ActivityKind) -> ActivityKind:
        self._kinds[(kind.section, kind.prefix)] = kind
        return kind

    def for_section(self, section: str) -> list[ActivityKind]:
        return sorted(
            (k for k in self._kinds.values() if k.section == section), key=lambda k: k.prefix
        )


activity = ActivityRegistry()
