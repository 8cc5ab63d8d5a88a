"""Seed the category taxonomy, SLA targets, the weekly schedule (08:00-20:00 every day) and the
two default shifts, and give the contact-center roles their permissions."""

import datetime as dt

from django.db import migrations

from prakerja.core.migration_helpers import grant

CATEGORIES = [
    ("registration", "Pendaftaran", "Registration"),
    ("account", "Akun dan masuk", "Account and log-in"),
    ("account-linking", "Penautan akun e-wallet/bank", "Linking an e-wallet or bank account"),
    ("training", "Memilih pelatihan", "Choosing a training"),
    ("certificate", "Sertifikat", "Certificate"),
    ("incentive", "Insentif", "Incentive"),
    ("other", "Lainnya", "Other"),
]
# priority: (first response, resolution) in business minutes
SLA = {"urgent": (30, 240), "high": (60, 480), "normal": (240, 2160), "low": (480, 3600)}
SHIFTS = [("pagi", "Pagi", dt.time(8), dt.time(14)), ("siang", "Siang", dt.time(14), dt.time(20))]

AGENT_PERMS = [
    "helpdesk.view_ticket",
    "helpdesk.change_ticket",
    "helpdesk.view_message",
    "helpdesk.add_message",
    "helpdesk.view_category",
    "helpdesk.view_cannedresponse",
    "helpdesk.view_article",
]
SUPERVISOR_PERMS = AGENT_PERMS + [
    f"helpdesk.{verb}_{model}"
    for model in (
        "category",
        "cannedresponse",
        "article",
        "shift",
        "rosterentry",
        "weeklyhours",
        "hoursexception",
        "slatarget",
        "agentpresence",
    )
    for verb in ("view", "add", "change", "delete")
]


def seed(apps, schema_editor):
    Category = apps.get_model("helpdesk", "Category")
    SlaTarget = apps.get_model("helpdesk", "SlaTarget")
    WeeklyHours = apps.get_model("helpdesk", "WeeklyHours")
    Shift = apps.get_model("helpdesk", "Shift")
    for position, (slug, name_id, name_en) in enumerate(CATEGORIES):
        Category.objects.update_or_create(
            slug=slug, defaults={"name_id": name_id, "name_en": name_en, "position": position}
        )
    for priority, (first, resolution) in SLA.items():
        SlaTarget.objects.update_or_create(
            priority=priority,
            defaults={"first_response_minutes": first, "resolution_minutes": resolution},
        )
    for weekday in range(7):
        WeeklyHours.objects.get_or_create(
            weekday=weekday, defaults={"opens_at": dt.time(8), "closes_at": dt.time(20)}
        )
    for code, name, starts, ends in SHIFTS:
        Shift.objects.get_or_create(
            code=code, defaults={"name": name, "starts_at": starts, "ends_at": ends}
        )
    grant(apps, "agent", AGENT_PERMS)
    grant(apps, "supervisor", SUPERVISOR_PERMS)


class Migration(migrations.Migration):
    dependencies = [("helpdesk", "0001_initial"), ("core", "0002_roles")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
