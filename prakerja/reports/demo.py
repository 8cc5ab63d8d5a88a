"""Demo history: a year of imported reports so the report pages have something to show."""

import csv
import datetime as dt
import os
import random
import tempfile

from prakerja.core import clock

from .importing import COLUMNS, import_tickets
from .models import TicketFact

DEMO_ROWS = 3000


def _rows(rnd: random.Random, year: int):  # demo data, not security-relevant
    channels = ["web"] * 3 + ["email"] * 3 + ["chat"] * 3 + ["phone"] * 2
    slow = ("web", "email")  # answered in hours, not minutes
    categories = [
        "registration",
        "account",
        "account-linking",
        "training",
        "certificate",
        "incentive",
        "other",
    ]
    start = dt.datetime(year, 1, 1, tzinfo=clock.JAKARTA)
    for n in range(DEMO_ROWS):
        channel = rnd.choice(channels)
        created = start + dt.timedelta(
            days=rnd.randrange(365), hours=rnd.randrange(8, 20), minutes=rnd.randrange(60)
        )
        first = created + dt.timedelta(minutes=rnd.expovariate(1 / (90 if channel in slow else 4)))
        resolved = first + dt.timedelta(
            minutes=rnd.expovariate(1 / (600 if channel in slow else 20))
        )
        done = rnd.random() < 0.95
        rating = (
            str(rnd.choices([1, 2, 3, 4, 5], [5, 5, 10, 35, 45])[0])
            if done and rnd.random() < 0.45
            else ""
        )
        yield [
            f"DEMO-{year}-{n:05d}",
            channel,
            rnd.choice(categories),
            created.isoformat(),
            first.isoformat(),
            resolved.isoformat() if done else "",
            rating,
            f"agen{rnd.randrange(1, 9)}",
        ]


def seed(*, stdout) -> None:
    year = clock.local_now().year - 1
    if TicketFact.objects.filter(reference__startswith=f"DEMO-{year}-").exists():
        stdout.write("reports: demo history already loaded")
        return
    handle, path = tempfile.mkstemp(suffix=".csv")
    try:
        with os.fdopen(handle, "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(COLUMNS)
            writer.writerows(_rows(random.Random(year), year))  # noqa: S311 - demo data
        result = import_tickets(path)
    finally:
        os.unlink(path)
    stdout.write(
        f"reports: {result.inserted} demo reports of {year} imported (see /laporan/ and /statistik/)"
    )
