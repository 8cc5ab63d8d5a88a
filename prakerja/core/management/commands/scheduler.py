from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from prakerja.core import scheduler


class Command(BaseCommand):
    help = (
        "Run the periodic jobs the apps register (routing, idle chats, auto-close, ...) until "
        "SIGTERM/SIGINT. Run it on one node or on every node: one leads and runs the jobs, the "
        "others take over when it stops."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help="run the jobs once if this process can lead, exit"
        )
        parser.add_argument(
            "--job",
            action="append",
            default=[],
            dest="names",
            metavar="NAME",
            help="run only this job (repeatable)",
        )
        parser.add_argument(
            "--tick",
            type=float,
            default=None,
            help="longest sleep of the leader between checks, seconds (SCHEDULER_TICK_SECONDS)",
        )
        parser.add_argument(
            "--retry",
            type=float,
            default=None,
            help="seconds between a follower's tries for the lead (SCHEDULER_RETRY_SECONDS)",
        )

    def handle(self, *args, once: bool, names: list[str], tick, retry, **options):
        if settings.DATABASE_PGBOUNCER:
            raise CommandError(
                "The scheduler's lead is a session advisory lock, which a transaction-mode pool "
                "would hand to other clients: run it with DATABASE_PGBOUNCER=0 and DATABASE_URL "
                "pointing at PostgreSQL or at a session-mode pool (docs/OPERATIONS.md, Deploy)."
            )
        try:
            jobs = scheduler.jobs_named(names)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        with scheduler.SignalStop() as stop:
            led = scheduler.run(
                jobs=jobs,
                leadership=scheduler.leadership_for(),
                stop=stop,
                tick=settings.SCHEDULER_TICK_SECONDS if tick is None else tick,
                retry=settings.SCHEDULER_RETRY_SECONDS if retry is None else retry,
                once=once,
            )
        if once and not led:
            self.stderr.write("Another scheduler leads: nothing was run.")
