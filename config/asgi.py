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
# many objects the cyclic GC tracks; a full collection walks them all and no socket of the process
# is served meanwhile, which made most of the chat round trip's tail. Every 100 young-generation-1
# collections instead of 10 makes them ten times rarer (docs/adr/0005-rarer-full-gc-in-asgi.md).
gc.set_threshold(700, 10, 100)
