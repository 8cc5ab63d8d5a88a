"""Helpers for data migrations that give roles (groups) their permissions.

Later apps call `grant(apps, role, ["helpdesk.view_ticket", ...])` from their own migration;
permissions are created first because post_migrate has not run yet on a fresh database.
"""

from django.contrib.auth.management import create_permissions
from django.contrib.contenttypes.management import create_contenttypes


def ensure_permissions(apps, app_labels: set[str]) -> None:
    for label in app_labels:
        config = apps.get_app_config(label)
        # Migration state app configs are stubs; both helpers skip a config without models_module.
        config.models_module = True
        create_contenttypes(config, apps=apps, verbosity=0)
        create_permissions(config, apps=apps, verbosity=0)
        config.models_module = None


def grant(apps, role: str, perms: list[str]) -> None:
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ensure_permissions(apps, {p.split(".", 1)[0] for p in perms})
    group, _ = Group.objects.get_or_create(name=role)
    for perm in perms:
        app_label, codename = perm.split(".", 1)
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
