"""Seam to helpdesk's agent presence: the workspace socket's heartbeat keeps an agent online."""


def presence_seen(*, agent) -> None:
    """Refresh the agent's presence `last_seen_at` (helpdesk owns presence and its expiry)."""
    try:
        from prakerja.helpdesk.services import presence_heartbeat
    except ImportError:  # helpdesk presence not landed yet
        return
    presence_heartbeat(agent=agent)
