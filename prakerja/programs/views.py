import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from prakerja.core import clock
from prakerja.core.errors import DomainError, NotFound
from prakerja.core.roles import Role, role_required
from prakerja.switches.models import SwitchName
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


@role_required(Role.PARTICIPANT)
def skills_test(request):
    """The basic skills test: the rules and the participant's standing, or the questions of the
    attempt in progress with its deadline."""
    status = selectors.skills_test_status(participant=request.user)
    attempt = status.in_progress
    return render(
        request,
        "programs/skills_test.html",
        {
            "status": status,
            "attempt": attempt,
            "questions": selectors.skills_test_questions(attempt=attempt) if attempt else [],
            "rules": {
                "questions": settings.SKILLS_TEST_QUESTIONS,
                "minutes": settings.SKILLS_TEST_MINUTES,
                "attempts": settings.SKILLS_TEST_MAX_ATTEMPTS,
                "hours": settings.SKILLS_TEST_RETAKE_HOURS,
            },
        },
    )


@role_required(Role.PARTICIPANT)
@require_http_methods(["POST"])
def skills_test_start(request):
    try:
        services.skills_test_start(participant=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("programs:skills_test")


@role_required(Role.PARTICIPANT)
@require_http_methods(["POST"])
def skills_test_submit(request):
    # Radio buttons are named q<question id>; their values are choice ids.
    answers = {key[1:]: value for key, value in request.POST.items() if key[:1] == "q"}
    try:
        attempt = services.skills_test_submit(participant=request.user, answers=answers)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Test completed. Your score: %(score)d of 100.") % {"score": attempt.score}
        )
    return redirect("programs:skills_test")


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
            "switches": [
                {"label": SwitchName(name).label, "state": state}
                for name, state in all_switch_states().items()
            ],
        },
    )
