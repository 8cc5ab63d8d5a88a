"""Database sessions that cost one write for a new session (SESSION_ENGINE).

Django's database store spends four statements and two transactions on a log-in: `login()` cycles
the key, which looks the new key up, inserts an empty row at once, and the session middleware then
updates that row with the data at the end of the request. Here a new session only gets its key
when it is created; the middleware's save at the end of the request inserts the row with its data,
in one statement (the primary key settles the astronomically unlikely duplicate key: a new key is
drawn and the insert repeated). Writes outside a transaction are single statements, without the
BEGIN/COMMIT pair Django wraps them in.

Everything else is Django's store: rows in `django_session`, so log-out and a password change
revoke sessions on the server (docs/adr/0022-sqlite-for-development-and-tests.md). The async
methods are Django's.
"""

from django.contrib.sessions.backends.base import VALID_KEY_CHARS, CreateError, UpdateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import DatabaseError, IntegrityError, connections, router, transaction
from django.utils.crypto import get_random_string


class SessionStore(DatabaseSessionStore):
    _insert_pending = False

    def _get_new_session_key(self):
        # 190 bits of randomness: no look-up; the insert's primary key is the check.
        return get_random_string(32, VALID_KEY_CHARS)

    def create(self):
        """A new key, inserted by the next `save()` (the session middleware's)."""
        self._session_key = self._get_new_session_key()
        self._insert_pending = True
        self._get_session(no_load=True)  # the key is not stored yet: nothing to load
        self.modified = True

    def save(self, must_create=False):
        if self.session_key is None:
            self.create()
        if not (must_create or self._insert_pending):
            self._write(insert=False)
            return
        for _attempt in range(10):
            try:
                self._write(insert=True)
            except CreateError:
                if must_create and not self._insert_pending:
                    raise  # a caller-chosen key (Django's contract for must_create)
                self._session_key = self._get_new_session_key()
                continue
            self._insert_pending = False
            return
        raise CreateError("no free session key after 10 attempts")

    def delete(self, session_key=None):
        if session_key is None and self._insert_pending:
            self._insert_pending = False
            return  # never written
        super().delete(session_key)

    def _write(self, *, insert: bool) -> None:
        obj = self.create_model_instance(self._get_session(no_load=insert))
        using = router.db_for_write(self.model, instance=obj)
        try:
            if connections[using].in_atomic_block:
                # Inside the caller's transaction: a savepoint, so a failed insert does not
                # break it.
                with transaction.atomic(using=using):
                    obj.save(force_insert=insert, force_update=not insert, using=using)
            else:
                obj.save(force_insert=insert, force_update=not insert, using=using)
        except IntegrityError as exc:
            if insert:
                raise CreateError from exc
            raise
        except DatabaseError as exc:
            if not insert:
                raise UpdateError from exc
            raise
