"""Demo data for the phone channel (idempotent): agents' extensions, a PBX integration user,
and yesterday's simulated hotline traffic (calls, phone tickets, callbacks)."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction

from prakerja.core import clock
from prakerja.core.demo import demo_user
from prakerja.core.roles import Role

from .management.commands.simulate_calls import _in_process_sender, replay
from .models import AgentExtension, Call
from .simulation import generate_day

DEMO_AGENTS = [("agent1", "Ani Agen"), ("agent2", "Budi Agen")]
DEMO_CALLS = 24


@transaction.atomic
def seed(*, stdout) -> None:
    # The helpdesk's demo agents (seeded earlier) get extensions; our own only if there are none.
    agents = list(
        get_user_model()
        .objects.filter(groups__name=Role.AGENT, is_active=True)
        .order_by("username")[:3]
    ) or [demo_user(username=u, full_name=n, role=Role.AGENT) for u, n in DEMO_AGENTS]
    for number, user in enumerate(agents, start=201):
        if not AgentExtension.objects.filter(agent=user).exists():
            AgentExtension.objects.get_or_create(extension=str(number), defaults={"agent": user})
    pbx, _ = get_user_model().objects.get_or_create(
        username="pbx", defaults={"email": "pbx@demo.prakerja.local", "full_name": "PBX"}
    )
    pbx.user_permissions.add(Permission.objects.get(codename="add_callevent"))
    if not Call.objects.filter(call_id__startswith="demo-").exists():
        yesterday = clock.local_now().date() - dt.timedelta(days=1)
        extensions = list(AgentExtension.objects.values_list("extension", flat=True))
        events = generate_day(
            calls=DEMO_CALLS, day=yesterday, agents=extensions, seed=7, id_prefix="demo"
        )
        replay(events, send=_in_process_sender("pbx"))
    stdout.write(
        "telephony: extensions "
        + ", ".join(
            f"{e.extension}={e.agent.username}"
            for e in AgentExtension.objects.select_related("agent")
        )
        + "; phone desk /agent/phone/; PBX token: manage.py create_api_token --user pbx --name pbx; "
        "traffic: manage.py simulate_calls --token <token> --speed 600"
    )
