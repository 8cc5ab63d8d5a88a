from django.apps import AppConfig


class LiveChatConfig(AppConfig):
    name = "prakerja.livechat"
    label = "livechat"
    verbose_name = "Live chat"

    def ready(self) -> None:
        from prakerja.core import site_blocks

        site_blocks.register(chat_launcher)


def chat_launcher(request) -> dict:
    """Every page gets the chat launcher, except the agent and supervisor chat pages."""
    path = getattr(request, "path", "") or ""
    if path.startswith(("/livechat/agent", "/livechat/supervisor", "/admin")):
        return {}
    return {"body_extras": ["livechat/launcher.html"]}
