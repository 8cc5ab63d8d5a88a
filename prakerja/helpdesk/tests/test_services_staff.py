import datetime as dt

import pytest
from django.utils import translation

from prakerja.core.errors import ValidationFailed
from prakerja.helpdesk import services
from prakerja.helpdesk.forms import RosterImportForm
from prakerja.helpdesk.models import RosterEntry

from .factories import agent, supervisor

pytestmark = pytest.mark.django_db

ROWS = "2026-03-10,pagi,agen1\n2026-03-10,siang,agen2\n"


@pytest.fixture
def agents():
    return agent(username="agen1"), agent(username="agen2")


def roster() -> set[tuple[str, str, dt.date]]:
    return set(RosterEntry.objects.values_list("agent__username", "shift__code", "date"))


@pytest.mark.parametrize(
    "header",
    [
        "date,shift,username",  # as the form names it in English
        "tanggal,shift,nama pengguna",  # ... and in Bahasa Indonesia
        "Tanggal, Shift, Nama Pengguna",  # retyped by hand
        "",  # no header
    ],
)
def test_roster_import_accepts_the_header_the_form_names_or_none(agents, header):
    text = f"{header}\n{ROWS}" if header else ROWS
    result = services.roster_import_csv(text=text, actor=supervisor())
    assert result == {"created": 2, "skipped": 0}
    day = dt.date(2026, 3, 10)
    assert roster() == {("agen1", "pagi", day), ("agen2", "siang", day)}


def test_roster_import_reads_a_spreadsheet_saved_with_semicolons(agents):
    """A spreadsheet set to Indonesian saves CSV with ";" (the comma is its decimal separator)."""
    text = "tanggal;shift;nama pengguna\n" + ROWS.replace(",", ";")
    result = services.roster_import_csv(text=text, actor=supervisor())
    assert result == {"created": 2, "skipped": 0}
    assert len(roster()) == 2


def label(language: str) -> str:
    with translation.override(language):
        return str(RosterImportForm().fields["file"].label)


def test_the_form_names_the_header_the_import_accepts(agents):
    assert label("id") == "Berkas CSV (tanggal,shift,nama pengguna)"
    assert label("en") == "CSV file (date,shift,username)"
    for language in ("id", "en"):
        text = label(language)
        header = text[text.index("(") + 1 : text.rindex(")")]
        services.roster_import_csv(text=f"{header}\n{ROWS}", actor=supervisor())
    assert len(roster()) == 2


def test_a_bad_line_is_refused_with_its_number_and_nothing_is_imported(agents):
    text = (
        "tanggal,shift,nama pengguna\n"
        "2026-03-10,pagi,agen1\n"
        "\n"
        "2026-03-10,pagi\n"  # line 4: a column short
        "10/03/2026,pagi,agen2\n"  # line 5: not an ISO date
        "date,shift,username\n"  # line 6: a header is only allowed first
    )
    with translation.override("en"), pytest.raises(ValidationFailed) as exc:
        services.roster_import_csv(text=text, actor=supervisor())
    assert exc.value.errors["file"] == [
        "Line 4: expected date,shift,username.",
        "Line 5: date must look like 2026-01-31.",
        "Line 6: date must look like 2026-01-31.",
    ]
    with translation.override("id"), pytest.raises(ValidationFailed) as exc:
        services.roster_import_csv(text=text, actor=supervisor())
    assert exc.value.errors["file"][0] == "Baris 4: seharusnya tanggal,shift,nama pengguna."
    assert roster() == set()
