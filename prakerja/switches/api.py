"""The switches under /api/v1: everyone reads the state now; PMO admins replace a schedule."""

from datetime import datetime

from ninja import Field, Router, Schema

from prakerja.core.api import SESSION_OR_TOKEN, errors
from prakerja.core.errors import Forbidden
from prakerja.core.roles import Role, has_role

from . import selectors, services
from .models import SwitchName

router = Router(tags=["switches"])


class SwitchOut(Schema):
    active: bool
    message: str | None
    active_until: datetime | None
    next_change_at: datetime | None


class SwitchesOut(Schema):
    registration: SwitchOut
    account_linking: SwitchOut


class WindowIn(Schema):
    active_from: datetime | None = None
    active_until: datetime | None = None


class SwitchScheduleIn(Schema):
    windows: list[WindowIn]
    override: str | None = Field(None, description='"on", "off" or null (follow the windows)')
    message: str = ""


class SwitchDetailOut(SwitchOut):
    windows: list[WindowIn]
    override: str | None


@router.get("/switches", response=SwitchesOut, summary="Registration and account-linking state now")
def switches(request):
    return {name: state.as_dict() for name, state in selectors.all_switch_states().items()}


@router.put(
    "/switches/{name}",
    response={200: SwitchDetailOut, **errors(400, 401, 403, 422)},
    auth=SESSION_OR_TOKEN,
    summary="Replace a switch's schedule (PMO admin)",
    description="The switch is on inside any window [active_from, active_until) unless "
    "overridden. 422 for overlapping or inverted windows; 403 for anyone but a PMO admin.",
)
def switch_put(request, name: SwitchName, payload: SwitchScheduleIn):
    if not has_role(request.auth, Role.PMO_ADMIN):
        raise Forbidden()
    switch = services.switch_set_schedule(
        name=name,
        windows=[(w.active_from, w.active_until) for w in payload.windows],
        override=payload.override,
        message=payload.message,
        actor=request.auth,
    )
    state = selectors.switch_state(switch.name)
    schedule = selectors.switch_schedule(switch=switch)
    return {**state.as_dict(), "windows": schedule["windows"], "override": schedule["override"]}
