from django.core.management.base import BaseCommand

from prakerja.helpdesk.services import routing_drain, tickets_close_resolved


class Command(BaseCommand):
    help = (
        "Offer the unassigned queue to available agents and close tickets resolved more than "
        "7 days ago, once. `manage.py scheduler` runs both on its own (jobs helpdesk.route and "
        "helpdesk.autoclose)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=200)

    def handle(self, *args, limit, **options):
        assigned = routing_drain(limit=limit)
        closed = tickets_close_resolved()
        self.stdout.write(f"assigned {assigned}, closed {closed}")
