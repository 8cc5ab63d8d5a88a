from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from prakerja.core import scheduler


class TrainingConfig(AppConfig):
    name = "prakerja.training"
    label = "training"
    verbose_name = _("Training")

    def ready(self) -> None:
        from prakerja.core import consoles, site_blocks
        from prakerja.core.roles import Role
        from prakerja.programs.dashboard import panels
        from prakerja.programs.hooks import participants_selected

        from .blocks import dashboard_panel, layout_blocks
        from .services import card_issue_for_selection, cards_revoke_due

        participants_selected.register(card_issue_for_selection)
        panels.register(dashboard_panel)
        site_blocks.register(layout_blocks)
        consoles.nav.register(
            consoles.NavLink(
                _("Trainings"), "training:pmo", roles=(Role.PMO_ADMIN,), section="pmo", order=50
            )
        )
        for prefix, label in (("platform.", _("Partner platforms")), ("course.", _("Courses"))):
            consoles.activity.register(consoles.ActivityKind(prefix=prefix, label=label))
        # Cards show as revoked from their deadline without it; the job records the revocation
        # and returns the balance to the program.
        scheduler.register(
            "training.revoke_cards",
            every=settings.TRAINING_REVOKE_EVERY_SECONDS,
            func=cards_revoke_due,
        )
