import datetime as dt

from prakerja.core import clock
from prakerja.core.roles import Role, has_role

SESSION_KEY = "programs_preview_at"


class PreviewMiddleware:
    """For a PMO admin who chose a preview time, every schedule on every page is evaluated at
    that time (`clock.preview_at`) until they leave the preview. Others are never affected."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raw = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
        if raw and has_role(request.user, Role.PMO_ADMIN):
            try:
                moment = dt.datetime.fromisoformat(raw)
            except ValueError:
                moment = None
            if moment is not None and moment.tzinfo is not None:
                with clock.preview_at(moment):
                    return self.get_response(request)
        return self.get_response(request)
