"""One error shape for every API error and for rate limits in pages.

`{"code": "...", "message": "...", "errors": {field: [messages]}}` with a 4xx status.
Services raise `DomainError` subclasses; the API and views translate them.
"""

from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext_lazy as _

# The database could not be reached or dropped the connection: a moment's outage, answered 503
# with Retry-After (pages, API) rather than 500; the next request connects anew.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
UNAVAILABLE_RETRY_AFTER = 5


class DomainError(Exception):
    """A refused user action. `code` is machine-readable; `message` is localized."""

    status = 400
    code = "bad_request"
    default_message = _("The request could not be completed.")

    def __init__(
        self,
        message=None,
        *,
        code: str | None = None,
        status: int | None = None,
        errors: dict[str, list[str]] | None = None,
    ):
        self.message = message or self.default_message
        if code:
            self.code = code
        if status:
            self.status = status
        self.errors = errors or {}
        super().__init__(str(self.message))


class ValidationFailed(DomainError):
    status = 422
    code = "validation_error"
    default_message = _("Some fields are not valid.")


class NotFound(DomainError):
    status = 404
    code = "not_found"
    default_message = _("Not found.")


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    default_message = _("You do not have access to this.")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    default_message = _("This conflicts with the current state.")


class UnsupportedMediaType(DomainError):
    status = 415
    code = "unsupported_media_type"
    default_message = _("Send the request body as JSON (Content-Type: application/json).")


class PreviewReadOnly(DomainError):
    """A write while a PMO previews another time: nothing may be stored with a fake time."""

    status = 403
    code = "preview_read_only"
    default_message = _(
        "You are previewing the site at another time, so nothing can be changed. "
        "Stop the preview to make changes."
    )


class ServiceUnavailable(DomainError):
    status = 503
    code = "service_unavailable"
    default_message = _("The service is briefly unavailable. Please try again in a moment.")


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"
    default_message = _("Too many attempts. Please try again later.")

    def __init__(self, retry_after: int, message=None):
        self.retry_after = max(1, int(retry_after))
        super().__init__(message)


def error_body(*, code: str, message, errors: dict | None = None) -> dict:
    return {
        "code": code,
        "message": str(message),
        "errors": {field: [str(m) for m in msgs] for field, msgs in (errors or {}).items()},
    }
