from django import forms
from django.utils.translation import gettext_lazy as _

from prakerja.core.widgets import DateInput

from .models import Education, Gender, WorkStatus
from .nik import PROVINCES


class SignupForm(forms.Form):
    """Only parses input; the rules live in services.account_register."""

    full_name = forms.CharField(label=_("Full name"), max_length=150)
    email = forms.CharField(label=_("E-mail"), max_length=254)
    phone = forms.CharField(label=_("Mobile number"), max_length=30)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)


class IdentityForm(forms.Form):
    nik = forms.CharField(label=_("NIK (16 digits)"), max_length=16, min_length=16)
    kk_number = forms.CharField(label=_("Family card (KK) number"), max_length=16, min_length=16)
    full_name = forms.CharField(label=_("Full name as on the ID card"), max_length=150)
    birth_date = forms.DateField(label=_("Birth date"), widget=DateInput())
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices)
    province = forms.ChoiceField(
        label=_("Province"), choices=sorted(PROVINCES.items(), key=lambda p: p[1])
    )
    city = forms.CharField(label=_("City or regency"), max_length=100)
    education = forms.ChoiceField(label=_("Education"), choices=Education.choices)
    work_status = forms.ChoiceField(label=_("Work status"), choices=WorkStatus.choices)
    declared_not_student = forms.BooleanField(
        label=_("I am not in school or university."), required=False
    )
    declared_not_official = forms.BooleanField(
        label=_(
            "I am not a civil servant, soldier, police officer, village official or "
            "state-enterprise board member."
        ),
        required=False,
    )


class IdCardForm(forms.Form):
    id_card = forms.FileField(label=_("Photo of your ID card (KTP), JPEG or PNG, at most 2 MB"))
