"""`Idempotency-Key` for the POST endpoints clients retry (ADR 0039): a retry with the key of
a request that succeeded gets that first answer again (same status and body, with
`Idempotent-Replayed: true`) and writes nothing; the same key with another body is refused
(422 `idempotency_key_reused`). Without the header an endpoint behaves as before.

The database decides: the answer is stored in the transaction of the write it answers, under a
unique (scope, key), so a record exists exactly when its write committed. A twin sent while the
first is still running blocks on that unique index (or on the write's own unique key or row
lock) until the first commits; it then rolls its own work back and replays the first answer.
An error leaves no record (the write rolled back), so the client may fix the request and retry
with the same key.
"""

import functools
import json
import re
from collections.abc import Callable
from datetime import timedelta

import pydantic_core
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _
from ninja import Header, Status
from ninja.decorators import decorate_view
from ninja.utils import contribute_operation_args

from . import clock
from .errors import DomainError, ValidationFailed
from .models import IdempotencyRecord

HEADER = "Idempotency-Key"
# 22 characters of base64url are 128 random bits; a UUID (36) fits. The IETF draft sends the key
# as a structured-field string, in double quotes; Stripe's clients send it bare. Both are taken.
_KEY = r"[A-Za-z0-9_.:\-]{22,255}"
KEY_PATTERN = rf'^(?:{_KEY}|"{_KEY}")$'
_KEY_RE = re.compile(KEY_PATTERN)
_FINGERPRINT_SALT = "prakerja.core.idempotency"
PURGE_BATCH = 5000


class KeyReused(ValidationFailed):
    code = "idempotency_key_reused"
    default_message = _(
        "This Idempotency-Key was used with a different request. Send a new key for a new request."
    )


def _scope(operation: str, request) -> str:
    auth = getattr(request, "auth", None)
    if getattr(auth, "is_authenticated", False):
        return f"{operation}:user:{auth.pk}"
    return f"{operation}:anonymous"


def _canonical_body(request) -> bytes:
    """The JSON body with keys sorted and no spaces, so a retry that serializes the same data
    differently is the same request; any other body as it came."""
    try:
        data = json.loads(request.body)
    except ValueError:
        return request.body
    return json.dumps(data, sort_keys=True, separators=(",", ":")).encode()


def _fingerprints(request) -> list[str]:
    """A keyed hash of the request (a sign-up body holds a password: a plain hash of it would be
    a fast-to-test password hash in the table). One per accepted secret, so a retry still
    matches while SECRET_KEY is being rotated; the first is stored."""
    message = f"{request.method} {request.path}\n".encode() + _canonical_body(request)
    return [
        salted_hmac(_FINGERPRINT_SALT, message, secret=secret, algorithm="sha256").hexdigest()
        for secret in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    ]


def _replay(request, *, scope: str, key: str, fingerprints: list[str]) -> Status | None:
    """The stored answer for this key, or None when there is none. KeyReused when the key
    answered another request."""
    record = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
    if record is None:
        return None
    if not any(constant_time_compare(record.fingerprint, f) for f in fingerprints):
        raise KeyReused()
    request.idempotent_replay = True
    return Status(record.status, record.body)


def _mark_replay(run: Callable) -> Callable:
    @functools.wraps(run)
    def run_marking_replays(request, *args, **kwargs):
        response = run(request, *args, **kwargs)
        if getattr(request, "idempotent_replay", False):
            response["Idempotent-Replayed"] = "true"
        return response

    return run_marking_replays


def idempotent(operation: str) -> Callable[[Callable], Callable]:
    """Decorate a django-ninja POST endpoint (below `@router.post`) that returns its success as
    a `Status` (or a schema for 200) and reports failures by raising. `operation` names the
    endpoint in the scope of its keys ("accounts.signup"). Adds the optional, documented
    `Idempotency-Key` header. The endpoint then runs in one transaction with the record; its
    services' own `atomic` blocks nest in it. Work done before the first query (a password
    hash) stays outside the database transaction: PostgreSQL starts it at the first statement."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def idempotent_view(request, *args, idempotency_key: str | None = None, **kwargs):
            if idempotency_key is None:
                return view(request, *args, **kwargs)
            scope, key = _scope(operation, request), idempotency_key.strip('"')
            fingerprints = _fingerprints(request)
            replay = _replay(request, scope=scope, key=key, fingerprints=fingerprints)
            if replay is not None:
                return replay
            try:
                with transaction.atomic():
                    result = view(request, *args, **kwargs)
                    status, value = (
                        (result.status_code, result.value)
                        if isinstance(result, Status)
                        else (200, result)
                    )
                    IdempotencyRecord.objects.create(
                        scope=scope,
                        key=key,
                        fingerprint=fingerprints[0],
                        status=status,
                        body=pydantic_core.to_jsonable_python(value),
                        created_at=clock.now(),
                    )
            except (IntegrityError, DomainError):
                # A twin with this key committed while this one ran: its record took the key
                # (IntegrityError on ours), or its write took the e-mail, the card's balance, ...
                # (the service's refusal). Ours rolled back; the client gets the twin's answer.
                replay = _replay(request, scope=scope, key=key, fingerprints=fingerprints)
                if replay is None:
                    raise
                return replay
            return result

        contribute_operation_args(
            idempotent_view,
            "idempotency_key",
            str | None,
            Header(
                None,
                alias=HEADER,
                pattern=KEY_PATTERN,
                description="Optional. A unique random key (22-255 characters of "
                "`A-Za-z0-9_.:-`, e.g. a UUID) for this request: a retry with the same key and "
                "body gets the first success again (header `Idempotent-Replayed: true`) and "
                "writes nothing twice. The same key with another body: 422 "
                "`idempotency_key_reused`. Errors are not stored: fix and retry with the same "
                f"key. Kept at least {settings.IDEMPOTENCY_KEY_TTL_HOURS} hours.",
            ),
        )
        return decorate_view(_mark_replay)(idempotent_view)

    return decorate


def idempotency_records_purge() -> int:
    """Delete the records older than `IDEMPOTENCY_KEY_TTL_HOURS` (the `core.idempotency_purge`
    job), in batches so no transaction holds many row locks; returns how many went."""
    cutoff = clock.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    deleted = 0
    while True:
        ids = list(
            IdempotencyRecord.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[
                :PURGE_BATCH
            ]
        )
        if not ids:
            return deleted
        deleted += IdempotencyRecord.objects.filter(pk__in=ids).delete()[0]
