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

# Move the start-up heap (Django, URL conf, templates, ~30 ms of every full collection with the
# chat load) out of the cyclic GC's reach. Full collections still walk every open websocket's
# objects: ~200 ms per process at 1,300 sockets, the main cause of the remaining p99 round-trip
# tail (docs/PERFORMANCE.md, live chat).
gc.freeze()
