from django.core.management.base import BaseCommand

from prakerja.livechat.services import chats_sweep


class Command(BaseCommand):
    help = (
        "Close idle live chats (with a notice to both sides) and dispatch waiting chats, once. "
        "`manage.py scheduler` runs the same pass every LIVECHAT_SWEEP_EVERY_SECONDS."
    )

    def handle(self, *args, **options):
        result = chats_sweep()
        self.stdout.write(
            f"closed {result['closed']} idle chat(s), assigned {result['assigned']} waiting chat(s)"
        )
