from django.apps import AppConfig


class LiveChatConfig(AppConfig):
    name = "prakerja.livechat"
    label = "livechat"
