"""Registry for what domain apps contribute to the base layout.

The layout has slots (announcement banners, contact-center hours, the chat launcher, the public
navigation `nav_links` of {"url", "label", "footer_only"?}, and on the home page `home_status` (the
hero's call to action) and `home_actions` (one card per next step)). Apps fill
them by registering a provider in their AppConfig.ready(); core never imports a domain app.
Staff pages (`core/staff_base.html`) leave out the public slots: `announcements` and
`public_extras` (the chat launcher); `notices` (e.g. "you are previewing") and `body_extras`
(e.g. the agents' screen-pop) show on every page.
Each provider takes the request and returns a dict merged into `site_blocks`. Providers are
called lazily by the template, so a page that does not show a slot does not pay for it.
"""

from collections.abc import Callable
from typing import Any

from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

Provider = Callable[[Any], dict]
_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def _defaults() -> dict:
    return {
        "announcements": [],
        "notices": [],
        "hours_text": _("Every day, 08:00-20:00 WIB"),
        "open_now": None,
        "body_extras": [],
        "public_extras": [],
        "home_actions": [],
        "home_status": [],
        "nav_links": [],
    }


def collect(request) -> SimpleLazyObject:
    def build() -> dict:
        blocks = _defaults()
        for provider in _providers:
            for key, value in provider(request).items():
                # lists (body_extras, announcements, ...) collect every provider's items
                if isinstance(value, list) and isinstance(blocks.get(key), list):
                    blocks[key] = [*blocks[key], *value]
                else:
                    blocks[key] = value
        return blocks

    return SimpleLazyObject(build)
