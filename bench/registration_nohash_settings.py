"""Settings for bench/registration.py's direct measure of everything but the hash: the same
settings as the sign-up runs, with a trivial hasher, so the server's CPU per sign-up is the part
of a sign-up that is not the password hash."""

from config.settings.local import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
