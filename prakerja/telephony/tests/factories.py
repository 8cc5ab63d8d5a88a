import itertools

import factory
from django.contrib.auth.models import Permission

from prakerja.core.roles import Role
from prakerja.core.services import api_token_create
from prakerja.core.tests.factories import UserFactory, user_with_role
from prakerja.telephony.models import AgentExtension

_call_ids = itertools.count(1)


def pbx_token(username: str = "pbx") -> str:
    """A token for a PBX integration user holding telephony.add_callevent."""
    user = UserFactory(username=username)
    user.user_permissions.add(Permission.objects.get(codename="add_callevent"))
    _, raw = api_token_create(user=user, name="pbx")
    return raw


def agent(username: str, *, extension: str = ""):
    user = user_with_role(Role.AGENT, username=username)
    if extension:
        AgentExtension.objects.create(agent=user, extension=extension)
    return user


def next_call_id() -> str:
    return f"call-{next(_call_ids)}"


class Pbx:
    """Sends events as the PBX would, through the real API."""

    def __init__(self, client, token: str):
        self.client = client
        self.token = token

    def send(self, **payload):
        return self.client.post(
            "/api/v1/telephony/events",
            payload,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {self.token}",
        )

    def ok(self, **payload) -> dict:
        response = self.send(**payload)
        assert response.status_code == 200, response.content
        return response.json()


__all__ = ["AgentExtension", "Pbx", "agent", "factory", "next_call_id", "pbx_token"]
