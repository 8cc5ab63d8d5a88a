from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "prakerja.core"
    label = "core"
    verbose_name = "Core"
