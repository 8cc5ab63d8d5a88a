import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from prakerja.core import clock
from prakerja.core.errors import DomainError, NotFound
from prakerja.core.roles import Role, role_required
from prakerja.switches.selectors import all_switch_states

from . import selectors, services
from .middleware import SESSION_KEY


def announcement_list(request):
    return render(
        request,
        "programs/announcements.html",
        {"announcements": selectors.published_announcements()[:50]},
    )


def announcement_detail(request, pk: int):
    try:
        announcement = selectors.announcement_get_public(pk=pk)
    except NotFound as exc:
        raise Http404 from exc
    return render(request, "programs/announcement.html", {"announcement": announcement})


@login_required
def dashboard(request):
    context = selectors.participant_dashboard(user=request.user)
    context["announcements"] = selectors.live_announcements()[:5]
    return render(request, "programs/dashboard.html", context)


@login_required
@require_http_methods(["POST"])
def wave_join(request, number: int):
    try:
        services.wave_join(participant=request.user, wave=selectors.wave_get(number=number))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("You have joined the wave. Good luck!"))
    return redirect("programs:dashboard")


@role_required(Role.PMO_ADMIN)
@require_http_methods(["GET", "POST"])
def preview(request):
    """The PMO chooses a moment (WIB) and sees the whole site as it will look then."""
    error = ""
    if request.method == "POST":
        if "stop" in request.POST:
            request.session.pop(SESSION_KEY, None)
            return redirect("programs:preview")
        raw = request.POST.get("at", "")
        try:
            moment = dt.datetime.fromisoformat(raw).replace(tzinfo=clock.JAKARTA)
        except ValueError:
            error = _("Enter a date and time.")
        else:
            request.session[SESSION_KEY] = moment.isoformat()
            return redirect("home")
    current = request.session.get(SESSION_KEY)
    return render(
        request,
        "programs/preview.html",
        {
            "current": dt.datetime.fromisoformat(current).astimezone(clock.JAKARTA)
            if current
            else None,
            "error": error,
            "switches": all_switch_states(),
        },
    )
