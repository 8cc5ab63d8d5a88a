from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SwitchesConfig(AppConfig):
    name = "prakerja.switches"
    label = "switches"
    verbose_name = _("Scheduled switches")
