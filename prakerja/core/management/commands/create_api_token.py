from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from prakerja.core.services import api_token_create


class Command(BaseCommand):
    help = "Create an integration token for a user and print it once (it is stored hashed)."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="username the token acts as")
        parser.add_argument("--name", required=True, help="what the token is for, e.g. 'pbx'")

    def handle(self, *args, user: str, name: str, **options):
        User = get_user_model()
        try:
            owner = User.objects.get_by_natural_key(user)
        except User.DoesNotExist as exc:
            raise CommandError(f"No user {user!r}.") from exc
        if owner.api_tokens.filter(name=name).exists():
            raise CommandError(f"{user!r} already has a token named {name!r}.")
        _, raw = api_token_create(user=owner, name=name)
        self.stdout.write(raw)
