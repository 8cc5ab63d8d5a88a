import datetime as dt
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from prakerja.reports import selectors
from prakerja.reports.models import DailyRollup, TicketFact

pytestmark = pytest.mark.django_db

HEADER = "reference,channel,category,created_at,first_response_at,resolved_at,csat_rating,agent\n"
GOOD = [
    "H-1,chat,registration,2026-01-31T23:30:00+07:00,2026-02-01T08:05:00+07:00,2026-02-01T09:00:00+07:00,5,budi\n",
    "H-2,phone,account,2026-01-10 10:00:00,2026-01-10 10:01:00,2026-01-10 10:20:00,2,sari\n",
    "H-3,web,other,2026-02-03T03:00:00+00:00,,,,\n",
]


def _write(tmp_path: Path, lines, name="in.csv") -> str:
    path = tmp_path / name
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    return str(path)


def test_import_loads_facts_and_rollups(tmp_path, capsys):
    call_command("import_tickets", _write(tmp_path, GOOD), "--no-progress")
    assert "3 diimpor" in capsys.readouterr().out  # commands speak Indonesian (LANGUAGE_CODE)
    h1 = TicketFact.objects.get(reference="H-1")
    # 23:30 WIB on Jan 31 counts on Jan 31; 08:00-20:00 hours: 5 business minutes to answer.
    assert (h1.local_date, h1.local_hour) == (dt.date(2026, 1, 31), 23)
    assert h1.first_response_seconds == 300
    assert h1.resolution_seconds == 3600
    assert h1.survey_sent
    assert h1.rating == 5
    assert not h1.is_open
    h2 = TicketFact.objects.get(reference="H-2")  # no offset: read as WIB
    assert h2.created_at == dt.datetime(2026, 1, 10, 3, 0, tzinfo=dt.UTC)
    h3 = TicketFact.objects.get(reference="H-3")
    assert h3.local_date == dt.date(2026, 2, 3)
    assert h3.local_hour == 10
    assert h3.is_open
    summary = selectors.summary(start=dt.date(2026, 1, 1), end=dt.date(2026, 2, 28))
    assert summary["by_channel"] == {"chat": 1, "phone": 1, "web": 1, "email": 0}
    assert summary["csat"]["chat"] == 100.0
    assert summary["csat"]["phone"] == 0.0
    assert summary["csat"]["response_rate"] == 100.0  # 2 resolved -> 2 surveys, 2 answers


def test_rerun_adds_nothing(tmp_path, capsys):
    path = _write(tmp_path, GOOD)
    call_command("import_tickets", path, "--no-progress")
    before = list(DailyRollup.objects.order_by("id").values())
    call_command("import_tickets", path, "--no-progress")
    assert "0 diimpor, 3 sudah ada" in capsys.readouterr().out
    assert TicketFact.objects.count() == 3
    assert list(DailyRollup.objects.order_by("id").values()) == before


def test_bad_rows_are_reported_with_line_numbers_and_nothing_is_loaded(tmp_path, capsys):
    lines = [
        GOOD[0],
        "H-4,fax,other,2026-01-01T10:00:00+07:00,,,,\n",  # line 3: unknown channel
        "H-5,web,nope,2026-01-01T10:00:00+07:00,,,,\n",  # line 4: unknown category
        "H-6,web,other,yesterday,,,,\n",  # line 5: bad time
        "H-7,web,other,2026-01-02T10:00:00+07:00,2026-01-01T10:00:00+07:00,,,\n",  # 6: before
        "H-8,web,other,2026-01-02T10:00:00+07:00,,,4,\n",  # line 7: rating without resolution
        "H-9,web,other,2026-01-02T10:00:00+07:00,,2026-01-03T10:00:00+07:00,9,\n",  # 8: rating 9
        "H-10,web,other\n",  # line 9: short row
        GOOD[1],
    ]
    with pytest.raises(CommandError, match="7 baris salah; tidak ada yang diimpor"):
        call_command("import_tickets", _write(tmp_path, lines), "--no-progress")
    err = capsys.readouterr().err
    for line, words in [
        (3, "kanal tidak dikenal 'fax'"),
        (4, "kategori tidak dikenal 'nope'"),
        (5, "created_at bukan waktu ISO 8601"),
        (6, "first_response_at lebih awal dari created_at"),
        (7, "csat_rating memerlukan resolved_at"),
        (8, "csat_rating harus 1 sampai 5"),
        (9, "seharusnya 8 kolom"),
    ]:
        assert f"baris {line}: {words}" in err, (line, words, err)
    assert "baris 2:" not in err
    assert "baris 10:" not in err
    assert TicketFact.objects.count() == 0
    assert DailyRollup.objects.count() == 0


def test_duplicate_references_in_the_file_load_nothing(tmp_path, capsys):
    lines = [GOOD[0], GOOD[1], GOOD[0].replace("chat", "web")]
    with pytest.raises(CommandError, match="tidak ada yang diimpor"):
        call_command("import_tickets", _write(tmp_path, lines), "--no-progress")
    assert "baris 4: reference H-1 muncul 2 kali (pertama di baris 2)" in capsys.readouterr().err
    assert TicketFact.objects.count() == 0
    assert DailyRollup.objects.count() == 0


def test_wrong_header_and_missing_file(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("id,channel\n1,web\n")
    with pytest.raises(CommandError, match="1 baris salah"):
        call_command("import_tickets", str(path), "--no-progress")
    with pytest.raises(CommandError, match="berkas tidak ada"):
        call_command("import_tickets", str(tmp_path / "missing.csv"), "--no-progress")


def test_progress_bar_is_shown(tmp_path, capsys):
    call_command("import_tickets", _write(tmp_path, GOOD))
    err = capsys.readouterr().err
    assert "reading" in err
    assert "100.0%" in err
    assert "rollups" in err
