"""The Redis channel layer: channels_redis's pub/sub layer, plus a resync signal after a reconnect.

Why pub/sub and not channels_redis's default (`RedisChannelLayer`, one sorted set per channel and
a blocking `BZPOPMIN` loop per process): live chat stores every message before it is acknowledged
and replays the thread on reconnect, so the layer need not persist events; pub/sub delivers each
event with one PUBLISH and a push to the subscribed process, with no per-process receive loop that
serializes every delivery behind several Redis round trips. (The default layer also raced its own
5 s `BZPOPMIN` against redis-py 8's default 5 s socket timeout, killing consumers under load with
`TimeoutError: Timeout reading from ...`; see docs/adr/0003-pubsub-channel-layer.md.)

What pub/sub gives up: an event published while a process's subscriber connection is down is
not delivered to it. redis-py reconnects and re-subscribes on its own; this layer then puts a
`layer.reconnected` event into every local consumer's queue, and the consumers close their
sockets with code 1012 (service restart), so the browsers reconnect and replay the history they
missed (`?after=<last id>`). Nothing is lost silently.

Built on channels_redis 4.3's `RedisPubSubLoopLayer` / `RedisSingleShardConnection` (pinned in
requirements.lock); only the subscriber connection is swapped for one that reports reconnects.
"""

from __future__ import annotations

import asyncio
import logging

from channels_redis.pubsub import (
    RedisPubSubChannelLayer,
    RedisPubSubLoopLayer,
    RedisSingleShardConnection,
)
from channels_redis.utils import _wrap_close
from redis.asyncio.client import PubSub

logger = logging.getLogger(__name__)

RECONNECTED_EVENT = {"type": "layer.reconnected"}


class _ReportingPubSub(PubSub):
    """A PubSub that calls `on_resubscribed()` after a reconnect re-subscribed its channels."""

    def __init__(self, *args, on_resubscribed, **kwargs):
        super().__init__(*args, **kwargs)
        self._on_resubscribed = on_resubscribed

    async def on_connect(self, connection):
        # Called on every connect; with channels already known it is a reconnect (the first
        # connect happens before the first SUBSCRIBE records any channel).
        reconnect = self.subscribed
        await super().on_connect(connection)
        if reconnect:
            self._on_resubscribed()


class _Shard(RedisSingleShardConnection):
    def _ensure_redis(self):
        if self._redis is None:
            super()._ensure_redis()
            self._pubsub = _ReportingPubSub(
                self._redis.connection_pool, on_resubscribed=self._resync_local_consumers
            )

    def _resync_local_consumers(self) -> None:
        layer = self.channel_layer  # the per-loop layer
        logger.warning("livechat.layer_reconnected", extra={"local_channels": len(layer.channels)})
        payload = layer.channel_layer.serialize(RECONNECTED_EVENT)
        for queue in list(layer.channels.values()):
            queue.put_nowait(payload)


class _LoopLayer(RedisPubSubLoopLayer):
    def __init__(self, *args, hosts=None, **kwargs):
        super().__init__(*args, hosts=hosts, **kwargs)
        self._shards = [_Shard(shard.host, self) for shard in self._shards]


class PubSubChannelLayer(RedisPubSubChannelLayer):
    """`channels_redis.pubsub.RedisPubSubChannelLayer` whose consumers hear about reconnects."""

    def _get_layer(self):
        loop = asyncio.get_running_loop()
        try:
            return self._layers[loop]
        except KeyError:
            layer = _LoopLayer(*self._args, **self._kwargs, channel_layer=self)
            self._layers[loop] = layer
            _wrap_close(self, loop)
            return layer
