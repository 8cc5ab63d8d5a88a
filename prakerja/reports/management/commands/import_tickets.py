"""manage.py import_tickets FILE.csv: load past reports (all or nothing, safe to re-run)."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from prakerja.reports.importing import ImportFailed, import_tickets
from prakerja.reports.progress import ProgressBar

STAGES = {"read": "reading", "rollups": "rollups"}


class Command(BaseCommand):
    help = (
        "Import past reports from CSV (reference, channel, category, created_at, "
        "first_response_at, resolved_at, csat_rating, agent). Validates every row first and "
        "loads nothing if any row is bad; references already loaded are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--no-progress", action="store_true", help="Hide the progress bar.")

    def handle(self, *args, file, no_progress=False, **options):
        bars: dict[str, ProgressBar] = {}

        def progress(stage, done, total, count):
            if no_progress:
                return
            bar = bars.get(stage)
            if bar is None:
                for other in bars.values():
                    other.finish()
                bars.clear()
                bar = bars[stage] = ProgressBar(
                    total=total, label=STAGES.get(stage, stage), stream=self.stderr, unit="rows"
                )
            bar.update(done, count=count, force=done >= total)

        started = time.monotonic()
        try:
            result = import_tickets(file, stage_progress=progress)
        except FileNotFoundError as exc:
            raise CommandError(_("%(file)s: no such file") % {"file": exc.filename}) from None
        except ImportFailed as exc:
            for bar in bars.values():
                bar.finish()
            for line, message in exc.errors:
                self.stderr.write(
                    _("line %(line)d: %(message)s") % {"line": line, "message": message}
                )
            if exc.error_count > len(exc.errors):
                self.stderr.write(
                    _("... and %(n)d more bad rows") % {"n": exc.error_count - len(exc.errors)}
                )
            raise CommandError(
                _("%(n)d bad rows; nothing was imported.") % {"n": exc.error_count}
            ) from None
        for bar in bars.values():
            bar.finish()
        if options["verbosity"] > 1:
            for phase, seconds in result.seconds.items():
                self.stdout.write(f"  {phase}: {seconds:.1f} s")
        elapsed = max(time.monotonic() - started, 1e-9)
        self.stdout.write(
            _(
                "%(rows)d rows read, %(inserted)d imported, %(skipped)d already present, "
                "in %(seconds).1f s (%(rate)d rows/s)."
            )
            % {
                "rows": result.rows,
                "inserted": result.inserted,
                "skipped": result.skipped_existing,
                "seconds": elapsed,
                "rate": result.rows / elapsed,
            }
        )
