import pytest
from django.db import transaction

from prakerja.core.models import AuditLog
from prakerja.core.services import audit_record

from .factories import UserFactory

pytestmark = pytest.mark.django_db


def test_audit_record_keeps_actor_object_and_change():
    actor = UserFactory(username="pmo1")
    target = UserFactory(username="someone")
    entry = audit_record(
        actor=actor, action="user.update", obj=target, before={"a": 1}, after={"a": 2}
    )
    entry.refresh_from_db()
    assert entry.actor == actor
    assert entry.actor_label == "pmo1"
    assert entry.object_type == "accounts.user"
    assert entry.object_id == str(target.pk)
    assert (entry.before, entry.after) == ({"a": 1}, {"a": 2})


def _failing_action():
    with transaction.atomic():
        audit_record(actor=None, action="thing.update", object_type="x", object_id="1")
        raise RuntimeError


def test_audit_entry_is_rolled_back_with_the_action():
    with pytest.raises(RuntimeError):
        _failing_action()
    assert not AuditLog.objects.exists()


def test_audit_entry_carries_the_request_id(client):
    from prakerja.core.logging import request_id_var

    token = request_id_var.set("req-12345678")
    try:
        entry = audit_record(actor=None, action="thing.update", object_type="x", object_id="1")
    finally:
        request_id_var.reset(token)
    assert entry.request_id == "req-12345678"
    assert entry.actor_label == "system"


def test_admin_shows_audit_log_read_only(client):
    from prakerja.core.roles import Role

    from .factories import user_with_role

    audit_record(actor=None, action="thing.update", object_type="x", object_id="1")
    client.force_login(user_with_role(Role.PMO_ADMIN))
    assert client.get("/admin/core/auditlog/").status_code == 200
    entry = AuditLog.objects.get()
    assert client.get(f"/admin/core/auditlog/{entry.pk}/delete/").status_code == 403
    assert client.get("/admin/core/auditlog/add/").status_code == 403
