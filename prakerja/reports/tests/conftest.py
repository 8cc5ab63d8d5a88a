import pytest

from prakerja.core.roles import Role


@pytest.fixture
def reference_data():
    """Transactional tests run on a flushed database (another one may have emptied it): put back
    the rows migrations seed that this journey needs (roles, categories, SLA targets)."""
    from importlib import import_module

    from django.contrib.auth.models import Group

    from prakerja.helpdesk.models import Category, SlaTarget

    seed = import_module("prakerja.helpdesk.migrations.0002_seed")
    for role in Role.values:
        Group.objects.get_or_create(name=role)
    for position, (slug, name_id, name_en) in enumerate(seed.CATEGORIES):
        Category.objects.update_or_create(
            slug=slug, defaults={"name_id": name_id, "name_en": name_en, "position": position}
        )
    for priority, (first, resolution) in seed.SLA.items():
        SlaTarget.objects.update_or_create(
            priority=priority,
            defaults={"first_response_minutes": first, "resolution_minutes": resolution},
        )
