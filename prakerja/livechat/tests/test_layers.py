"""The Redis pub/sub channel layer (`prakerja.livechat.layers`): when its subscriber connection
drops and comes back, the sockets it serves are closed with 1012 so the browsers reconnect and
replay what they may have missed, instead of silently missing events."""

import asyncio

import pytest
import redis.asyncio as aioredis
from channels.layers import get_channel_layer
from django.test import override_settings

from prakerja.helpdesk import realtime

from .test_consumers import _guest_starts_chat, participant_socket, run

pytestmark = [
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("seeded"),
]
TIMEOUT = 5


def _layers(redis_url):
    return {
        "default": {
            "BACKEND": "prakerja.livechat.layers.PubSubChannelLayer",
            "CONFIG": {"hosts": [{"address": redis_url, "health_check_interval": 30}]},
        }
    }


async def _kill_subscriber_connection(layer, redis_url) -> None:
    """CLIENT KILL this process's subscriber connection (found by its local port), as a Redis
    restart or a network drop would."""
    connection = layer._get_layer()._shards[0]._pubsub.connection
    host, port = connection._writer.get_extra_info("sockname")[:2]
    admin = aioredis.from_url(redis_url)
    try:
        assert await admin.client_kill_filter(addr=f"{host}:{port}") == 1
    finally:
        await admin.aclose()


def test_a_reconnected_subscription_closes_sockets_with_1012(open_hours, redis_url):
    with override_settings(CHANNEL_LAYERS=_layers(redis_url)):
        guest, chat_id = _guest_starts_chat()

        async def scenario():
            p = participant_socket(guest, chat_id)
            assert (await p.connect())[0]
            assert (await p.receive_json_from(timeout=TIMEOUT))["type"] == "state"
            assert (await p.receive_json_from(timeout=TIMEOUT))["type"] == "history"
            layer = get_channel_layer()
            # events cross Redis
            await layer.group_send(
                realtime.chat_group(chat_id),
                {"type": "chat.typing", "chat": chat_id, "who": "agent", "on": True},
            )
            assert (await p.receive_json_from(timeout=TIMEOUT))["type"] == "typing"

            await _kill_subscriber_connection(layer, redis_url)

            closed = await p.receive_output(timeout=TIMEOUT)
            assert closed == {"type": "websocket.close", "code": 1012}
            await p.wait()

            # the layer is subscribed again: a new socket gets events
            again = participant_socket(guest, chat_id)
            assert (await again.connect())[0]
            await again.receive_json_from(timeout=TIMEOUT)
            await again.receive_json_from(timeout=TIMEOUT)
            await asyncio.sleep(0.1)
            await layer.group_send(
                realtime.chat_group(chat_id),
                {"type": "chat.typing", "chat": chat_id, "who": "agent", "on": False},
            )
            assert (await again.receive_json_from(timeout=TIMEOUT))["type"] == "typing"
            await again.disconnect()

        run(scenario)
