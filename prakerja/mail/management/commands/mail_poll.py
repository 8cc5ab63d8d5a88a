from django.core.management.base import BaseCommand

from prakerja.mail.imap import inbox_poll


class Command(BaseCommand):
    help = (
        "Poll the mailbox once (EMAIL_INBOX_URL, or --url) and print what became of each message."
    )

    def add_arguments(self, parser):
        parser.add_argument("--url", default="", help="imap(s)://user:pass@host:port/MAILBOX")

    def handle(self, *args, url="", **options):
        results = inbox_poll(url=url)
        for result in results:
            self.stdout.write(result.line)
        self.stdout.write(f"{len(results)} message(s)")
