"""Django's database sessions (SESSION_ENGINE), taking only keys of the kind Django makes."""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore


class SessionStore(DatabaseSessionStore):
    """A session cookie with anything but letters and digits is no session, like an unknown key:
    the cookie parser turns a quoted `"\\000..."` into NUL, which PostgreSQL refuses in the
    look-up (a 500 on every page, for anyone)."""

    def _validate_session_key(self, key):
        return super()._validate_session_key(key) and key.isascii() and key.isalnum()
