from django.core.management.base import BaseCommand, CommandError

from prakerja.core.errors import DomainError
from prakerja.training.services import platform_create


class Command(BaseCommand):
    help = (
        "Create a partner platform (mitra platform digital) with its integration user and print "
        "that user's API token, once, as the last word."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the platform's code, e.g. skillku")
        parser.add_argument("--name", required=True, help="the platform's name")

    def handle(self, *args, slug: str, name: str, **options):
        try:
            platform, token = platform_create(slug=slug, name=name)
        except DomainError as exc:
            details = "; ".join(m for msgs in exc.errors.values() for m in msgs)
            raise CommandError(f"{exc.message} {details}".strip()) from exc
        self.stdout.write(
            f"platform {platform.slug} ({platform.name}), user {platform.user.username}, "
            f"API token (shown once): {token}"
        )
