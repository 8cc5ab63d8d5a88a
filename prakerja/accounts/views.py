from django.contrib.auth import views as auth_views
from django.utils.translation import gettext_lazy as _

from prakerja.core.ratelimit import client_ip, rate_limit


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        message = _("Too many log-in attempts. Please wait before trying again.")
        rate_limit(key=f"login:ip:{client_ip(request)}", limit=20, period=300, message=message)
        username = request.POST.get("username", "").strip().lower()[:254]
        if username:
            rate_limit(key=f"login:user:{username}", limit=10, period=300, message=message)
        return super().post(request, *args, **kwargs)


class LogoutView(auth_views.LogoutView):
    pass
