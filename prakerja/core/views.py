from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .errors import error_body
from .middleware import wants_json


def home(request):
    return render(request, "core/home.html")


@require_GET
@never_cache
def healthz(request):
    """The process is alive; checks nothing else."""
    return JsonResponse({"status": "ok"})


def _check_database() -> str:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_redis() -> str:
    cache.set("readyz", "1", timeout=5)
    if cache.get("readyz") != "1":
        raise RuntimeError("cache round trip failed")
    return "ok"


@require_GET
@never_cache
def readyz(request):
    """Ready to serve: the database answers, and Redis when it is configured. 503 otherwise."""
    checks = {"database": _check_database}
    if settings.REDIS_URL:
        checks["redis"] = _check_redis
    results, ready = {}, True
    for name, check in checks.items():
        try:
            results[name] = check()
        except Exception as exc:  # any failure means not ready; the reason is reported
            results[name] = f"error: {exc.__class__.__name__}"
            ready = False
    return JsonResponse(
        {"status": "ready" if ready else "not_ready", "checks": results},
        status=200 if ready else 503,
    )


def _api_error(status: int, code: str, message) -> JsonResponse:
    return JsonResponse(error_body(code=code, message=message), status=status)


def bad_request(request, exception=None):
    if wants_json(request):
        return _api_error(400, "bad_request", _("The request could not be read."))
    return defaults.bad_request(request, exception)


def permission_denied(request, exception=None):
    if wants_json(request):
        return _api_error(403, "forbidden", _("You do not have access to this."))
    return render(request, "core/error.html", {"status": 403}, status=403)


def page_not_found(request, exception=None):
    if wants_json(request):
        return _api_error(404, "not_found", _("Not found."))
    return render(request, "core/error.html", {"status": 404}, status=404)


def server_error(request):
    """Any unhandled error; the API's come back in its error shape too."""
    if wants_json(request):
        return _api_error(500, "server_error", _("Something went wrong on our side"))
    return render(request, "core/error.html", {"status": 500}, status=500)
