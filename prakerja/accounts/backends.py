from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class UsernameOrEmailBackend(ModelBackend):
    """Log in with the username or the e-mail address (case-insensitive)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        User = get_user_model()
        field = "email__iexact" if "@" in username else "username"
        user = User.objects.filter(**{field: username}).first()
        if user is None:
            User().set_password(password)  # same work as a real check: no timing hint
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def last_login_record(sender, user, **kwargs):
    """`user_logged_in` receiver in place of Django's `update_last_login` (see AccountsConfig):
    the same UPDATE, except right after `account_register`, which inserted the account with
    `last_login` set and marked it `last_login_fresh`."""
    from django.contrib.auth.models import update_last_login

    if getattr(user, "last_login_fresh", False):
        user.last_login_fresh = False
        return
    update_last_login(sender, user, **kwargs)
