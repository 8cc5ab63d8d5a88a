"""What telephony puts into the base layout."""

from django.conf import settings

from prakerja.core.roles import CONTACT_CENTER_ROLES, has_role


def screen_pop_block(request) -> dict:
    """Agents get the screen-pop panel on every page, so it reaches them wherever they work."""
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
