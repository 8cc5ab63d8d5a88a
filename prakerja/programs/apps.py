from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    name = "prakerja.programs"
    label = "programs"
    verbose_name = _("Program")

    def ready(self):
        from prakerja.core import consoles, scheduler, site_blocks
        from prakerja.core.roles import Role

        from .blocks import layout_blocks
        from .services import wave_results_notify_due

        site_blocks.register(layout_blocks)
        consoles.landings.register(role=Role.PMO_ADMIN, url_name="programs:pmo", priority=10)
        consoles.landings.register(
            role=Role.PARTICIPANT, url_name="programs:dashboard", priority=100
        )
        pmo = (Role.PMO_ADMIN,)
        for link in (
            consoles.NavLink(_("PMO console"), "programs:pmo", roles=pmo, order=10),
            # The console's own menu; apps above add their pages (helpdesk: the roster).
            consoles.NavLink(_("Timeline"), "programs:pmo", roles=pmo, section="pmo", order=10),
            consoles.NavLink(_("Waves"), "programs:pmo_waves", roles=pmo, section="pmo", order=20),
            consoles.NavLink(
                _("Announcements"), "programs:pmo_announcements", roles=pmo, section="pmo", order=30
            ),
            consoles.NavLink(_("Preview"), "programs:preview", roles=pmo, section="pmo", order=40),
            consoles.NavLink(
                _("Activity"), "programs:pmo_activity", roles=pmo, section="pmo", order=90
            ),
        ):
            consoles.nav.register(link)
        for prefix, label in (
            ("switch.", _("Switches")),
            ("wave.", _("Waves")),
            ("announcement.", _("Announcements")),
        ):
            consoles.activity.register(consoles.ActivityKind(prefix=prefix, label=label))
        # Results may be published later than the selection run (announce_at): the job tells
        # participants once their wave's moment has passed.
        scheduler.register(
            "programs.results_notify",
            every=settings.PROGRAMS_RESULTS_NOTIFY_EVERY_SECONDS,
            func=wave_results_notify_due,
        )
