from django import template

from prakerja.core.logging import mask_nik
from prakerja.core.roles import CONTACT_CENTER_ROLES, has_role

register = template.Library()


@register.filter(name="mask_nik")
def mask_nik_filter(value) -> str:
    """Agent views never show a full 16-digit NIK/KK, wherever the requester typed it."""
    return mask_nik(str(value or ""))


@register.filter
def is_contact_center(user) -> bool:
    return has_role(user, *CONTACT_CENTER_ROLES)
