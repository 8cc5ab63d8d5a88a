"""manage.py compact_rollups: fold appended rollup rows into one per key (run daily)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from prakerja.reports.services import rollups_compact


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"not a date (YYYY-MM-DD): {value}") from None


class Command(BaseCommand):
    help = "Fold rollup rows per key (default: all dates before today, WIB). Sums do not change."

    def add_arguments(self, parser):
        parser.add_argument("--start", type=_date)
        parser.add_argument("--end", type=_date)

    def handle(self, *args, start=None, end=None, **options):
        rollups_compact(start=start, end=end)
        self.stdout.write("Rollups compacted.")
