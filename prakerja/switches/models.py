"""The PMO's scheduled switches: features (registration, account linking) turned on and off
by windows to the second, with an override and a message while off."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class SwitchName(models.TextChoices):
    REGISTRATION = "registration", _("New-account registration")
    ACCOUNT_LINKING = "account_linking", _("Account linking")


class Override(models.TextChoices):
    ON = "on", _("Forced on")
    OFF = "off", _("Forced off")


class Switch(models.Model):
    """A feature the PMO turns on and off by schedule. On inside any window unless overridden.
    The state is computed at request time (`selectors.switch_state`); no job flips it."""

    name = models.CharField(_("name"), max_length=40, choices=SwitchName.choices, unique=True)
    override = models.CharField(
        _("manual override"), max_length=3, choices=Override.choices, blank=True, default=""
    )
    message = models.TextField(
        _("message while off"),
        blank=True,
        help_text=_("Shown instead of the button (and in the API) while the switch is off."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("scheduled switch")
        verbose_name_plural = _("scheduled switches")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.get_name_display()


class SwitchWindow(models.Model):
    """[active_from, active_until): empty bounds are open-ended. Entered in Asia/Jakarta time."""

    switch = models.ForeignKey(
        Switch, on_delete=models.CASCADE, related_name="windows", verbose_name=_("switch")
    )
    active_from = models.DateTimeField(_("active from"), null=True, blank=True)
    active_until = models.DateTimeField(_("active until"), null=True, blank=True)

    class Meta:
        verbose_name = _("window")
        verbose_name_plural = _("windows")
        ordering = ["active_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(active_from__isnull=True)
                | Q(active_until__isnull=True)
                | Q(active_from__lt=F("active_until")),
                name="switch_window_not_inverted",
            )
        ]

    def __str__(self) -> str:
        return f"{self.active_from or '…'} – {self.active_until or '…'}"
