from django.apps import AppConfig


class PayoutsConfig(AppConfig):
    name = "prakerja.payouts"
    label = "payouts"

    def ready(self) -> None:
        from prakerja.programs.dashboard import panels

        from .blocks import dashboard_panel

        panels.register(dashboard_panel)
