from django.apps import AppConfig


class PayoutsConfig(AppConfig):
    name = "prakerja.payouts"
    label = "payouts"

    def ready(self) -> None:
        from prakerja.programs.dashboard import panels
        from prakerja.training.hooks import training_reviewed

        from .blocks import dashboard_panel, incentives_panel
        from .incentives import incentives_schedule_after_review

        panels.register(dashboard_panel)
        panels.register(incentives_panel)
        training_reviewed.register(incentives_schedule_after_review)
