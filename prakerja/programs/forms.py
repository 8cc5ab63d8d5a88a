"""Forms of the PMO console. Times are typed on the WIB wall clock, to the second."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from prakerja.core import clock
from prakerja.switches.models import Override

from .models import Announcement, Wave

WIB_INPUT_FORMAT = "%Y-%m-%dT%H:%M:%S"


class WibDateTimeField(forms.DateTimeField):
    """A datetime-local input (with seconds) read as Asia/Jakarta wall-clock time, whatever the
    active time zone, and shown back the same way."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget",
            forms.DateTimeInput(
                attrs={"type": "datetime-local", "step": "1"}, format=WIB_INPUT_FORMAT
            ),
        )
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, dt.datetime) and timezone.is_aware(value):
            return clock.to_local(value).replace(tzinfo=None)
        return value

    def to_python(self, value):
        with timezone.override(clock.JAKARTA):
            return super().to_python(value)


class WindowForm(forms.Form):
    """One window [from, until); an empty bound is open-ended."""

    active_from = WibDateTimeField(label=_("On from (WIB)"), required=False)
    active_until = WibDateTimeField(label=_("Off from (WIB)"), required=False)
    remove = forms.BooleanField(label=_("Remove"), required=False)


WindowFormSet = forms.formset_factory(WindowForm, extra=2, max_num=50, validate_max=True)


class SwitchForm(forms.Form):
    override = forms.ChoiceField(
        label=_("Manual override"),
        choices=[("", _("Follow the windows")), *Override.choices],
        required=False,
    )
    message = forms.CharField(
        label=_("Message while off"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class WaveForm(forms.ModelForm):
    opens_at = WibDateTimeField(label=_("Opens at (WIB)"))
    closes_at = WibDateTimeField(label=_("Closes at (WIB)"))

    class Meta:
        model = Wave
        fields = ["number", "title", "opens_at", "closes_at", "quota"]


class SelectionForm(forms.Form):
    announce_at = WibDateTimeField(
        label=_("Publish the results at (WIB)"),
        required=False,
        help_text=_("Empty: as soon as the selection has run."),
    )


class AnnouncementForm(forms.ModelForm):
    publish_at = WibDateTimeField(label=_("Publish at (WIB)"))
    expires_at = WibDateTimeField(label=_("Expires at (WIB)"), required=False)

    class Meta:
        model = Announcement
        fields = ["title", "body", "publish_at", "expires_at", "show_banner", "while_switch_on"]
        widgets = {"body": forms.Textarea(attrs={"rows": 5})}
