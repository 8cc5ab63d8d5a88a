"""Back-office access changes: who may grant which role, set passwords and mint tokens."""

import pytest
from django.contrib.auth.models import Group

from prakerja.accounts.models import User
from prakerja.core.models import ApiToken, AuditLog
from prakerja.core.roles import Role
from prakerja.core.tests.factories import UserFactory, user_with_role

from .factories import ParticipantFactory

pytestmark = pytest.mark.django_db


def change_url(user) -> str:
    return f"/admin/accounts/user/{user.pk}/change/"


def form_data(user, **overrides) -> dict:
    data = {
        "username": user.username,
        "full_name": user.full_name,
        "email": user.email,
        "phone": user.phone,
        "active": "on" if user.is_active else "",
        "roles": list(user.groups.values_list("name", flat=True)),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v != ""}


def roles_of(user) -> set[str]:
    return set(Group.objects.filter(user=user).values_list("name", flat=True))


@pytest.fixture
def pmo(client):
    user = user_with_role(Role.PMO_ADMIN, username="pmo1")
    client.force_login(user)
    return user


def test_a_pmo_admin_cannot_make_themselves_superuser_or_change_their_own_roles(client, pmo):
    page = client.get(change_url(pmo)).content.decode()
    assert 'name="is_superuser"' not in page
    response = client.post(
        change_url(pmo),
        form_data(pmo, is_superuser="on", roles=[Role.PMO_ADMIN, Role.SUPERVISOR]),
    )
    assert response.status_code == 302
    pmo.refresh_from_db()
    assert pmo.is_superuser is False
    assert roles_of(pmo) == {Role.PMO_ADMIN}
    assert not AuditLog.objects.filter(action="user.access").exists()


def test_a_pmo_admin_grants_contact_center_roles_audited_but_not_pmo_admin(client, pmo):
    agent = user_with_role(Role.AGENT, username="agen1")
    response = client.post(change_url(agent), form_data(agent, roles=[Role.SUPERVISOR]))
    assert response.status_code == 302
    assert roles_of(agent) == {Role.SUPERVISOR}
    entry = AuditLog.objects.get(action="user.access")
    assert (entry.actor, entry.object_id) == (pmo, str(agent.pk))
    assert entry.before == {"roles": ["agent"], "active": True}
    assert entry.after == {"roles": ["supervisor"], "active": True}

    response = client.post(change_url(agent), form_data(agent, roles=[Role.PMO_ADMIN]))
    assert response.status_code == 403
    assert roles_of(agent) == {Role.SUPERVISOR}

    response = client.post(change_url(agent), form_data(agent, active=""))
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.is_active is False
    assert AuditLog.objects.filter(action="user.access").count() == 2


def test_a_pmo_admin_sees_superusers_and_other_pmo_admins_read_only(client, pmo):
    root = UserFactory(username="root", is_superuser=True)
    other = user_with_role(Role.PMO_ADMIN, username="pmo2")
    for target in (root, other):
        page = client.get(change_url(target))
        assert page.status_code == 200
        assert 'name="email"' not in page.content.decode()
        response = client.post(change_url(target), form_data(target, email="evil@example.test"))
        assert response.status_code == 403
        target.refresh_from_db()
        assert target.email != "evil@example.test"


def test_a_superuser_grants_pmo_admin(client):
    root = UserFactory(username="root", is_superuser=True)
    client.force_login(root)
    agent = user_with_role(Role.AGENT, username="agen1")
    response = client.post(change_url(agent), form_data(agent, roles=[Role.PMO_ADMIN]))
    assert response.status_code == 302
    assert roles_of(agent) == {Role.PMO_ADMIN}
    assert AuditLog.objects.get(action="user.access").actor == root


def test_password_setting_is_audited_and_not_for_participants_or_pmo_admins(client, pmo):
    agent = user_with_role(Role.AGENT, username="agen1")
    new = {"password1": "Sandi-baru-2026!", "password2": "Sandi-baru-2026!"}
    response = client.post(f"/admin/accounts/user/{agent.pk}/password/", new)
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.check_password("Sandi-baru-2026!")
    entry = AuditLog.objects.get(action="user.password_set")
    assert (entry.actor, entry.object_id, entry.after) == (pmo, str(agent.pk), None)
    for target in (ParticipantFactory(), user_with_role(Role.PMO_ADMIN, username="pmo2")):
        assert client.get(f"/admin/accounts/user/{target.pk}/password/").status_code == 403
        response = client.post(f"/admin/accounts/user/{target.pk}/password/", new)
        assert response.status_code == 403
        assert not User.objects.get(pk=target.pk).check_password("Sandi-baru-2026!")


def test_tokens_are_minted_only_for_accounts_the_pmo_admin_may_act_for(client, pmo):
    integration = UserFactory(username="pbx")
    for user, allowed in [
        (integration, True),
        (pmo, True),
        (ParticipantFactory(), False),
        (user_with_role(Role.PMO_ADMIN, username="pmo2"), False),
        (UserFactory(username="root", is_superuser=True), False),
    ]:
        response = client.post("/admin/core/apitoken/add/", {"user": user.pk, "name": "t"})
        assert response.status_code == (302 if allowed else 403), user.username
        assert ApiToken.objects.filter(user=user).exists() is allowed
    assert AuditLog.objects.filter(action="api_token.create", actor=pmo).count() == 2


def test_the_services_refuse_actors_outside_the_rules():
    from prakerja.accounts.services import user_access_set, user_password_set
    from prakerja.core.errors import Forbidden
    from prakerja.core.services import api_token_create

    supervisor = user_with_role(Role.SUPERVISOR, username="sup1")
    agent = user_with_role(Role.AGENT, username="agen1")
    with pytest.raises(Forbidden):
        user_access_set(user=agent, actor=supervisor, roles=[Role.SUPERVISOR], is_active=True)
    with pytest.raises(Forbidden):
        user_password_set(user=agent, actor=supervisor, password="x-Sandi-2026!")
    with pytest.raises(Forbidden):
        api_token_create(user=agent, name="t", actor=supervisor)
    assert roles_of(agent) == {Role.AGENT}
    assert not AuditLog.objects.exists()
