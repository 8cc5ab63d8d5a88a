from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "prakerja.reports"
    label = "reports"
