from .agent import AgentWorkspaceConsumer
from .base import SESSION_KEY
from .participant import ParticipantChatConsumer

__all__ = ["SESSION_KEY", "AgentWorkspaceConsumer", "ParticipantChatConsumer"]
