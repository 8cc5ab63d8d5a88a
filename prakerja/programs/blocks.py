"""What programs contributes to the base layout (registered in ProgramsConfig.ready)."""

from django.urls import reverse
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from prakerja.core import clock
from prakerja.core.consoles import is_staff_member
from prakerja.switches.models import SwitchName
from prakerja.switches.selectors import switch_state

from .models import Wave
from .selectors import live_announcements, open_waves


def layout_blocks(request) -> dict:
    banners = [
        {
            "title": a.title,
            "summary": Truncator(strip_tags(a.body)).words(25),
            "url": a.get_absolute_url(),
        }
        for a in live_announcements(banner_only=True)[:3]
    ]
    notices = []
    if clock.is_preview():
        notices.append(
            {
                "title": _("Preview"),
                "summary": _("You are viewing the site as it will look at %(at)s WIB.")
                % {"at": clock.local_now().strftime("%Y-%m-%d %H:%M:%S")},
                "url": reverse("programs:preview"),
                "link_label": _("Change or stop the preview"),
            }
        )
    nav_links = [{"url": reverse("programs:announcements"), "label": _("Announcements")}]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and not is_staff_member(user):
        nav_links.insert(0, {"url": reverse("programs:dashboard"), "label": _("My dashboard")})
    return {
        "announcements": banners,
        "notices": notices,
        "nav_links": nav_links,
        "home_status": ["programs/_home_status.html"],
        "home_actions": ["programs/_home_actions.html"],
        "registration": switch_state(SwitchName.REGISTRATION),
        # a callable, which the template calls: only the home page reads it, other pages pay no query
        "home_wave": _home_wave,
    }


def _home_wave() -> dict:
    """The wave taking joins now, else the next one to open: what the home page tells visitors."""
    wave = open_waves().first()
    if wave is not None:
        return {"wave": wave, "open": True}
    upcoming = Wave.objects.filter(opens_at__gt=clock.now()).order_by("opens_at").first()
    return {"wave": upcoming, "open": False} if upcoming else {}
