"""Settings and URLs for bench/telephony.py's servers: the production settings plus two bare
baseline views, served by the same gunicorn/uvicorn as the real API.

- POST /bench/insert/: one INSERT per POST, nothing else (the events/s baseline).
- POST /bench/push/<user_id>/: a `screen.pop` straight to the agent's group, no database (the
  screen-pop delay baseline).
"""

import json

from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.telephony_server"


def __getattr__(name):
    # The URLconf is this module too; built on first use, after settings are loaded.
    if name != "urlpatterns":
        raise AttributeError(name)
    from django.db import connection
    from django.http import JsonResponse
    from django.urls import path
    from django.views.decorators.csrf import csrf_exempt

    from config.urls import urlpatterns as project_urls
    from prakerja.helpdesk.realtime import agent_group, group_send

    @csrf_exempt
    def insert(request):
        body = json.loads(request.body)
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO bench_event (call_id, body) VALUES (%s, %s)",
                [body.get("call_id", ""), request.body.decode()],
            )
        return JsonResponse({"ok": True})

    @csrf_exempt
    def push(request, user_id: int):
        body = json.loads(request.body)
        group_send(agent_group(user_id), {"type": "screen.pop", "call_id": body["call_id"]})
        return JsonResponse({"ok": True})

    patterns = [
        path("bench/insert/", insert),
        path("bench/push/<int:user_id>/", push),
        *project_urls,
    ]
    globals()["urlpatterns"] = patterns
    return patterns
