import datetime as dt
import hashlib
import logging
import secrets
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from . import clock
from .errors import Forbidden
from .logging import request_id_var
from .models import ApiToken, AuditLog
from .roles import AccountAction, account_action_allowed

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "pk_"  # noqa: S105 - a public marker, not a secret


def audit_record(
    *,
    actor,
    action: str,
    obj: Model | None = None,
    object_type: str = "",
    object_id: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    at=None,
    request_id: str | None = None,
) -> AuditLog:
    """Append one audit entry inside the caller's transaction (so a rolled-back action leaves
    no entry). `action` is `<entity>.<verb>`, e.g. `switch.update`. `at` and `request_id`
    default to now and the current request's id; background work recording an action of an
    earlier request passes that request's.

    Supervisors read the log: `before`/`after` hold ids and states, never a participant's phone,
    e-mail or name. Labels come from the model's `audit_label()` where it has one (a model whose
    `str()` shows personal data defines it), else from `str()`."""
    entry = audit_entry(
        actor=actor,
        action=action,
        obj=obj,
        object_type=object_type,
        object_id=object_id,
        before=before,
        after=after,
        at=at,
        request_id=request_id,
    )
    entry.save()
    return entry


def audit_entry(
    *,
    actor,
    action: str,
    obj: Model | None = None,
    object_type: str = "",
    object_id: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    at=None,
    request_id: str | None = None,
) -> AuditLog:
    """The entry `audit_record` appends, unsaved: a batch writes its entries with one
    `AuditLog.objects.bulk_create(...)` in its transaction."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    label = audit_label(user) if user else (str(actor) if actor else "system")
    return AuditLog(
        at=at or timezone.now(),
        actor=user,
        actor_label=label[:150],
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_label=audit_label(obj)[:200] if obj is not None else "",
        before=before,
        after=after,
        request_id=current_request_id() if request_id is None else request_id,
    )


def audit_label(obj) -> str:
    label = getattr(obj, "audit_label", None)
    return str(label() if label is not None else obj)


def current_request_id() -> str:
    """The id of the request being served ("" outside one)."""
    value = request_id_var.get()
    return "" if value == "-" else value


def audited_save(*, obj: Model, actor, entity: str, snapshot: Callable[[Model], dict]) -> Model:
    """Save a created or edited object and audit `<entity>.create` or `<entity>.update` with
    `snapshot()` of the stored row before and of the object after. Caller holds the transaction."""
    before = None
    if obj.pk:
        old = type(obj)._default_manager.filter(pk=obj.pk).first()
        before = snapshot(old) if old else None
    obj.save()
    audit_record(
        actor=actor,
        action=f"{entity}.update" if before else f"{entity}.create",
        obj=obj,
        before=before,
        after=snapshot(obj),
    )
    return obj


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user, name: str, actor=None) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret, which is not stored and cannot be shown again.
    From the back office (`actor` given) refuses (403) what `account_action_allowed` does not
    allow: a token acts as its user, so it is not minted for a participant, another PMO admin or
    a superuser. Without an actor it is the server's operator (`manage.py create_api_token`).
    Audits `api_token.create`."""
    if actor is not None and not account_action_allowed(
        actor=actor, user=user, action=AccountAction.TOKEN
    ):
        raise Forbidden(_("You may not create an API token for this account."))
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=raw[:10], key_hash=hash_token(raw))
    audit_record(
        actor=actor,
        action="api_token.create",
        obj=token,
        after={"user": audit_label(user), "name": name},
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor) -> ApiToken:
    token.revoked_at = clock.now()
    token.save(update_fields=["revoked_at"])
    audit_record(actor=actor, action="api_token.revoke", obj=token)
    return token


def tasks_requeue_stranded(*, older_than: dt.timedelta | None = None) -> int:
    """Put tasks a dead worker left RUNNING back in the queue; returns how many.

    `manage.py db_worker` marks a task RUNNING when it takes it and finished when it ends; a
    worker killed in between (kill -9, a lost machine) leaves the row RUNNING for ever, and no
    other worker takes it. A task RUNNING for longer than `older_than` (TASKS_STRANDED_SECONDS)
    is taken to be such a task: it becomes READY and runs again, so a task can run twice (at
    least once, never lost). The `core.tasks_requeue` scheduler job calls this."""
    if older_than is None:
        older_than = dt.timedelta(seconds=settings.TASKS_STRANDED_SECONDS)
    requeued = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=timezone.now() - older_than
    ).update(status=TaskResultStatus.READY, started_at=None)
    if requeued:
        logger.warning("tasks.requeued_stranded", extra={"tasks": requeued})
    return requeued
