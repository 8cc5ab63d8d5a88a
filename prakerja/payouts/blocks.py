"""What payouts adds to pages of the apps below: the participant dashboard (linked account,
incentives) and the partner platform's page (its statements)."""

from prakerja.core import clock
from prakerja.programs.dashboard import Panel
from prakerja.switches.models import SwitchName
from prakerja.switches.selectors import switch_state

from .models import PaymentStatus, PlatformStatement
from .selectors import active_linked_account_for, incentive_payments_for
from .settlement import statements_for_month


def dashboard_panel(*, user) -> Panel:
    return Panel(
        template="payouts/_dashboard_panel.html",
        context={
            "linked_account": active_linked_account_for(user=user),
            "linking": switch_state(SwitchName.ACCOUNT_LINKING),
        },
        order=40,
    )


def incentives_panel(*, user) -> Panel | None:
    """The incentive schedule and each payment's status; nothing before incentives start."""
    payments = incentive_payments_for(user=user)
    if not payments:
        return None
    return Panel(
        template="payouts/_incentives_panel.html",
        context={
            "payments": payments,
            "failed": any(p.status == PaymentStatus.FAILED for p in payments),
        },
        order=41,
    )


PARTNER_STATEMENTS_SHOWN = 12


def statements_panel(*, platform) -> Panel:
    """The platform's statements: this month's (open) and its last closed ones."""
    month = clock.local_now().date().replace(day=1)
    current = statements_for_month(month=month, platform=platform)[0]
    closed = PlatformStatement.objects.filter(platform=platform).order_by("-month")[
        :PARTNER_STATEMENTS_SHOWN
    ]
    return Panel(
        template="payouts/_partner_statements_panel.html",
        context={"current": current, "closed": list(closed)},
        order=10,
    )
