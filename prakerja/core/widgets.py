"""Form widgets shared by every app."""

from django import forms


class DateInput(forms.DateInput):
    """`<input type="date">` with its value written `YYYY-MM-DD`, the only form a browser's date
    field takes, whatever the page's language (the Indonesian short format `01-01-2026` leaves
    the field blank)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")
