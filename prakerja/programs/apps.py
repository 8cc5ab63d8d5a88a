from django.apps import AppConfig
from django.conf import settings


class ProgramsConfig(AppConfig):
    name = "prakerja.programs"
    label = "programs"

    def ready(self):
        from prakerja.core import scheduler, site_blocks

        from .blocks import layout_blocks
        from .services import wave_results_notify_due

        site_blocks.register(layout_blocks)
        # Results may be published later than the selection run (announce_at): the job tells
        # participants once their wave's moment has passed.
        scheduler.register(
            "programs.results_notify",
            every=settings.PROGRAMS_RESULTS_NOTIFY_EVERY_SECONDS,
            func=wave_results_notify_due,
        )
