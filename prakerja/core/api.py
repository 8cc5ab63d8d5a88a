"""API plumbing shared by every app (authentication, the one error shape) and core endpoints."""

import logging
from datetime import datetime

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Query, Router, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, SessionAuth

from .errors import (
    DATABASE_UNAVAILABLE,
    UNAVAILABLE_RETRY_AFTER,
    DomainError,
    Forbidden,
    RateLimited,
    ServiceUnavailable,
    error_body,
)
from .roles import STAFF_ROLES, has_role, user_roles
from .selectors import api_token_user, audit_entries

logger = logging.getLogger("django.request")


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>` for integrations; acts as the token's user."""

    def authenticate(self, request, token):
        user = api_token_user(raw=token)
        if user is not None:
            request.user = user
        return user


# Browser session (CSRF-checked by ninja) or bearer token: the default for authenticated endpoints.
SESSION_OR_TOKEN = [TokenAuth(), SessionAuth()]


class ErrorOut(Schema):
    """The one error shape: a machine-readable `code`, a localized `message`, field `errors`."""

    code: str
    message: str
    errors: dict[str, list[str]]


def errors(*statuses: int) -> dict[int, type[ErrorOut]]:
    """The error statuses an operation documents, each in the one error shape:
    `response={200: ThingOut, **errors(401, 404)}`. The schema fuzz test (core/tests/
    test_api_schema_fuzz.py) fails on a status an operation returns without documenting it."""
    return dict.fromkeys(statuses, ErrorOut)


def _field_errors(errors: list[dict]) -> dict[str, list[str]]:
    """Pydantic error locations to client field names: ("body", "payload", "email") -> "email",
    ("query", "start") -> "start"."""
    fields: dict[str, list[str]] = {}
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        loc = loc[2:] if loc[:1] == ["body"] and len(loc) > 2 else loc[1:]
        field = ".".join(loc) or "__all__"
        fields.setdefault(field, []).append(str(error.get("msg", _("Invalid value."))))
    return fields


def install_error_handlers(api: NinjaAPI) -> None:
    def respond(request, status: int, body: dict, headers: dict | None = None):
        response = api.create_response(request, body, status=status)
        for key, value in (headers or {}).items():
            response[key] = value
        return response

    @api.exception_handler(NinjaValidationError)
    def validation(request, exc):
        return respond(
            request,
            422,
            error_body(
                code="validation_error",
                message=_("Some fields are not valid."),
                errors=_field_errors(exc.errors),
            ),
        )

    @api.exception_handler(RateLimited)
    def rate_limited(request, exc):
        return respond(
            request,
            429,
            error_body(code=exc.code, message=exc.message),
            {"Retry-After": str(exc.retry_after)},
        )

    @api.exception_handler(DomainError)
    def domain(request, exc):
        return respond(
            request, exc.status, error_body(code=exc.code, message=exc.message, errors=exc.errors)
        )

    def database_unavailable(request, exc):
        logger.error("Service Unavailable: %s", request.path, exc_info=exc)
        unavailable = ServiceUnavailable()
        return respond(
            request,
            unavailable.status,
            error_body(code=unavailable.code, message=unavailable.message),
            {"Retry-After": str(UNAVAILABLE_RETRY_AFTER)},
        )

    for exception_class in DATABASE_UNAVAILABLE:
        api.add_exception_handler(exception_class, database_unavailable)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return respond(
            request, 401, error_body(code="unauthenticated", message=_("Authentication required."))
        )

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return respond(request, 404, error_body(code="not_found", message=_("Not found.")))

    @api.exception_handler(HttpError)
    def http_error(request, exc):
        code = {
            400: "bad_request",
            401: "unauthenticated",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
            409: "conflict",
        }.get(exc.status_code, "error")
        return respond(request, exc.status_code, error_body(code=code, message=str(exc)))


router = Router(tags=["core"])


class MeOut(Schema):
    username: str
    full_name: str
    roles: list[str]


@router.get(
    "/me",
    response={200: MeOut, **errors(401)},
    auth=SESSION_OR_TOKEN,
    summary="Who the caller is and their roles",
)
def me(request):
    user = request.auth
    return MeOut(
        username=user.get_username(), full_name=user.get_full_name(), roles=sorted(user_roles(user))
    )


class AuditEntryOut(Schema):
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    before: dict | None
    after: dict | None
    request_id: str


@router.get(
    "/audit-log",
    response={200: list[AuditEntryOut], **errors(401, 403, 422)},
    auth=SESSION_OR_TOKEN,
    summary="Audit entries, newest first (PMO admin and supervisors)",
)
def audit_log(
    request,
    object_type: str = "",
    object_id: str = "",
    action: str = "",
    limit: int = Query(50, ge=1, le=200),
):
    if not has_role(request.auth, *STAFF_ROLES):
        raise Forbidden()
    return [
        AuditEntryOut(
            at=e.at,
            actor=e.actor_label,
            action=e.action,
            object_type=e.object_type,
            object_id=e.object_id,
            before=e.before,
            after=e.after,
            request_id=e.request_id,
        )
        for e in audit_entries(
            object_type=object_type, object_id=object_id, action=action, limit=limit
        )
    ]
