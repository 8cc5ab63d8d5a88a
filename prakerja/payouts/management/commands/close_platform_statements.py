from django.core.management.base import BaseCommand, CommandError

from prakerja.core.errors import DomainError
from prakerja.payouts.settlement import month_parse, platform_statements_close


class Command(BaseCommand):
    help = (
        "Close every partner platform's statement for a month that has ended (by default the "
        "previous one): what the program owes each for the vouchers redeemed. Idempotent; a "
        "statement is closed once and never changes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM; by default the previous month")

    def handle(self, *args, month: str | None, **options):
        try:
            closed = platform_statements_close(month=month_parse(month) if month else None)
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        self.stdout.write(f"closed {closed}")
