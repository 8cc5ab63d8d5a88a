import sys

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .errors import DATABASE_UNAVAILABLE, UNAVAILABLE_RETRY_AFTER, ServiceUnavailable, error_body
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
    """Redis itself, not the process-memory fallback of `core.cache.FallbackRedisCache`."""
    ping = getattr(cache, "ping", None)
    if ping is not None:
        ping()
        return "ok"
    cache.set("readyz", "1", timeout=5)
    if cache.get("readyz") != "1":
        raise RuntimeError("cache round trip failed")
    return "ok"


# What the site can serve without: the cache falls back to process memory, so a lost Redis makes
# the site "degraded" (answers 200, so the load balancer keeps every server) rather than not ready.
OPTIONAL_CHECKS = frozenset({"redis"})


@require_GET
@never_cache
def readyz(request):
    """Ready to serve: the database answers (503 otherwise). Redis, when configured, is checked
    too; without it the site still serves, so the status is "degraded" with 200."""
    checks = {"database": _check_database}
    if settings.REDIS_URL:
        checks["redis"] = _check_redis
    results, failed = {}, []
    for name, check in checks.items():
        try:
            results[name] = check()
        except Exception as exc:  # any failure is reported, by kind
            results[name] = f"error: {exc.__class__.__name__}"
            failed.append(name)
    degraded = sorted(OPTIONAL_CHECKS.intersection(failed))
    status = "not_ready" if set(failed) - OPTIONAL_CHECKS else "degraded" if degraded else "ready"
    body = {"status": status, "checks": results}
    if degraded:
        body["degraded"] = degraded
    return JsonResponse(body, status=503 if status == "not_ready" else 200)


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
    """Any unhandled error; the API's come back in its error shape too. A database out of
    reach is a 503 the client may retry."""
    if isinstance(sys.exception(), DATABASE_UNAVAILABLE):
        return service_unavailable(request)
    if wants_json(request):
        return _api_error(500, "server_error", _("Something went wrong on our side"))
    return HttpResponse(_standalone_page("core/500.html"), status=500)


def service_unavailable(request):
    """503 + Retry-After while the database is out of reach. The page is rendered without the
    request's context processors (banners, the user) so it needs no database itself."""
    exc = ServiceUnavailable()
    if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
        response = JsonResponse(error_body(code=exc.code, message=exc.message), status=503)
    else:
        page = _standalone_page("core/503.html", message=exc.message)
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(UNAVAILABLE_RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


def _standalone_page(template: str, **context) -> str:
    """An error page rendered without the request's context processors (banners, the user, the
    switches), so it needs neither the database nor the cache, either of which may have failed."""
    return render_to_string(
        template,
        {
            "PROGRAM_NAME": settings.PROGRAM_NAME,
            "HOTLINE": settings.CONTACT_CENTER_HOTLINE,
            **context,
        },
    )


@require_GET
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links; send them to the static file (its
    hashed, long-cached name in production)."""
    response = HttpResponseRedirect(static("core/favicon.ico"))
    response["Cache-Control"] = "public, max-age=86400"
    return response
