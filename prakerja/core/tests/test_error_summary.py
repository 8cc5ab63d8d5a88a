from django import forms
from django.template import Context, Template


class _Form(forms.Form):
    email = forms.EmailField()
    note = forms.CharField(required=False, help_text="Anything else")
    token = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self):
        raise forms.ValidationError("Whole form refused")


def _render(source, *more) -> str:
    template = Template("{% load error_summary %}{% error_summary source more %}")
    return template.render(Context({"source": source, "more": more[0] if more else None}))


def test_a_form_links_each_field_error_to_its_field_and_lists_its_own_errors_plainly():
    form = _Form(data={"email": "not-an-address"})
    html = _render(form)
    assert "data-error-summary" in html
    assert 'tabindex="-1"' in html
    assert "<li>Whole form refused</li>" in html
    assert '<a href="#id_email">' in html
    # The field names its message by Django's id, which the summary's field include renders.
    assert 'aria-describedby="id_email_error"' in str(form["email"])
    assert 'aria-invalid="true"' in str(form["email"])


def test_an_errors_mapping_and_a_message_share_one_summary():
    html = _render({"phone": ["Enter a mobile number."], "form": ["Check the form."]}, "Later.")
    assert html.count("data-error-summary") == 1
    assert '<a href="#id_phone">Enter a mobile number.</a>' in html
    assert "<li>Check the form.</li>" in html
    assert "<li>Later.</li>" in html


def test_nothing_to_say_renders_nothing():
    assert _render({}).strip() == ""
    assert _render(_Form()).strip() == ""  # an unbound form has no errors
