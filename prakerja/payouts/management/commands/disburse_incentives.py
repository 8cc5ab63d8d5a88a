from django.core.management.base import BaseCommand

from prakerja.payouts.incentives import BATCH_SIZE, incentives_disburse


class Command(BaseCommand):
    help = (
        "Pay the incentives due now to the participants' linked accounts, in batches. Idempotent "
        "and safe to run concurrently; resumes batches a run that died left behind."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)

    def handle(self, *args, batch_size: int, **options):
        result = incentives_disburse(size=batch_size)
        self.stdout.write(f"sent {result.sent}, failed {result.failed}")
