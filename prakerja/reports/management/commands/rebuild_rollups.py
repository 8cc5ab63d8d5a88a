"""manage.py rebuild_rollups: recompute the report rollups from the ticket facts."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from prakerja.reports.progress import ProgressBar
from prakerja.reports.services import rollup_rebuild


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"not a date (YYYY-MM-DD): {value}") from None


class Command(BaseCommand):
    help = "Recompute rollups from the facts in one transaction (default: all dates)."

    def add_arguments(self, parser):
        parser.add_argument("--start", type=_date, help="First WIB date (YYYY-MM-DD).")
        parser.add_argument("--end", type=_date, help="Last WIB date (YYYY-MM-DD).")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, start=None, end=None, no_progress=False, **options):
        bar: list[ProgressBar] = []

        def progress(done, total):
            if no_progress:
                return
            if not bar:
                bar.append(ProgressBar(total=total, label="rollups", stream=self.stderr))
            bar[0].update(done, force=True)

        rebuilt = rollup_rebuild(start=start, end=end, progress=progress)
        if bar:
            bar[0].finish()
        if rebuilt is None:
            self.stdout.write("No report facts: nothing to rebuild.")
        else:
            self.stdout.write(f"Rebuilt rollups for {rebuilt[0]} to {rebuilt[1]}.")
