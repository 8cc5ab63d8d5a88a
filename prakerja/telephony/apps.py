from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TelephonyConfig(AppConfig):
    name = "prakerja.telephony"
    label = "telephony"
    verbose_name = _("Telephony")

    def ready(self):
        from prakerja.core import consoles, site_blocks
        from prakerja.core.roles import CONTACT_CENTER_ROLES

        from . import inbox
        from .blocks import screen_pop_block

        site_blocks.register(screen_pop_block)
        inbox.register()
        consoles.nav.register(
            consoles.NavLink(
                _("Calls"), "telephony:desk", roles=tuple(CONTACT_CENTER_ROLES), order=40
            )
        )
