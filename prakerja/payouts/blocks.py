"""What account linking adds to the participant dashboard."""

from prakerja.programs.dashboard import Panel
from prakerja.switches.models import SwitchName
from prakerja.switches.selectors import switch_state

from .selectors import active_linked_account_for


def dashboard_panel(*, user) -> Panel:
    return Panel(
        template="payouts/_dashboard_panel.html",
        context={
            "linked_account": active_linked_account_for(user=user),
            "linking": switch_state(SwitchName.ACCOUNT_LINKING),
        },
        order=40,
    )
