"""What the contact center puts into the base layout: the hours and "open now / closed, opens at"."""

from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _

from prakerja.core import clock
from prakerja.programs.dashboard import Panel

from . import hours
from .selectors import tickets_for_requester


def schedule_summary(schedule: hours.Schedule) -> str:
    windows = {schedule.weekly.get(day) for day in range(7)}
    if len(windows) == 1 and None not in windows:
        opens, closes = windows.pop()
        return _("Every day, %(opens)s-%(closes)s WIB") % {
            "opens": f"{opens:%H:%M}",
            "closes": f"{closes:%H:%M}",
        }
    return _("See the opening hours")


def hours_block(request) -> dict:
    schedule = hours.current_schedule()
    status = hours.opening_text(schedule=schedule)
    text = schedule_summary(schedule)
    if not status["open_now"] and status["next_open_at"] is not None:
        opens = clock.to_local(status["next_open_at"])
        if opens.date() == clock.local_now().date():
            extra = _("opens today at %(time)s") % {"time": f"{opens:%H:%M}"}
        else:
            extra = _("opens %(day)s at %(time)s") % {
                "time": f"{opens:%H:%M}",
                "day": formats.date_format(opens, "l, j F"),
            }
        text = f"{text} · {extra}"
    return {
        "open_now": status["open_now"],
        "hours_text": text,
        "home_actions": ["helpdesk/_home_actions.html"],
        "nav_links": nav_links(request),
    }


def nav_links(request) -> list[dict]:
    links = [
        {"url": reverse("helpdesk:kb"), "label": _("Help")},
        {"url": reverse("helpdesk:complaint"), "label": _("Complaint form")},
        {"url": reverse("helpdesk:track"), "label": _("Track a report"), "footer_only": True},
        {"url": reverse("reports:public"), "label": _("Service statistics"), "footer_only": True},
    ]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        links.append({"url": reverse("helpdesk:my_tickets"), "label": _("My reports")})
    return links


def dashboard_panel(*, user) -> Panel | None:
    """The participant's latest complaints, when there are any."""
    tickets = list(tickets_for_requester(user=user, limit=5))
    if not tickets:
        return None
    return Panel(template="helpdesk/_dashboard_panel.html", context={"tickets": tickets}, order=50)
