from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PayoutsConfig(AppConfig):
    name = "prakerja.payouts"
    label = "payouts"
    verbose_name = _("Account linking and incentives")

    def ready(self) -> None:
        from django.conf import settings

        from prakerja.core import consoles, scheduler
        from prakerja.core.roles import Role
        from prakerja.programs.dashboard import panels
        from prakerja.training.hooks import partner_panels, training_reviewed

        from .blocks import dashboard_panel, incentives_panel, statements_panel
        from .incentives import incentives_disburse, incentives_schedule_after_review
        from .ledger import ledger_sync
        from .settlement import platform_statements_close

        panels.register(dashboard_panel)
        panels.register(incentives_panel)
        training_reviewed.register(incentives_schedule_after_review)
        consoles.nav.register(
            consoles.NavLink(
                _("Budget"), "payouts:pmo_budget", roles=(Role.PMO_ADMIN,), section="pmo", order=55
            )
        )
        consoles.nav.register(
            consoles.NavLink(
                _("Platform settlement"),
                "payouts:pmo_statements",
                roles=(Role.PMO_ADMIN,),
                section="pmo",
                order=56,
            )
        )
        partner_panels.register(statements_panel)
        scheduler.register(
            "payouts.ledger_sync",
            every=settings.PAYOUTS_LEDGER_SYNC_EVERY_SECONDS,
            func=ledger_sync,
        )
        scheduler.register(
            "payouts.disburse",
            every=settings.PAYOUTS_DISBURSE_EVERY_SECONDS,
            func=incentives_disburse,
        )
        scheduler.register(
            "payouts.platform_statements_close",
            every=settings.PAYOUTS_STATEMENTS_CLOSE_EVERY_SECONDS,
            func=platform_statements_close,
        )
