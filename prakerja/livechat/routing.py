"""Websocket routes of live chat (collected by config/routing.py)."""

from django.urls import path

from . import consumers

websocket_urlpatterns = [
    path("ws/livechat/chat/<int:chat_id>/", consumers.ParticipantChatConsumer.as_asgi()),
    path("ws/livechat/agent/", consumers.AgentWorkspaceConsumer.as_asgi()),
]
