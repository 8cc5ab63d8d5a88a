"""What programs contributes to the base layout (registered in ProgramsConfig.ready)."""

from django.urls import reverse
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from prakerja.core import clock
from prakerja.core.formatting import timestamp
from prakerja.switches.models import SwitchName
from prakerja.switches.selectors import switch_state

from .selectors import live_announcements


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
                % {"at": timestamp(clock.local_now())},
                "url": reverse("programs:preview"),
                "link_label": _("Change or stop the preview"),
            }
        )
    return {
        "announcements": banners,
        "notices": notices,
        "home_actions": ["programs/_home_actions.html"],
        "registration": switch_state(SwitchName.REGISTRATION),
    }
