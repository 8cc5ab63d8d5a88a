"""What the training marketplace adds to the participant dashboard: the Prakerja card."""

from prakerja.programs.dashboard import Panel

from .selectors import participant_training_summary


def dashboard_panel(*, user) -> Panel | None:
    summary = participant_training_summary(user=user)
    if summary is None:
        return None
    return Panel(template="training/_dashboard_panel.html", context=summary, order=10)
