from prakerja.helpdesk.tests.factories import (
    UserFactory,
    agent,
    on_shift_agent,
    participant,
    supervisor,
)
from prakerja.livechat import services


def queued_chat(
    *, requester=None, name="Sari Guest", email="sari@example.test", question="Saldo belum masuk"
):
    return services.chat_start(requester=requester, name=name, email=email, question=question)


__all__ = ["UserFactory", "agent", "on_shift_agent", "participant", "queued_chat", "supervisor"]
