from django.apps import AppConfig


class HelpdeskConfig(AppConfig):
    name = "prakerja.helpdesk"
    label = "helpdesk"
