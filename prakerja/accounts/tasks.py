from django_tasks import task

# The module, not its names: services enqueue these tasks, so the two import each other.
from . import services
from .models import Identity, User


@task()
def verify_identity(identity_id: int) -> str:
    """Verify one identity through the configured adapter (population registry or offline)."""
    identity = Identity.objects.filter(pk=identity_id).first()
    if identity is None:
        return "missing"
    return services.identity_verify(identity=identity).status


@task()
def account_welcome_send(user_id: int, language: str) -> str:
    """After a sign-up commits: the first SMS code and the e-mail confirmation link."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return "missing"
    services.account_welcome_send(user=user, language=language)
    return "sent"
