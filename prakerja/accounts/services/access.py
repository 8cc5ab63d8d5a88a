"""Back-office changes to an account's access: roles, active flag, password. The rules of who
may do what to whom are `core.roles.account_action_allowed`; every change is audited."""

from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.translation import gettext as _

from prakerja.core.errors import Forbidden, ValidationFailed
from prakerja.core.roles import (
    BACK_OFFICE_ROLES,
    GRANTABLE_BY_PMO,
    AccountAction,
    account_action_allowed,
)
from prakerja.core.services import audit_record


def _require(*, actor, user, action: str) -> None:
    if not account_action_allowed(actor=actor, user=user, action=action):
        raise Forbidden(_("You may not make this change to this account."))


@transaction.atomic
def user_access_set(*, user, actor, roles: Iterable[str], is_active: bool):
    """Set the account's back-office roles (agent, supervisor, PMO admin) and whether it is
    active; other groups (participant) stay. Refuses (403) what `account_action_allowed` does
    not allow, and a PMO admin granting or removing a role outside GRANTABLE_BY_PMO. Audits
    `user.access` with the roles and active flag before and after; no change, no entry."""
    wanted = set(roles)
    unknown = wanted - set(BACK_OFFICE_ROLES)
    if unknown:
        raise ValidationFailed(errors={"roles": [_("Unknown role.")]})
    user = type(user).objects.select_for_update().get(pk=user.pk)
    current = set(user.groups.values_list("name", flat=True))
    held = current & set(BACK_OFFICE_ROLES)
    if wanted == held and is_active == user.is_active:
        return user
    _require(actor=actor, user=user, action=AccountAction.ACCESS)
    if not actor.is_superuser and (wanted ^ held) - GRANTABLE_BY_PMO:
        raise Forbidden(_("Only a superuser grants or removes the PMO admin role."))
    before = {"roles": sorted(held), "active": user.is_active}
    user.groups.remove(*Group.objects.filter(name__in=held - wanted))
    user.groups.add(*Group.objects.filter(name__in=wanted - held))
    if is_active != user.is_active:
        user.is_active = is_active
        user.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action="user.access",
        obj=user,
        before=before,
        after={"roles": sorted(wanted), "active": is_active},
    )
    return user


@transaction.atomic
def user_password_set(*, user, actor, password: str):
    """Set another account's password from the back office (the form validated it). Refuses (403)
    what `account_action_allowed` does not allow (a participant's, a PMO admin's). Audits
    `user.password_set` (the password itself nowhere)."""
    _require(actor=actor, user=user, action=AccountAction.PASSWORD)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(actor=actor, action="user.password_set", obj=user)
    return user
