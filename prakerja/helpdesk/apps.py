from functools import partial

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from prakerja.core import scheduler

# The demo roster is kept a week ahead; once an hour is plenty for a table filled by the day.
DEMO_ROSTER_EVERY_SECONDS = 3600


class HelpdeskConfig(AppConfig):
    name = "prakerja.helpdesk"
    label = "helpdesk"
    verbose_name = _("Contact center")

    def ready(self) -> None:
        from prakerja.accounts.hooks import logged_in, logged_out
        from prakerja.core import consoles, site_blocks
        from prakerja.core.roles import CONTACT_CENTER_ROLES, Role
        from prakerja.programs.dashboard import panels

        from .blocks import dashboard_panel, hours_block
        from .demo import demo_roster_extend
        from .services import presence_log_in, routing_drain, sla_watch, tickets_close_resolved
        from .views.public import tracked_forget

        site_blocks.register(hours_block)
        panels.register(dashboard_panel)
        logged_in.register(presence_log_in)
        logged_out.register(tracked_forget)
        consoles.landings.register(role=Role.AGENT, url_name="helpdesk:workspace", priority=30)
        for link in (
            consoles.NavLink(
                _("Inbox"), "helpdesk:workspace", roles=tuple(CONTACT_CENTER_ROLES), order=20
            ),
            consoles.NavLink(
                _("Supervisor board"), "helpdesk:supervisor", roles=(Role.SUPERVISOR,), order=50
            ),
            consoles.NavLink(
                _("Roster"), "helpdesk:pmo_roster", roles=(Role.PMO_ADMIN,), section="pmo", order=60
            ),
        ):
            consoles.nav.register(link)
        consoles.activity.register(consoles.ActivityKind(prefix="roster.", label=_("Roster")))
        # Tickets are routed when they arrive, when an agent goes online and when capacity frees
        # up; this pass catches the rest, e.g. agents already online when their shift begins.
        scheduler.register(
            "helpdesk.route",
            every=settings.HELPDESK_ROUTE_EVERY_SECONDS,
            func=partial(routing_drain, limit=200),
        )
        scheduler.register(
            "helpdesk.autoclose",
            every=settings.HELPDESK_AUTOCLOSE_EVERY_SECONDS,
            func=tickets_close_resolved,
        )
        scheduler.register(
            "helpdesk.sla_watch", every=settings.HELPDESK_SLA_WATCH_EVERY_SECONDS, func=sla_watch
        )
        scheduler.register(
            "helpdesk.demo_roster", every=DEMO_ROSTER_EVERY_SECONDS, func=demo_roster_extend
        )
