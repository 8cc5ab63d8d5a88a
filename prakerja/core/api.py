"""API plumbing shared by every app (authentication, the one error shape) and core endpoints."""

import logging
from datetime import datetime
from typing import Any, TypeVar

import pydantic
from django.http import Http404, QueryDict
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Query, Router, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer, SessionAuth

from .errors import (
    DATABASE_UNAVAILABLE,
    UNAVAILABLE_RETRY_AFTER,
    DomainError,
    Forbidden,
    RateLimited,
    ServiceUnavailable,
    UnsupportedMediaType,
    ValidationFailed,
    error_body,
)
from .roles import STAFF_ROLES, has_role, user_roles
from .selectors import api_token_user, audit_entries
from .text import control_character_errors, querydict_fields_with_control_characters

logger = logging.getLogger("django.request")


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>` for integrations; acts as the token's user."""

    def authenticate(self, request, token):
        user = api_token_user(raw=token)
        if user is not None:
            request.user = user
        return user


class JsonOnlyParser(Parser):
    """JSON bodies only with `Content-Type: application/json` (415 otherwise). A browser sends
    that type cross-site only after a CORS preflight, which this site never grants; `text/plain`
    and form types are "simple" requests any other site can make a browser send."""

    def parse_body(self, request):
        # ninja's multipart bodies (schemas next to File parameters) come as a bare request
        # without a content type, after the form has been parsed.
        content_type = getattr(request, "content_type", None)
        if content_type is not None and content_type != "application/json":
            raise UnsupportedMediaType()
        return super().parse_body(request)

    def parse_querydict(self, data, list_fields, request):
        # Query strings and url-encoded forms were checked by ControlCharactersMiddleware;
        # multipart form fields of API uploads reach the API only here.
        fields = (
            querydict_fields_with_control_characters(data) if isinstance(data, QueryDict) else []
        )
        if fields:
            raise ValidationFailed(errors=control_character_errors(fields))
        return super().parse_querydict(data, list_fields, request)


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


S = TypeVar("S", bound=pydantic.BaseModel)


def body_validate(schema: type[S], data: Any) -> S:
    """Validate a JSON body the endpoint took as it came (`payload: Body[Any] = None`), for an
    endpoint that must check something else before the body; errors are the usual 422."""
    try:
        return schema.model_validate(data)
    except pydantic.ValidationError as exc:
        raise NinjaValidationError(
            [{**e, "loc": ("body", "payload", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from None


def body_documented(schema: type[pydantic.BaseModel]) -> dict:
    """`openapi_extra` that documents `schema` as the JSON body of such an endpoint."""
    return {
        "requestBody": {
            "content": {"application/json": {"schema": schema.model_json_schema()}},
            "required": True,
        }
    }


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
        if isinstance(exc.__cause__, DomainError):
            # ninja reports any parser error as 400 "Cannot parse request body"; a refusal
            # the parser raised on purpose (415) keeps its own status and code.
            return domain(request, exc.__cause__)
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
