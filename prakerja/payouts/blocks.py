"""What account linking adds to the participant dashboard."""

from prakerja.programs.dashboard import Panel
from prakerja.switches.models import SwitchName
from prakerja.switches.selectors import switch_state

from .models import PaymentStatus
from .selectors import active_linked_account_for, incentive_payments_for


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
