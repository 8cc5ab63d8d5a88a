"""The PMO console (/pmo/): the switch timeline and schedules, waves, announcements and the
activity feed. Every write goes through the same services as the API and the back office, so it
is validated and audited; switch schedules and selection runs are confirmed on a second page that
names each change to the second, in WIB. The roster page is helpdesk's (`helpdesk:pmo_roster`)
and the preview is `programs:preview`; the console's menu is `core.consoles.nav` section "pmo"."""

import datetime as dt

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from prakerja.core import clock, consoles
from prakerja.core.errors import DomainError, NotFound, ValidationFailed
from prakerja.core.formatting import timestamp
from prakerja.core.roles import Role, role_required
from prakerja.core.selectors import audit_changed_fields, audit_feed
from prakerja.switches import services as switch_services
from prakerja.switches.models import SwitchName
from prakerja.switches.selectors import evaluate_schedule, switch_fingerprint, switch_windows

from . import selectors, services
from .forms import AnnouncementForm, SelectionForm, SwitchForm, WaveForm, WindowFormSet
from .models import Announcement, Wave, WaveState

pmo_required = role_required(Role.PMO_ADMIN)
TIMELINE_DAYS = (30, 90, 180, 365)


def _timeline_start(raw: str) -> dt.datetime:
    """Midnight WIB of the day asked for, by default a week ago."""
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        day = clock.local_now().date() - dt.timedelta(days=7)
    return clock.local_datetime(day.year, day.month, day.day)


def _activity(*, before_id: int | None = None, prefix: str = "", limit: int = 50) -> dict:
    kinds = consoles.activity.for_section("pmo")
    prefixes = [k.prefix for k in kinds if not prefix or k.prefix == prefix]
    entries = audit_feed(prefixes=prefixes, before_id=before_id, limit=limit)
    return {
        "kinds": kinds,
        "prefix": prefix,
        "entries": [{"entry": e, "changed": audit_changed_fields(e)} for e in entries],
        "more": entries[-1].pk if len(entries) == limit else None,
    }


@pmo_required
@require_GET
def console(request):
    try:
        days = int(request.GET.get("days", "90"))
    except ValueError:
        days = 90
    days = days if days in TIMELINE_DAYS else 90
    start = _timeline_start(request.GET.get("from", ""))
    return render(
        request,
        "programs/pmo/console.html",
        {
            "switches": selectors.console_switches(),
            "timeline": selectors.console_timeline(start=start, days=days),
            "timeline_days": TIMELINE_DAYS,
            "earlier": (start - dt.timedelta(days=days)).date(),
            "later": (start + dt.timedelta(days=days)).date(),
            "activity": _activity(limit=10),
        },
    )


@pmo_required
@require_GET
def activity(request):
    try:
        before_id = int(request.GET["before"]) if request.GET.get("before") else None
    except ValueError:
        before_id = None
    prefix = request.GET.get("kind", "")
    return render(
        request,
        "programs/pmo/activity.html",
        {"activity": _activity(before_id=before_id, prefix=prefix)},
    )


# --- Switch schedules -------------------------------------------------------------------------


def _windows(formset) -> list[tuple[dt.datetime | None, dt.datetime | None]]:
    """The windows a valid formset keeps: rows not removed, and blank added rows left out."""
    windows = []
    for form in formset:
        data = form.cleaned_data
        if not data or data.get("remove"):
            continue
        windows.append((data.get("active_from"), data.get("active_until")))
    return windows


def _switch_forms(request, name: str):
    if request.method == "POST":
        return WindowFormSet(request.POST, prefix="w"), SwitchForm(request.POST)
    override, message, windows = switch_windows(name)
    return (
        WindowFormSet(
            prefix="w",
            initial=[{"active_from": start, "active_until": end} for start, end in windows],
        ),
        SwitchForm(initial={"override": override, "message": message}),
    )


@pmo_required
@require_http_methods(["GET", "POST"])
def switch_edit(request, name: str):
    """Edit a switch's windows, override and message. A post is reviewed first: the page lists
    every change the new schedule makes, to the second in WIB, and the PMO confirms it; the
    confirmation carries the fingerprint of the schedule reviewed, and is refused (409) when
    someone changed the schedule meanwhile."""
    if name not in SwitchName.values:
        raise Http404
    formset, form = _switch_forms(request, name)
    context = {"name": name, "label": SwitchName(name).label, "formset": formset, "form": form}
    if request.method == "GET" or "edit" in request.POST:
        return render(request, "programs/pmo/switch.html", {**context, **_switch_now(name)})
    if not (formset.is_valid() and form.is_valid()):
        return render(
            request, "programs/pmo/switch.html", {**context, **_switch_now(name)}, status=422
        )
    windows = _windows(formset)
    problems = switch_services.windows_errors(windows)
    if problems:
        return render(
            request,
            "programs/pmo/switch.html",
            {**context, **_switch_now(name), "schedule_errors": problems},
            status=422,
        )
    override, message = form.cleaned_data["override"], form.cleaned_data["message"]
    if "confirm" in request.POST:
        if request.POST.get("fingerprint") != switch_fingerprint(name):
            messages.error(
                request,
                _("Someone changed this schedule after you reviewed it. Review it again."),
            )
            return _switch_review(request, context, windows, override, message, status=409)
        try:
            switch_services.switch_set_schedule(
                name=name, windows=windows, override=override, message=message, actor=request.user
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return render(
                request,
                "programs/pmo/switch.html",
                {**context, **_switch_now(name)},
                status=exc.status,
            )
        messages.success(
            request, _("The schedule of %(switch)s is saved.") % {"switch": context["label"]}
        )
        return redirect("programs:pmo")
    return _switch_review(request, context, windows, override, message)


def _switch_now(name: str) -> dict:
    row = next(r for r in selectors.console_switches(limit=5) if r["name"] == name)
    return {"current": row}


def _switch_review(request, context, windows, override, message, *, status=200):
    now = clock.now()
    before = selectors.console_switches(at=now, limit=10)
    current = next(r for r in before if r["name"] == context["name"])
    changes = selectors.switch_changes(
        name=context["name"],
        windows=windows,
        override=override,
        message=message,
        start=now,
        limit=10,
    )
    active_now, _until, _next = evaluate_schedule(windows=windows, override=override, at=now)
    return render(
        request,
        "programs/pmo/switch_confirm.html",
        {
            **context,
            "current": current,
            "changes": changes,
            "active_now": active_now,
            "flips_now": active_now != current["state"].active,
            "override": override,
            "message": message,
            "now": now,
            "fingerprint": switch_fingerprint(context["name"]),
        },
        status=status,
    )


# --- Waves --------------------------------------------------------------------------------------


@pmo_required
@require_http_methods(["GET", "POST"])
def waves(request):
    form = WaveForm(request.POST or None, prefix="new")
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                wave = services.wave_save(wave=form.instance, actor=request.user)
            except ValidationFailed as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("%(wave)s is saved.") % {"wave": wave})
                return redirect("programs:pmo_waves")
        status = 422
    return render(
        request,
        "programs/pmo/waves.html",
        {"waves": selectors.console_waves(), "form": form},
        status=status,
    )


def _wave(number: int) -> Wave:
    try:
        return selectors.wave_get(number=number)
    except NotFound as exc:
        raise Http404 from exc


@pmo_required
@require_http_methods(["GET", "POST"])
def wave_edit(request, number: int):
    wave = _wave(number)
    form = WaveForm(request.POST or None, instance=wave, prefix="wave")
    selection = SelectionForm(prefix="sel")
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.wave_save(wave=form.instance, actor=request.user)
            except ValidationFailed as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("%(wave)s is saved.") % {"wave": wave})
                return redirect("programs:pmo_wave", number=wave.number)
        status = 422
        wave.refresh_from_db()
    return render(
        request,
        "programs/pmo/wave.html",
        _wave_context(wave, form=form, selection=selection),
        status=status,
    )


def _wave_context(wave: Wave, **extra) -> dict:
    return {
        "wave": wave,
        "state": WaveState(wave.state_at(clock.now())),
        "funnel": selectors.wave_funnel(wave=wave),
        **extra,
    }


@pmo_required
@require_http_methods(["POST"])
def wave_selection(request, number: int):
    """Run the wave's selection, after a confirmation naming the publication time of the results
    to the second in WIB."""
    wave = _wave(number)
    selection = SelectionForm(request.POST, prefix="sel")
    if not selection.is_valid():
        context = _wave_context(
            wave, form=WaveForm(instance=wave, prefix="wave"), selection=selection
        )
        return render(request, "programs/pmo/wave.html", context, status=422)
    announce_at = selection.cleaned_data["announce_at"]
    if "confirm" not in request.POST:
        return render(
            request,
            "programs/pmo/selection_confirm.html",
            {"wave": wave, "selection": selection, "announce_at": announce_at},
        )
    try:
        result = services.wave_run_selection(wave=wave, actor=request.user, announce_at=announce_at)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(wave)s: %(selected)d selected, %(not_selected)d not selected.")
            % {"wave": wave, **result},
        )
    return redirect("programs:pmo_wave", number=wave.number)


# --- Announcements ------------------------------------------------------------------------------


def _add_errors(form, exc: ValidationFailed) -> None:
    for field, errors in exc.errors.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


def _announcement_page(request, *, instance: Announcement | None):
    form = AnnouncementForm(request.POST or None, instance=instance)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = services.announcement_save(announcement=form.instance, actor=request.user)
            except ValidationFailed as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("The announcement is saved; it is published at %(at)s WIB.")
                    % {"at": timestamp(clock.to_local(saved.publish_at))},
                )
                return redirect("programs:pmo_announcements")
        status = 422
    return render(
        request,
        "programs/pmo/announcements.html",
        {
            "form": form,
            "editing": instance,
            "announcements": selectors.console_announcements(),
        },
        status=status,
    )


@pmo_required
@require_http_methods(["GET", "POST"])
def announcements(request):
    return _announcement_page(request, instance=None)


@pmo_required
@require_http_methods(["GET", "POST"])
def announcement_edit(request, pk: int):
    try:
        instance = selectors.announcement_get_for_pmo(pk=pk)
    except NotFound as exc:
        raise Http404 from exc
    return _announcement_page(request, instance=instance)
