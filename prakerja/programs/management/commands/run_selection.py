import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from prakerja.core.errors import DomainError
from prakerja.programs import selectors, services


class Command(BaseCommand):
    help = (
        "Run selection for a closed wave: verified applicants by join time up to the quota. "
        "Results are shown to participants from --announce-at (default: now)."
    )

    def add_arguments(self, parser):
        parser.add_argument("number", type=int, help="wave number")
        parser.add_argument(
            "--announce-at",
            type=dt.datetime.fromisoformat,
            default=None,
            help="ISO time with offset, e.g. 2026-12-20T10:00:00+07:00",
        )

    def handle(self, *args, number, announce_at, **options):
        if announce_at is not None and announce_at.tzinfo is None:
            raise CommandError("--announce-at needs a UTC offset, e.g. +07:00")
        try:
            wave = selectors.wave_get(number=number)
            result = services.wave_run_selection(wave=wave, actor=None, announce_at=announce_at)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(
            f"wave {result['wave']}: {result['selected']} selected, "
            f"{result['not_selected']} not selected"
        )
