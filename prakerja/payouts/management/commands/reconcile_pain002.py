from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from prakerja.payouts.incentives import pain002_reconcile


class Command(BaseCommand):
    help = "Settle incentive payments from a bank's ISO 20022 pain.002 status report."

    def add_arguments(self, parser):
        parser.add_argument("report", type=Path)

    def handle(self, *args, report: Path, **options):
        if not report.is_file():
            raise CommandError(f"no such file: {report}")
        try:
            counts = pain002_reconcile(report)
        except (ValueError, SyntaxError) as exc:
            raise CommandError(f"not a pain.002 report: {exc}") from exc
        self.stdout.write(
            f"paid {counts['paid']}, failed {counts['failed']}, pending {counts['pending']}"
        )
