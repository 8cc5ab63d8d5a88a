import datetime as dt

from django.http import JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve

from prakerja.core import clock
from prakerja.core.errors import PreviewReadOnly, error_body
from prakerja.core.roles import Role, has_role

SESSION_KEY = "programs_preview_at"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# Views that end the preview (leave it, log out) or store nothing (the language cookie): they run
# outside the preview, so the PMO can always get out of it.
PREVIEW_EXITS = frozenset({"programs:preview", "accounts:logout", "set_language"})


class PreviewMiddleware:
    """For a PMO admin who chose a preview time, every schedule on every page is evaluated at
    that time (`clock.preview_at`) until they leave the preview. Others are never affected.

    The preview is read-only: any other unsafe request (page, admin, API) is refused before its
    view runs, and a write a safe request attempts is refused by `clock.preview_at` itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        moment = _preview_moment(request)
        if moment is None:
            return self.get_response(request)
        if request.method not in SAFE_METHODS:
            if _view_name(request) in PREVIEW_EXITS:
                return self.get_response(request)
            return preview_refusal(request, PreviewReadOnly(), moment=moment)
        with clock.preview_at(moment):
            return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, PreviewReadOnly):
            return preview_refusal(request, exception, moment=clock.now())
        return None


def _preview_moment(request) -> dt.datetime | None:
    raw = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    if not raw or not has_role(request.user, Role.PMO_ADMIN):
        return None
    try:
        moment = dt.datetime.fromisoformat(raw)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _view_name(request) -> str:
    try:
        return resolve(request.path_info).view_name
    except Resolver404:
        return ""


def preview_refusal(request, error: PreviewReadOnly, *, moment: dt.datetime):
    """403 with code `preview_read_only`: JSON for the API, a page with the way out otherwise."""
    if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
        return JsonResponse(error_body(code=error.code, message=error.message), status=403)
    return render(
        request,
        "programs/preview_read_only.html",
        {"message": error.message, "at": clock.to_local(moment)},
        status=403,
    )
