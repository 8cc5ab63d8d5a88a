from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HelpdeskConfig(AppConfig):
    name = "prakerja.helpdesk"
    label = "helpdesk"
    verbose_name = _("Contact center")

    def ready(self) -> None:
        from prakerja.core import site_blocks
        from prakerja.programs.dashboard import panels

        from .blocks import dashboard_panel, hours_block

        site_blocks.register(hours_block)
        panels.register(dashboard_panel)
