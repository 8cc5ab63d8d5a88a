import sys

from django.core.management.base import BaseCommand

from prakerja.mail.services import mail_ingest


class Command(BaseCommand):
    help = (
        "Take one RFC 5322 message from FILE (or standard input, for a mail server that pipes "
        "to a command). Prints, last, the ticket reference it went to or `ignored: <reason>`."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="the message file; standard input if absent")

    def handle(self, *args, file=None, **options):
        if file and file != "-":
            with open(file, "rb") as handle:
                raw = handle.read()
        else:
            raw = sys.stdin.buffer.read()
        result = mail_ingest(raw=raw)
        if result.reason and not result.reference:
            self.stdout.write(f"{result.outcome}: {result.reason}")
        self.stdout.write(result.line)
