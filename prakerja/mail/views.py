"""The supervisor's view of the mailbox: what was not made a ticket, and why."""

from django.http import FileResponse, Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from prakerja.core.roles import Role, role_required

from . import selectors


@role_required(Role.SUPERVISOR)
@require_GET
def supervisor(request):
    return render(request, "mail/supervisor.html", {"summary": selectors.mailbox_summary()})


@role_required(Role.SUPERVISOR)
@require_GET
def kept_download(request, pk: int):
    """The raw message kept aside, as a download (never rendered: it is untrusted)."""
    inbound = selectors.kept_mail_get(pk=pk)
    if inbound is None:
        raise Http404
    return FileResponse(
        inbound.raw.open("rb"),
        as_attachment=True,
        filename=f"mail-{inbound.pk}.eml",
        content_type="application/octet-stream",
    )
