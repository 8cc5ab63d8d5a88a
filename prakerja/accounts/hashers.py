"""Argon2id at OWASP's minimum recommended cost (see docs/adr/0011-argon2id-owasp-minimum.md).

OWASP Password Storage Cheat Sheet: Argon2id with m=19 MiB, t=2, p=1 as the minimum configuration.
Django's defaults (m=100 MiB, t=2, p=8) cost ~5x more CPU per hash, which caps how many sign-ups
a core can take at a wave opening. Same `argon2` algorithm name as Django's hasher, so hashes made
with other parameters still verify and are upgraded on the next log-in (`must_update`).
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class ProgramArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
