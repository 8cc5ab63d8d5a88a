from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Load demo data (idempotent): each domain app's demo.seed(), in DOMAIN_APPS order."

    def handle(self, *args, **options):
        for app in settings.DOMAIN_APPS:
            try:
                module = import_module(f"{app}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.demo":
                    raise
                continue
            module.seed(stdout=self.stdout)
