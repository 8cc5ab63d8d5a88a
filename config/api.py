"""The API under /api/v1: one NinjaAPI, one router per domain app, one error shape."""

from importlib import import_module

from django.conf import settings
from ninja import NinjaAPI

from prakerja.core.api import JsonOnlyParser, install_error_handlers

api = NinjaAPI(
    title=f"{settings.PROGRAM_NAME} API",
    version="1",
    description="Participants, program windows and the contact center. Errors always have the "
    'shape {"code", "message", "errors"}. Browser clients use the session (with CSRF); '
    "integrations send `Authorization: Bearer <token>`. JSON bodies need "
    "`Content-Type: application/json` (415 `unsupported_media_type` otherwise).",
    urls_namespace="api",
    docs_url="/docs",
    parser=JsonOnlyParser(),
)
install_error_handlers(api)

for app in settings.DOMAIN_APPS:
    api.add_router("", import_module(f"{app}.api").router)
