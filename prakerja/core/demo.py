"""Demo staff accounts, one per role (idempotent)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from .roles import Role

DEMO_PASSWORD = "prakerja-demo"  # noqa: S105 - printed for the demo log-ins on purpose
DEMO_STAFF = [
    ("pmo", "PMO Admin", Role.PMO_ADMIN),
    ("supervisor", "Supervisor Demo", Role.SUPERVISOR),
]


def demo_user(*, username: str, full_name: str, role: str, email: str | None = None):
    """Get or create a demo user with the demo password and one role."""
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"email": email or f"{username}@demo.prakerja.local", "full_name": full_name},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    user.groups.add(Group.objects.get(name=role))
    return user


@transaction.atomic
def seed(*, stdout) -> None:
    for username, full_name, role in DEMO_STAFF:
        demo_user(username=username, full_name=full_name, role=role)
    stdout.write(
        f"core: demo staff {', '.join(u for u, _, _ in DEMO_STAFF)} (password {DEMO_PASSWORD})"
    )
