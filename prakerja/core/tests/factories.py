import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from prakerja.core.roles import Role


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    full_name = factory.Faker("name", locale="id_ID")
    password = factory.django.Password("secret-pass-123")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for role in extracted or ():
            self.groups.add(Group.objects.get(name=role))


def user_with_role(role: Role, **kwargs):
    return UserFactory(roles=[role], **kwargs)


def audit_log_text() -> str:
    """Every audit entry's labels and details as one string, to look for personal data in."""
    import json

    from prakerja.core.models import AuditLog

    rows = AuditLog.objects.values("actor_label", "object_label", "before", "after")
    return json.dumps(list(rows), ensure_ascii=False)
