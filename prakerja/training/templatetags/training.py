"""Template filters of the training pages."""

from django import template

register = template.Library()


@register.filter
def rupiah(value) -> str:
    """Whole rupiah as the program writes them in either language: `Rp 1.000.000`, with a
    no-break space so the amount never wraps away from its currency."""
    try:
        amount = int(value)
    except (TypeError, ValueError):
        return ""
    return "Rp\u00a0" + f"{amount:,}".replace(",", ".")


@register.filter
def card_number(value: str) -> str:
    """A 16-digit card number in groups of four, as printed on a card."""
    value = str(value or "")
    return " ".join(value[i : i + 4] for i in range(0, len(value), 4))
