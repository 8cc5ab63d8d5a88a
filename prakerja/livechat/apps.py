from django.apps import AppConfig
from django.conf import settings

from prakerja.core import scheduler


class LiveChatConfig(AppConfig):
    name = "prakerja.livechat"
    label = "livechat"
    verbose_name = "Live chat"

    def ready(self) -> None:
        from prakerja.core import site_blocks

        from . import inbox
        from .services import chats_sweep

        site_blocks.register(chat_launcher)
        inbox.register()
        scheduler.register(
            "livechat.sweep", every=settings.LIVECHAT_SWEEP_EVERY_SECONDS, func=chats_sweep
        )


def chat_launcher(request) -> dict:
    """Every page gets the chat launcher, except the agent and supervisor chat pages."""
    path = getattr(request, "path", "") or ""
    if path.startswith(("/livechat/agent", "/livechat/supervisor", "/admin")):
        return {}
    return {"body_extras": ["livechat/launcher.html"]}
