"""What the training marketplace adds to the participant dashboard (the Prakerja card) and to the
base layout (the catalog in the navigation, a card on the home page)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from prakerja.programs.dashboard import Panel

from .selectors import participant_training_summary


def dashboard_panel(*, user) -> Panel | None:
    summary = participant_training_summary(user=user)
    if summary is None:
        return None
    return Panel(template="training/_dashboard_panel.html", context=summary, order=10)


def layout_blocks(request) -> dict:
    return {
        "nav_links": [{"url": reverse("training:catalog"), "label": _("Trainings")}],
        "home_actions": ["training/_home_actions.html"],
    }
