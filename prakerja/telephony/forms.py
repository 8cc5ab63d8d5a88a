from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Callback, Direction


class ManualCallForm(forms.Form):
    number = forms.CharField(label=_("Caller's number"), max_length=32)
    direction = forms.ChoiceField(label=_("Direction"), choices=Direction.choices, initial="in")
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=0, max_value=600, initial=0
    )
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class WrapUpForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"))
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    resolve = forms.BooleanField(label=_("Resolved during the call"), required=False)

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [(c.slug, c.name) for c in categories]


class CallbackResultForm(forms.Form):
    result = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (Callback.Result.REACHED, Callback.Result.REACHED.label),
            (Callback.Result.NO_ANSWER, Callback.Result.NO_ANSWER.label),
            (Callback.Result.WRONG_NUMBER, Callback.Result.WRONG_NUMBER.label),
        ],
    )
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
