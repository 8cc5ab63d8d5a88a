import json
import logging
import re
import time
import uuid

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

from .errors import RateLimited, error_body
from .logging import request_id_var
from .text import (
    control_character_errors,
    fields_with_control_characters,
    has_control_characters,
    querydict_fields_with_control_characters,
)

logger = logging.getLogger("prakerja.request")
_REQUEST_ID_OK = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Gives every request an id (kept from X-Request-ID when well-formed), returns it in the
    response and writes one structured log line per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.id = incoming if _REQUEST_ID_OK.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request.id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request.id
            user = getattr(request, "user", None)
            logger.info(
                "request",
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "user_id": user.pk if user is not None and user.is_authenticated else None,
                },
            )
            return response
        finally:
            request_id_var.reset(token)


class SecurityHeadersMiddleware:
    """Headers Django's SecurityMiddleware does not set: CSP and Permissions-Policy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response


class LocaleMiddleware:
    """Bahasa Indonesia unless the visitor chose English with the switcher (a cookie).

    Unlike Django's LocaleMiddleware it ignores Accept-Language: a national program's site speaks
    Indonesian first, whatever the phone's system language is.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch = response.get("Vary", "")
        if "Cookie" not in patch:
            response["Vary"] = f"{patch}, Cookie" if patch else "Cookie"
        return response


class RateLimitedMiddleware:
    """Turns `RateLimited` raised in a page view into a 429 with Retry-After."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, RateLimited):
            return None
        if wants_json(request):
            response = JsonResponse(
                error_body(code=exception.code, message=exception.message), status=429
            )
        else:
            response = render(
                request,
                "core/429.html",
                {"retry_after": exception.retry_after, "message": exception.message},
                status=429,
            )
        response["Retry-After"] = str(exception.retry_after)
        return response


def wants_json(request) -> bool:
    """API paths and clients that ask for JSON get errors in the API's shape, not a page."""
    return request.path.startswith("/api/") or "application/json" in request.headers.get(
        "Accept", ""
    )


class ControlCharactersMiddleware:
    """422 `validation_error` for a request whose path, query, form fields (names and values) or
    JSON body hold control characters (core.text), before any view runs: one check for pages,
    forms and the API. A JSON body that does not parse is left to the view to refuse."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        fields = self.fields(request)
        if not fields:
            return self.get_response(request)
        errors = control_character_errors(fields)
        if wants_json(request):
            body = error_body(
                code="validation_error", message=_("Some fields are not valid."), errors=errors
            )
            return JsonResponse(body, status=422)
        return render(request, "core/error.html", {"status": 422}, status=422)

    @staticmethod
    def fields(request) -> list[str]:
        found = ["__path__"] if has_control_characters(request.path) else []
        found += querydict_fields_with_control_characters(request.GET)
        if request.content_type == "application/json":
            try:
                data = json.loads(request.body)
            except ValueError:
                return found
            found += fields_with_control_characters(data)
        elif request.method == "POST" and not (
            request.content_type == "multipart/form-data" and request.path.startswith("/api/")
        ):
            # API uploads are left alone: parsing their stream here would leave ninja no body to
            # read; their form fields pass core.api.JsonOnlyParser. File names need no check,
            # Django keeps only their printable characters.
            found += querydict_fields_with_control_characters(request.POST)
        return found
