from django.db import migrations

from prakerja.core.migration_helpers import grant

ROLE_PERMISSIONS = {
    "participant": [],
    "agent": [],
    "supervisor": ["core.view_auditlog", "accounts.view_user"],
    "pmo_admin": [
        "core.view_auditlog",
        "core.view_apitoken",
        "core.add_apitoken",
        "core.change_apitoken",
        "accounts.view_user",
        "accounts.change_user",
    ],
}


def create_roles(apps, schema_editor):
    for role, perms in ROLE_PERMISSIONS.items():
        grant(apps, role, perms)


def drop_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_roles, drop_roles)]
