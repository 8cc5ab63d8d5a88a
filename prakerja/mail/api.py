"""E-mail channel API: the mailbox summary for supervisors and their integrations."""

from ninja import Router, Schema

from prakerja.core.api import SESSION_OR_TOKEN, errors
from prakerja.core.errors import Forbidden
from prakerja.core.roles import STAFF_ROLES, has_role

from . import selectors

router = Router(tags=["mail"])


class CountOut(Schema):
    key: str
    count: int


class MailboxOut(Schema):
    days: int
    outcomes: list[CountOut]
    sends: list[CountOut]
    kept: int
    bouncing: int


@router.get(
    "/mail/summary",
    response={200: MailboxOut, **errors(401, 403)},
    auth=SESSION_OR_TOKEN,
    summary="What became of the e-mail received in the last 7 days (supervisors and PMO)",
    description="outcomes: per outcome (ticket, reply, auto-reply, bounce, loop, own-address, "
    "too-large, unreadable), the messages received; sends: ticket e-mails per status; kept: "
    "messages kept whole for a supervisor; bouncing: addresses marked bouncing.",
)
def summary(request):
    if not has_role(request.auth, *STAFF_ROLES):
        raise Forbidden()
    data = selectors.mailbox_summary()
    return {
        "days": data["days"],
        "outcomes": [{"key": o["outcome"], "count": o["count"]} for o in data["outcomes"]],
        "sends": [{"key": s["status"], "count": s["count"]} for s in data["sends"]],
        "kept": len(data["kept"]),
        "bouncing": len(data["bouncing"]),
    }
