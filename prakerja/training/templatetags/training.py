"""Template filters of the training pages."""

from django import template

register = template.Library()


@register.filter
def card_number(value: str) -> str:
    """A 16-digit card number in groups of four, as printed on a card."""
    value = str(value or "")
    return " ".join(value[i : i + 4] for i in range(0, len(value), 4))
