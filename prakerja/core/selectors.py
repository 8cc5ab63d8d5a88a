from datetime import timedelta

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
