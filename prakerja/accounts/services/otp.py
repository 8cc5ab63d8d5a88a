"""Six-digit SMS codes: HMAC-hashed at rest, expiring, three wrong tries then a wait, resends
throttled. Used to confirm the mobile number and to confirm account linking."""

import datetime as dt
import hashlib
import hmac
import logging
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from prakerja.core import clock
from prakerja.core.errors import RateLimited, ValidationFailed

from ..models import OneTimeCode
from ..sms import SmsSendFailed, get_sms_gateway

logger = logging.getLogger("prakerja.accounts")

CODE_TTL = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 3
LOCK_FOR = dt.timedelta(minutes=15)
RESEND_AFTER = dt.timedelta(seconds=60)
MAX_SENDS_PER_HOUR = 5


def _hash(code: str, *, user_id: int, purpose: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{user_id}:{purpose}:{code}".encode(), hashlib.sha256).hexdigest()


def _latest(user, purpose: str, *, lock: bool = False) -> OneTimeCode | None:
    qs = OneTimeCode.objects.filter(user=user, purpose=purpose)
    if lock:
        qs = qs.select_for_update()
    return qs.order_by("-created_at", "-id").first()


def _seconds_until(moment: dt.datetime, now: dt.datetime) -> int:
    return max(1, int((moment - now).total_seconds() + 0.999))


@transaction.atomic
def otp_send(*, user, purpose: str, phone: str, text: str, first: bool = False) -> OneTimeCode:
    """Issue a new code for (user, purpose), replacing any earlier one, and SMS it on commit.
    `text` has a `{code}` placeholder. Raises RateLimited (with Retry-After seconds) within a minute
    of the last send, after five sends in an hour, or while the codes are locked after wrong tries.
    `first=True` (a brand-new account's first code, sent by the task that follows sign-up) skips
    the throttle look-ups: there is nothing to throttle yet, and a wave opening sends many."""
    now = clock.now()
    latest = None
    if not first:
        # Lock the user row: two concurrent "resend" clicks must not both pass the throttle.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        latest = _latest(user, purpose)
    if latest is not None:
        if latest.locked_until and latest.locked_until > now:
            raise RateLimited(
                retry_after=_seconds_until(latest.locked_until, now),
                message=_("Too many wrong codes. Please wait before asking for a new one."),
            )
        if latest.created_at + RESEND_AFTER > now:
            raise RateLimited(
                retry_after=_seconds_until(latest.created_at + RESEND_AFTER, now),
                message=_("A code was just sent. Please wait before asking for another."),
            )
    recent = OneTimeCode.objects.filter(
        user=user, purpose=purpose, created_at__gt=now - dt.timedelta(hours=1)
    ).order_by("created_at")
    if not first and recent.count() >= MAX_SENDS_PER_HOUR:
        oldest = recent.first()
        raise RateLimited(
            retry_after=_seconds_until(oldest.created_at + dt.timedelta(hours=1), now),
            message=_("Too many codes requested. Please try again later."),
        )
    code = f"{secrets.randbelow(1_000_000):06d}"
    otp = OneTimeCode.objects.create(
        user=user,
        purpose=purpose,
        phone=phone,
        code_hash=_hash(code, user_id=user.pk, purpose=purpose),
        created_at=now,
        expires_at=now + CODE_TTL,
    )
    message = text.format(code=code)

    def send():
        try:
            get_sms_gateway().send(to=phone, text=message, secret=code)
        except SmsSendFailed:
            # Recorded in the outbox as failed; the participant can ask for a new code.
            logger.warning("otp sms not sent", extra={"user_id": user.pk, "purpose": purpose})

    transaction.on_commit(send)
    return otp


def otp_verify(*, user, purpose: str, code: str) -> OneTimeCode:
    """Check a code. Returns the used code row. Raises ValidationFailed (`otp_invalid`,
    `otp_expired`, `otp_missing`) with tries left, and RateLimited once three wrong tries lock it.
    A wrong try is committed even though the call fails (its own transaction)."""
    now = clock.now()
    code = (code or "").strip()
    with transaction.atomic():
        otp = _latest(user, purpose, lock=True)
        if otp is None or otp.used_at is not None:
            raise ValidationFailed(
                _("Ask for a new code first."), code="otp_missing", errors={"code": [_("No code.")]}
            )
        if otp.locked_until and otp.locked_until > now:
            raise RateLimited(
                retry_after=_seconds_until(otp.locked_until, now),
                message=_("Too many wrong codes. Please wait before trying again."),
            )
        if otp.expires_at <= now:
            raise ValidationFailed(
                _("The code has expired. Ask for a new one."),
                code="otp_expired",
                errors={"code": [_("The code has expired.")]},
            )
        expected = otp.code_hash
        given = _hash(code, user_id=user.pk, purpose=purpose)
        if hmac.compare_digest(expected, given) and len(code) == 6:
            otp.used_at = now
            otp.save(update_fields=["used_at"])
            return otp
        otp.attempts += 1
        locked = otp.attempts >= MAX_ATTEMPTS
        if locked:
            otp.locked_until = now + LOCK_FOR
        otp.save(update_fields=["attempts", "locked_until"])
    if locked:
        raise RateLimited(
            retry_after=int(LOCK_FOR.total_seconds()),
            message=_("Too many wrong codes. Please wait before trying again."),
        )
    left = MAX_ATTEMPTS - otp.attempts
    raise ValidationFailed(
        _("The code is not correct."),
        code="otp_invalid",
        errors={"code": [_("Wrong code; %(left)d tries left.") % {"left": left}]},
    )
