from django_tasks import task


@task()
def verify_identity(identity_id: int) -> str:
    """Verify one identity through the configured adapter (population registry or offline)."""
    from .models import Identity
    from .services import identity_verify

    identity = Identity.objects.filter(pk=identity_id).first()
    if identity is None:
        return "missing"
    return identity_verify(identity=identity).status
