from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TelephonyConfig(AppConfig):
    name = "prakerja.telephony"
    label = "telephony"
    verbose_name = _("Telephony")

    def ready(self):
        from prakerja.core import site_blocks

        site_blocks.register(screen_pop_block)


def screen_pop_block(request) -> dict:
    """Agents get the screen-pop panel on every page, so it reaches them wherever they work."""
    from django.conf import settings

    from prakerja.core.roles import CONTACT_CENTER_ROLES, has_role

    user = getattr(request, "user", None)
    if user is None or not has_role(user, *CONTACT_CENTER_ROLES):
        return {}
    return {
        "body_extras": ["telephony/_pop_slot.html"],
        "home_actions": ["telephony/_home_actions.html"],
        "telephony_socket_path": getattr(
            settings, "TELEPHONY_AGENT_SOCKET_PATH", "/ws/livechat/agent/"
        ),
    }
