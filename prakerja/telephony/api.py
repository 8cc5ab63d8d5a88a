"""The PBX's door: `POST /api/v1/telephony/events`, one event per request (docs/TELEPHONY.md)."""

from datetime import datetime

from ninja import Field, Router, Schema

from prakerja.core.api import TokenAuth, errors

from . import services

router = Router(tags=["telephony"])


class EventIn(Schema):
    event: str = Field(..., description="newCall | answer | hangup", max_length=16)
    call_id: str = Field(..., description="The PBX's id for the call, the same on every event")
    direction: str = Field("", description="in | out (required on newCall)")
    from_: str = Field("", alias="from", description="Calling number (required on newCall)")
    to: str = Field("", description="Dialled number (required on newCall)")
    agent: str = Field("", description="Answering agent's extension or username (on answer)")
    cause: str = Field(
        "",
        description="On hangup: normalClearing, busy, cancel, noAnswer, congestion, notFound, "
        "forwarded",
    )
    time: datetime | None = Field(
        None, description="When it happened, ISO 8601 with offset; default: when received"
    )


class EventOut(Schema):
    call_id: str
    duplicate: bool
    state: str
    outcome: str
    ticket: str | None
    waiting_seconds: int | None
    talking_seconds: int | None


@router.post(
    "/telephony/events",
    response={200: EventOut, **errors(400, 401, 403, 422)},
    auth=TokenAuth(),
    summary="Record one PBX call event (idempotent; order-tolerant)",
)
def telephony_event(request, payload: EventIn):
    result = services.call_event_record(
        event=payload.event,
        call_id=payload.call_id,
        occurred_at=payload.time,
        direction=payload.direction,
        from_number=payload.from_,
        to_number=payload.to,
        agent=payload.agent,
        cause=payload.cause,
        actor=request.auth,
    )
    call = result.call
    return EventOut(
        call_id=call.call_id,
        duplicate=result.duplicate,
        state=call.state,
        outcome=call.outcome,
        ticket=call.ticket.reference if call.ticket_id else None,
        waiting_seconds=call.waiting_seconds,
        talking_seconds=call.talking_seconds,
    )
