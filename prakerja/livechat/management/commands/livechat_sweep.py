"""Close idle chats and offer waiting chats to free agents. Run every minute (cron/systemd timer),
or keep it running with `--every 30`."""

import time

from django.core.management.base import BaseCommand

from prakerja.livechat import services


class Command(BaseCommand):
    help = "Close idle live chats (with a notice to both sides) and dispatch waiting chats."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=int, default=0, help="repeat every N seconds")

    def handle(self, *args, every: int = 0, **options):
        while True:
            closed = services.chats_close_idle()
            assigned = services.chats_dispatch()
            self.stdout.write(f"closed {closed} idle chat(s), assigned {assigned} waiting chat(s)")
            if not every:
                return
            time.sleep(every)
