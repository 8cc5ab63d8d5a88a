from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import UsernameField
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from prakerja.core import consoles
from prakerja.core.errors import DomainError, NotFound, RateLimited, ValidationFailed
from prakerja.core.ratelimit import client_ip, rate_limit
from prakerja.switches.models import SwitchName
from prakerja.switches.selectors import switch_state

from . import hooks, selectors, services
from .forms import IdCardForm, IdentityForm, SignupForm


def login_identity(raw: str) -> str:
    """The identity a log-in attempt is counted against: the log-in form's own normalisation
    (stripped, NFKC), case-folded, so full-width or upper-case look-alikes of one account share
    its counter."""
    return (UsernameField().to_python(raw) or "").strip().casefold()[:254]


class LoginView(auth_views.LoginView):
    """Each role lands on its console (`core.consoles`); a safe same-site `next=` still wins."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        return consoles.landing_url(self.request.user)

    def form_valid(self, form):
        response = super().form_valid(form)
        hooks.logged_in(user=form.get_user())
        return response

    def post(self, request, *args, **kwargs):
        message = gettext_lazy("Too many log-in attempts. Please wait before trying again.")
        rate_limit(key=f"login:ip:{client_ip(request)}", limit=20, period=300, message=message)
        username = login_identity(request.POST.get("username", ""))
        if username:
            rate_limit(key=f"login:user:{username}", limit=10, period=300, message=message)
        return super().post(request, *args, **kwargs)


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        hooks.logged_out(request=request, response=response)
        return response


def signup_rate_limits(request) -> None:
    """Per IP: 10 sign-ups a minute and 50 an hour (a shared NAT, e.g. a campus, still fits);
    the waiting room ran before, in SignupWaitingRoomMiddleware."""
    ip = client_ip(request)
    message = gettext_lazy("Too many sign-ups from your network. Please wait and try again.")
    rate_limit(key=f"signup:ip:{ip}", limit=10, period=60, message=message)
    rate_limit(key=f"signup:ip-hour:{ip}", limit=50, period=3600, message=message)


@require_http_methods(["GET", "POST"])
def signup(request):
    state = switch_state(SwitchName.REGISTRATION)
    if request.user.is_authenticated:
        return redirect("programs:dashboard")
    form = SignupForm(request.POST or None)
    errors: dict = {}
    status = 200
    if request.method == "POST" and not form.is_valid():
        errors, status = {k: list(v) for k, v in form.errors.items()}, 422
    elif request.method == "POST":
        signup_rate_limits(request)
        try:
            user = services.account_register(**form.cleaned_data)
        except ValidationFailed as exc:
            errors, status = exc.errors, 422
        except DomainError as exc:
            if exc.code == "registration_closed":
                return render(request, "accounts/signup_closed.html", {"state": state}, status=403)
            messages.error(request, exc.message)
            status = exc.status
        else:
            login(request, user, backend="prakerja.accounts.backends.UsernameOrEmailBackend")
            messages.success(request, _("Your account was created. Enter the code we sent by SMS."))
            return redirect("accounts:verify_phone")
    if not state.active:
        return render(
            request,
            "accounts/signup_closed.html",
            {"state": state},
            status=403 if request.method == "POST" else 200,
        )
    return render(request, "accounts/signup.html", {"form": form, "errors": errors}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def verify_phone(request):
    error = ""
    status = 200
    if request.method == "POST":
        rate_limit(key=f"otp:ip:{client_ip(request)}", limit=60, period=600)
        rate_limit(key=f"otp-verify:user:{request.user.pk}", limit=10, period=600)
        try:
            if "resend" in request.POST:
                services.phone_verification_send(user=request.user)
                messages.success(request, _("A new code is on its way."))
                return redirect("accounts:verify_phone")
            services.phone_verify(user=request.user, code=request.POST.get("code", ""))
        except RateLimited:
            raise
        except DomainError as exc:
            error = next(iter(exc.errors.get("code", [])), exc.message)
            status = exc.status
        else:
            messages.success(request, _("Your mobile number is confirmed."))
            return redirect("programs:dashboard")
    return render(request, "accounts/verify_phone.html", {"error": error}, status=status)


def email_confirm(request, token: str):
    try:
        services.email_confirm(token=token)
    except DomainError as exc:
        return render(request, "accounts/email_confirmed.html", {"error": exc.message}, status=400)
    return render(request, "accounts/email_confirmed.html", {"error": ""})


@login_required
@require_http_methods(["GET", "POST"])
def email_resend(request):
    if request.method == "POST":
        rate_limit(key=f"email-resend:user:{request.user.pk}", limit=3, period=3600)
        services.email_confirmation_send(user=request.user)
        messages.success(request, _("We sent the confirmation link again."))
        return redirect("programs:dashboard")
    return render(request, "accounts/email_resend.html")


@login_required
@require_http_methods(["GET", "POST"])
def identity(request):
    current = selectors.identity_of(user=request.user)
    initial = {}
    if current is not None:
        initial = {f: getattr(current, f) for f in services.identity.FIELDS}
    form = IdentityForm(request.POST or None, initial=initial)
    card_form = IdCardForm()
    status = 200
    if request.method == "POST" and form.is_valid():
        rate_limit(key=f"identity:user:{request.user.pk}", limit=10, period=3600)
        try:
            services.identity_submit(user=request.user, data=form.cleaned_data)
        except DomainError as exc:
            # On the form, so each field names its error and the summary links to it.
            form.add_error(None, exc.message)
            for field, field_messages in exc.errors.items():
                for message in field_messages:
                    form.add_error(field if field in form.fields else None, message)
            status = exc.status
        else:
            messages.success(request, _("Your identity was saved."))
            return redirect("accounts:identity")
    return render(
        request,
        "accounts/identity.html",
        {"form": form, "card_form": card_form, "identity": current},
        status=status,
    )


@login_required
@require_http_methods(["POST"])
def id_card_upload(request):
    rate_limit(key=f"id-card:user:{request.user.pk}", limit=10, period=3600)
    upload = request.FILES.get("id_card")
    try:
        if upload is None:
            raise ValidationFailed(errors={"id_card": [_("Choose a photo.")]})
        services.identity_upload_id_card(user=request.user, upload=upload)
    except DomainError as exc:
        messages.error(request, next(iter(exc.errors.get("id_card", [])), exc.message))
    else:
        messages.success(request, _("Your ID card photo was uploaded."))
    return redirect("accounts:identity")


@login_required
def id_card_file(request, pk: int):
    """Streams an ID-card photo to its owner or a PMO admin; never served publicly."""
    try:
        found = selectors.identity_get_for_actor(pk=pk, actor=request.user)
    except NotFound as exc:
        raise Http404 from exc
    if not found.id_card:
        raise Http404
    response = FileResponse(found.id_card.open("rb"))
    response["Cache-Control"] = "private, no-store"
    return response


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        # The link goes to the configured site, never to whatever Host the request named.
        self.extra_email_context = {"site_url": settings.SITE_URL}
        return super().form_valid(form)

    def post(self, request, *args, **kwargs):
        rate_limit(key=f"reset:ip:{client_ip(request)}", limit=5, period=900)
        email = login_identity(request.POST.get("email", ""))
        if email:
            rate_limit(key=f"reset:email:{email}", limit=3, period=3600)
        return super().post(request, *args, **kwargs)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"
