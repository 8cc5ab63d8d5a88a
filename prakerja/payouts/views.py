from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from prakerja.core.errors import DomainError, RateLimited
from prakerja.core.ratelimit import rate_limit
from prakerja.switches.models import SwitchName
from prakerja.switches.selectors import switch_state

from . import selectors, services


@login_required
@require_http_methods(["GET", "POST"])
def link(request):
    """Link or change the payout account; while the switch is off, only its message."""
    state = switch_state(SwitchName.ACCOUNT_LINKING)
    error, errors, status = "", {}, 200
    if request.method == "POST" and state.active:
        rate_limit(key=f"linking:user:{request.user.pk}", limit=10, period=3600)
        try:
            if "code" in request.POST:
                services.link_confirm(participant=request.user, code=request.POST["code"])
                messages.success(request, _("Your account is linked."))
                return redirect("programs:dashboard")
            services.link_request(
                participant=request.user,
                provider_code=request.POST.get("provider", ""),
                account_number=request.POST.get("account_number", ""),
            )
            messages.success(request, _("Enter the code we sent by SMS to confirm."))
            return redirect("payouts:link")
        except RateLimited:
            raise
        except DomainError as exc:
            error, errors, status = exc.message, exc.errors, exc.status
    elif request.method == "POST":
        status = 403
    return render(
        request,
        "payouts/link.html",
        {
            "state": state,
            "providers": selectors.active_providers(),
            "pending": selectors.pending_link_for(user=request.user),
            "history": selectors.link_history_for(user=request.user),
            "error": error,
            "errors": errors,
        },
        status=status,
    )
