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


@task()
def account_welcome_send(user_id: int, language: str) -> str:
    """After a sign-up commits: the first SMS code and the e-mail confirmation link."""
    from .models import User
    from .services import account_welcome_send as welcome_send

    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return "missing"
    welcome_send(user=user, language=language)
    return "sent"
