"""Ticket references: `XXXX-XXXX`, random, from an alphabet without look-alikes, so a person can
read one out on the phone; what they type or say is normalised back to the stored form."""

import secrets

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B, U/V: safe to read out on the phone and to type back.
REFERENCE_ALPHABET = "ACDEFGHJKMNPQRTWXY34679"
REFERENCE_LENGTH = 8  # 23**8 ≈ 7.8e10 values: not guessable, collisions rare (and retried)


def generate_reference() -> str:
    """`XXXX-XXXX` from an unambiguous alphabet, random (not sequential)."""
    raw = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def normalize_reference(value: str) -> str:
    """What a person typed or read out -> the stored form (case, spaces and dashes forgiven)."""
    raw = "".join(ch for ch in (value or "").upper() if ch.isalnum())
    return f"{raw[:4]}-{raw[4:]}" if len(raw) == REFERENCE_LENGTH else raw
