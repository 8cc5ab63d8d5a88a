"""Websocket URL routes, one list per app that has consumers."""

from prakerja.livechat.routing import websocket_urlpatterns as livechat_routes

websocket_urlpatterns = [*livechat_routes]
