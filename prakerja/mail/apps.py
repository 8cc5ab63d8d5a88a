from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from prakerja.core import scheduler


class MailConfig(AppConfig):
    name = "prakerja.mail"
    label = "mail"
    verbose_name = _("E-mail channel")

    def ready(self) -> None:
        from prakerja.core import consoles
        from prakerja.core.roles import Role
        from prakerja.helpdesk.hooks import ticket_email

        from .imap import inbox_poll
        from .services import ticket_email_take_over

        ticket_email.register(ticket_email_take_over)
        consoles.nav.register(
            consoles.NavLink(_("E-mail"), "mail:supervisor", roles=(Role.SUPERVISOR,), order=55)
        )
        if settings.EMAIL_INBOX_URL:
            scheduler.register("mail.poll", every=settings.MAIL_POLL_EVERY_SECONDS, func=inbox_poll)
