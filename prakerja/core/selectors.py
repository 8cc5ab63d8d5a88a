from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from .models import ApiToken, AuditLog
from .services import hash_token


def api_token_user(*, raw: str):
    """The active user a bearer token acts for, or None. Marks the token used at most once a minute."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def audit_entries(*, object_type: str = "", object_id: str = "", action: str = "", limit: int = 50):
    entries = AuditLog.objects.all()
    if object_type:
        entries = entries.filter(object_type=object_type)
    if object_id:
        entries = entries.filter(object_id=object_id)
    if action:
        entries = entries.filter(action=action)
    return list(entries.order_by("-at", "-id")[:limit])


def audit_feed(*, prefixes: list[str], before_id: int | None = None, limit: int = 50) -> list:
    """The newest entries whose action starts with one of `prefixes`, newest first; with
    `before_id`, the page after that entry."""
    if not prefixes:
        return []
    query = Q()
    for prefix in prefixes:
        query |= Q(action__startswith=prefix)
    entries = AuditLog.objects.filter(query)
    if before_id is not None:
        entries = entries.filter(id__lt=before_id)
    return list(entries.order_by("-id")[:limit])


def audit_changed_fields(entry: AuditLog) -> list[str]:
    """The keys an entry's `after` differs on from its `before` (all of `after` for a creation)."""
    before, after = entry.before or {}, entry.after or {}
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    return sorted(key for key in after if key not in before or before[key] != after[key])
