"""Roles are Django groups (created by migration core 0002); views check them here."""

from collections.abc import Callable
from enum import StrEnum
from functools import wraps

from django.contrib.auth.mixins import AccessMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PARTICIPANT = "participant", _("Participant")
    AGENT = "agent", _("Agent")
    SUPERVISOR = "supervisor", _("Supervisor")
    PMO_ADMIN = "pmo_admin", _("PMO admin")


STAFF_ROLES = frozenset({Role.SUPERVISOR, Role.PMO_ADMIN})
CONTACT_CENTER_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR})


def user_roles(user) -> frozenset[str]:
    """The user's role names, cached on the user object for the request."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_role_cache", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._role_cache = cached
    return cached


def has_role(user, *roles: str) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or bool(user_roles(user) & set(roles))


def role_required(*roles: str) -> Callable:
    """View decorator: anonymous users go to log-in, users without a role get 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


class RoleRequiredMixin(AccessMixin):
    """Class-based view equivalent of `role_required`; set `roles = (...)`."""

    roles: tuple[str, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not has_role(request.user, *self.roles):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


# Back-office roles a PMO admin may grant to (and take from) other accounts. PMO admin itself is
# granted only by a superuser, and superuser only on the server (`manage.py createsuperuser`).
GRANTABLE_BY_PMO = frozenset({Role.AGENT, Role.SUPERVISOR})
BACK_OFFICE_ROLES = (Role.AGENT, Role.SUPERVISOR, Role.PMO_ADMIN)


class AccountAction(StrEnum):
    ACCESS = "access"  # roles, active flag
    PROFILE = "profile"  # name, e-mail, phone (an e-mail change is a way into the account)
    PASSWORD = "password"  # noqa: S105 - an action name
    TOKEN = "token"  # noqa: S105 - an action name


def account_action_allowed(*, actor, user, action: str) -> bool:
    """May `actor` do `action` to `user`'s account in the back office? A superuser may do
    anything. A PMO admin may not touch a superuser's or another PMO admin's account (that would
    be a way up), may not change their own roles, and may not set a participant's password or
    act for them with a token (participants reset their own password). Roles are read fresh."""
    if not actor.is_authenticated or not actor.is_active:
        return False
    if actor.is_superuser:
        return True
    if Role.PMO_ADMIN not in _fresh_roles(actor):
        return False
    if user.pk == actor.pk:
        return action != AccountAction.ACCESS
    roles = _fresh_roles(user)
    if user.is_superuser or Role.PMO_ADMIN in roles:
        return False
    return not (
        action in (AccountAction.PASSWORD, AccountAction.TOKEN) and Role.PARTICIPANT in roles
    )


def _fresh_roles(user) -> frozenset[str]:
    return frozenset(user.groups.values_list("name", flat=True))
