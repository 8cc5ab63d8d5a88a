"""Mobile numbers, always stored as E.164 (`+62812...`) so every channel matches the same person.

Shared contract: telephony and the helpdesk match callers with `normalize_phone`.
"""

import re

import phonenumbers

DEFAULT_REGION = "ID"
_SEPARATORS = re.compile(r"[\s\-().]")


def normalize_phone(raw: str, *, region: str = DEFAULT_REGION) -> str:
    """E.164 form of a phone number: `0812-3456-7890`, `+62 812 3456 7890`, `6281234567890`
    all give `+6281234567890`. Raises `ValueError` when the input is not a valid number."""
    if raw is None:
        raise ValueError("empty phone number")
    text = _SEPARATORS.sub("", str(raw).strip())
    if not text:
        raise ValueError("empty phone number")
    if text.startswith("00"):
        text = "+" + text[2:]
    # "62812..." without a plus is how many people (and PBXs) write Indonesian numbers.
    if text.startswith("62") and not text.startswith("+") and len(text) >= 10:
        text = "+" + text
    if not re.fullmatch(r"\+?\d{6,16}", text):
        raise ValueError(f"not a phone number: {raw!r}")
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"not a phone number: {raw!r}") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise ValueError(f"not a valid phone number: {raw!r}")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def is_mobile(e164: str) -> bool:
    """True for numbers that can receive SMS (mobile, or fixed-or-mobile where ambiguous)."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(parsed) in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


def mask_phone(e164: str) -> str:
    """`+6281234567890` -> `+62812*****890` for screens that need only a hint."""
    if len(e164) < 8:
        return "*" * len(e164)
    return e164[:6] + "*" * (len(e164) - 9) + e164[-3:]
