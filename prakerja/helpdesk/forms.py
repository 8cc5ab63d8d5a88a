"""Forms only parse input; the rules live in services (their ValidationFailed errors are mapped
back onto the form's fields)."""

from django import forms
from django.utils.choices import CallableChoiceIterator
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .models import Priority, TicketStatus
from .selectors import active_categories
from .services.staff import ROSTER_HEADER


def category_choices():
    return [(c.slug, c.name) for c in active_categories()]


class ComplaintForm(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail address"), required=False)
    phone = forms.CharField(label=_("Mobile number"), max_length=20, required=False)
    # The service checks the category (as it does for the API): the list is read only to draw
    # the select, so a report sent costs no read of it here.
    category = forms.CharField(
        label=_("Category"), widget=forms.Select(choices=CallableChoiceIterator(category_choices))
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(
        label=_("What happened?"), widget=forms.Textarea(attrs={"rows": 6}), max_length=10_000
    )
    attachment = forms.FileField(
        label=_("Attachment (JPG, PNG or PDF, at most 5 MB)"), required=False
    )
    # Honeypot: hidden from people with CSS and aria-hidden; bots fill every field.
    website = forms.CharField(required=False, label=_("Leave this empty"))

    def __init__(self, *args, logged_in: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not logged_in:
            self.fields["name"].required = True
            self.fields["email"].required = True

    def apply_errors(self, errors: dict) -> None:
        for field, messages in errors.items():
            target = field if field in self.fields else None
            for message in messages:
                self.add_error(target, message)


class TrackForm(forms.Form):
    reference = forms.CharField(label=_("Reference number"), max_length=20)
    email = forms.EmailField(label=_("E-mail address used in the report"))


class RequesterReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"), widget=forms.Textarea(attrs={"rows": 4}), max_length=10_000
    )


class AgentReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Message"), widget=forms.Textarea(attrs={"rows": 5}), max_length=10_000
    )
    internal = forms.BooleanField(
        label=_("Internal note (not shown to the requester)"), required=False
    )
    seen = forms.IntegerField(widget=forms.HiddenInput, required=False)
    confirm = forms.BooleanField(widget=forms.HiddenInput, required=False)
    client_msg_id = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)


class TicketUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=TicketStatus.choices)
    category = forms.ChoiceField(label=_("Category"), choices=())
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    # A username, as in the API (the service decides who may name whom). Supervisors pick from
    # `assignees`; agents keep it hidden and take a ticket with "Take it".
    assignee = forms.CharField(
        label=_("Assignee"), required=False, max_length=150, widget=forms.HiddenInput
    )

    def __init__(self, *args, assignees=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()
        if assignees is not None:
            self.fields["assignee"].widget = forms.Select(
                choices=[
                    ("", _("Unassigned")),
                    *((u.get_username(), u.get_full_name() or u.get_username()) for u in assignees),
                ]
            )


class RosterImportForm(forms.Form):
    file = forms.FileField(label=format_lazy(_("CSV file ({header})"), header=ROSTER_HEADER))
