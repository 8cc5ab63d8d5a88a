"""ASGI entry point: websockets in production (uvicorn); everything under `make run`."""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from config.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)

# Fewer full collections. The ASGI processes hold thousands of long-lived websockets, each with
# on the order of a thousand objects the cyclic GC tracks; a full collection walks them all and no
# socket of the process is served meanwhile (~200 ms at 1,300 sockets per process in
# bench/chat.py, the main cause of the p99 round-trip tail). CPython considers one every 10
# young-generation-1 collections (then only if the old generation grew by 25%); under chat load
# that was every few seconds. Every 100 makes it ten times rarer; cyclic garbage of ended
# connections waits longer for it (memory per socket is measured by the bench).
gc.set_threshold(700, 10, 100)
