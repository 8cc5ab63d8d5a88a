from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from prakerja.core import scheduler


class LiveChatConfig(AppConfig):
    name = "prakerja.livechat"
    label = "livechat"
    verbose_name = _("Live chat")

    def ready(self) -> None:
        from prakerja.core import consoles, site_blocks
        from prakerja.core.roles import CONTACT_CENTER_ROLES

        from . import inbox
        from .services import chats_sweep

        site_blocks.register(chat_launcher)
        inbox.register()
        consoles.nav.register(
            consoles.NavLink(
                _("Chats"), "livechat:workspace", roles=tuple(CONTACT_CENTER_ROLES), order=30
            )
        )
        scheduler.register(
            "livechat.sweep", every=settings.LIVECHAT_SWEEP_EVERY_SECONDS, func=chats_sweep
        )


def chat_launcher(request) -> dict:
    """Every public page gets the chat launcher; staff pages (core/staff_base.html) leave
    `public_extras` out."""
    return {"public_extras": ["livechat/launcher.html"]}
