import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory

from prakerja.core.roles import Role, role_required

from .factories import UserFactory, user_with_role

pytestmark = pytest.mark.django_db


@role_required(Role.AGENT, Role.SUPERVISOR)
def workspace_view(request):
    return HttpResponse("ok")


def _call(user):
    request = RequestFactory().get("/workspace/")
    request.user = user
    return workspace_view(request)


def test_roles_exist_as_groups_from_the_migration():
    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in Role}
    assert (
        Group.objects.get(name=Role.PMO_ADMIN).permissions.filter(codename="view_auditlog").exists()
    )


def test_role_required_allows_the_role():
    assert _call(user_with_role(Role.AGENT)).status_code == 200


def test_role_required_denies_other_roles():
    with pytest.raises(PermissionDenied):
        _call(user_with_role(Role.PARTICIPANT))


def test_role_required_sends_anonymous_to_login():
    from django.contrib.auth.models import AnonymousUser

    response = _call(AnonymousUser())
    assert response.status_code == 302
    assert "/masuk/" in response["Location"]


def test_inactive_user_has_no_role():
    user = user_with_role(Role.AGENT)
    user.is_active = False
    with pytest.raises(PermissionDenied):
        _call(user)


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.PARTICIPANT, False),
        (Role.AGENT, False),
        (Role.SUPERVISOR, True),
        (Role.PMO_ADMIN, True),
    ],
)
def test_back_office_is_for_staff_roles(client, role, allowed):
    client.force_login(user_with_role(role))
    response = client.get("/admin/")
    assert (response.status_code == 200) is allowed
    if not allowed:
        assert response.status_code == 302


def test_back_office_login_refuses_a_participant(client):
    UserFactory(username="pat", roles=[Role.PARTICIPANT])
    response = client.post("/admin/login/", {"username": "pat", "password": "secret-pass-123"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
