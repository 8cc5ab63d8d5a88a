from .models import IncentivePayment, LinkedAccount, LinkStatus, Provider


def active_linked_account_for(*, user) -> LinkedAccount | None:
    return (
        LinkedAccount.objects.filter(user=user, status=LinkStatus.ACTIVE)
        .select_related("provider")
        .first()
    )


def pending_link_for(*, user) -> LinkedAccount | None:
    return (
        LinkedAccount.objects.filter(user=user, status=LinkStatus.PENDING)
        .select_related("provider")
        .first()
    )


def link_history_for(*, user) -> list[LinkedAccount]:
    return list(
        LinkedAccount.objects.filter(user=user)
        .select_related("provider")
        .order_by("-requested_at", "-id")
    )


def active_providers():
    return Provider.objects.filter(is_active=True).order_by("position", "name")


def incentive_payments_for(*, user) -> list[IncentivePayment]:
    return list(
        IncentivePayment.objects.filter(participant=user)
        .select_related("linked_account__provider")
        .order_by("due_on", "kind", "number")
    )
