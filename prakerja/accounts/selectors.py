"""Reads about accounts and participants."""

from django.contrib.auth import get_user_model

from prakerja.core.errors import NotFound
from prakerja.core.roles import Role, has_role

from .models import Identity


def user_by_phone(*, phone: str):
    """The most recent active user with this E.164 number, or None."""
    return (
        get_user_model()
        .objects.filter(phone=phone, is_active=True)
        .order_by("-date_joined")
        .first()
    )


def identity_get_for_actor(*, pk: int, actor):
    """An identity its owner or a PMO admin may see; NotFound for anyone else (no hint it
    exists)."""
    identity = Identity.objects.filter(pk=pk).first()
    if identity is None or not (identity.user_id == actor.pk or has_role(actor, Role.PMO_ADMIN)):
        raise NotFound()
    return identity


def identity_of(*, user) -> Identity | None:
    """The user's own identity record, if they have filled it in."""
    return Identity.objects.filter(user=user).first()
