from django.core.management.base import BaseCommand, CommandError

from prakerja.core.errors import DomainError
from prakerja.payouts.ledger import budget_allocate
from prakerja.programs.models import Wave


class Command(BaseCommand):
    help = (
        "Record money the state budget gives the program (or one wave). With --reference (the "
        "budget document), running it again allocates nothing more."
    )

    def add_arguments(self, parser):
        parser.add_argument("--amount", type=int, required=True, help="rupiah")
        parser.add_argument("--note", default="")
        parser.add_argument("--reference", default="", help="e.g. the DIPA number")
        parser.add_argument("--wave", type=int, help="the wave's number; none: the whole program")

    def handle(self, *args, amount: int, note: str, reference: str, wave: int | None, **options):
        try:
            wave_obj = None if wave is None else Wave.objects.get(number=wave)
        except Wave.DoesNotExist as exc:
            raise CommandError(f"wave_not_found: no wave {wave}") from exc
        try:
            allocation, created = budget_allocate(
                amount=amount, wave=wave_obj, note=note[:200], reference=reference[:64]
            )
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        verb = "allocated" if created else "already allocated"
        self.stdout.write(f"{verb} Rp {allocation.amount} (#{allocation.pk})")
