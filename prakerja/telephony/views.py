"""Agent pages of the phone channel: the desk (screen-pop, manual log, recent calls) and the
callback list. Thin: parse, call one service or selector, render."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from prakerja.core.errors import DomainError, NotFound, ValidationFailed
from prakerja.core.roles import CONTACT_CENTER_ROLES, role_required
from prakerja.helpdesk.selectors import active_categories

from . import selectors, services
from .forms import CallbackResultForm, ManualCallForm, WrapUpForm

agent_only = role_required(*CONTACT_CENTER_ROLES)


def _own_call(request, pk: int):
    try:
        return selectors.call_get_for_agent(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404 from exc


def _pop_context(request) -> dict:
    categories = active_categories()
    pops = []
    for call in selectors.pops_for_agent(user=request.user):
        initial = {"category": call.ticket.category.slug} if call.ticket_id else {}
        pops.append(
            {
                "call": call,
                "participants": selectors.participants_for_number(number=call.caller_number),
                "ticket_url": selectors.ticket_url(call.ticket) if call.ticket_id else "",
                "form": WrapUpForm(categories=categories, initial=initial, prefix=f"c{call.pk}"),
            }
        )
    return {"pops": pops, "version": ",".join(str(p["call"].pk) for p in pops)}


@require_GET
@agent_only
def pops(request):
    """The screen-pop fragment: fetched on a websocket `screen.pop` and, without a socket, by
    polling. 204 (htmx leaves the panel alone, with whatever the agent is typing) when the
    client already shows these calls."""
    context = _pop_context(request)
    if "v" in request.GET and request.GET["v"] == context["version"]:
        return HttpResponse(status=204)
    return render(request, "telephony/_pops.html", context)


@require_GET
@agent_only
def desk(request):
    return render(
        request,
        "telephony/desk.html",
        {
            "form": ManualCallForm(),
            "calls": selectors.calls_for_agent(user=request.user),
            "open_callbacks": selectors.callbacks_open_count(),
        },
    )


@require_POST
@agent_only
def log_call(request):
    form = ManualCallForm(request.POST)
    if form.is_valid():
        try:
            call = services.call_log_manual(agent=request.user, **form.cleaned_data)
        except ValidationFailed as exc:
            for field, errors in exc.errors.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(
                request, _("Call logged as ticket %(ref)s.") % {"ref": call.ticket.reference}
            )
            return redirect(selectors.ticket_url(call.ticket))
    return render(
        request,
        "telephony/desk.html",
        {
            "form": form,
            "calls": selectors.calls_for_agent(user=request.user),
            "open_callbacks": selectors.callbacks_open_count(),
        },
        status=422,
    )


def _after_pop_action(request):
    if request.headers.get("HX-Request"):
        response = render(request, "telephony/_pops.html", _pop_context(request))
        response["HX-Trigger"] = "inbox-refresh"  # the inbox's pinned calls
        return response
    return redirect("telephony:desk")


@require_POST
@agent_only
def wrap_up(request, pk: int):
    call = _own_call(request, pk)
    form = WrapUpForm(request.POST, categories=active_categories(), prefix=f"c{call.pk}")
    if not form.is_valid():
        messages.error(request, _("Choose a category."))
        return _after_pop_action(request)
    try:
        services.call_wrap_up(
            call=call,
            agent=request.user,
            category_slug=form.cleaned_data["category"],
            notes=form.cleaned_data["notes"],
            resolve=form.cleaned_data["resolve"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    return _after_pop_action(request)


@require_POST
@agent_only
def close_pop(request, pk: int):
    call = _own_call(request, pk)
    services.call_pop_close(call=call, agent=request.user)
    return _after_pop_action(request)


@require_GET
@agent_only
def callbacks(request):
    claimed = [
        (callback, CallbackResultForm(prefix=f"cb{callback.pk}"))
        for callback in selectors.callbacks_claimed_by(user=request.user)
    ]
    return render(
        request,
        "telephony/callbacks.html",
        {"claimed": claimed, "open": selectors.callbacks_open()},
    )


@require_POST
@agent_only
def callback_claim_next(request):
    if services.callback_claim_next(agent=request.user) is None:
        messages.info(request, _("No callbacks are waiting."))
    return redirect("telephony:callbacks")


def _callback_pane(request, pk: int, *, changed=True, form=None, error=None) -> HttpResponse:
    """The inbox's conversation pane for one callback (htmx fragment); `changed`: after an
    action, the inbox's list refreshes too."""
    try:
        callback = selectors.callback_get_for_agent(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404 from exc
    response = render(
        request,
        "telephony/_inbox_callback.html",
        {
            "callback": callback,
            "mine": callback.claimed_by_id == request.user.pk,
            "form": form or CallbackResultForm(prefix=f"cb{pk}"),
            "error": error,
        },
    )
    if changed:
        response["HX-Trigger"] = "inbox-refresh"
    return response


@require_GET
@agent_only
def callback_pane(request, pk: int):
    return _callback_pane(request, pk, changed=False)


@require_POST
@agent_only
def callback_claim(request, pk: int):
    error = None
    try:
        services.callback_claim(callback_id=pk, agent=request.user)
    except DomainError as exc:
        error = exc.message
    if request.headers.get("HX-Request"):
        return _callback_pane(request, pk, error=error)
    if error:
        messages.error(request, error)
    return redirect("telephony:callbacks")


@require_POST
@agent_only
def callback_complete(request, pk: int):
    form = CallbackResultForm(request.POST, prefix=f"cb{pk}")
    error = None
    if not form.is_valid():
        error = _("Choose an outcome.")
    else:
        try:
            services.callback_complete(callback_id=pk, agent=request.user, **form.cleaned_data)
        except DomainError as exc:
            error = exc.message
        else:
            form = None
    if request.headers.get("HX-Request"):
        return _callback_pane(request, pk, form=form, error=error)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Callback outcome recorded."))
    return redirect("telephony:callbacks")
