from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from prakerja.core.errors import NotFound
from prakerja.core.ratelimit import client_ip

from . import selectors
from .certificates import certificate_pdf, holder_name, mask_name


@require_GET
def certificate_check(request):
    """The employer's form: a number typed in opens its verification page."""
    typed = request.GET.get("nomor", "")
    if not typed.strip():
        return render(request, "training/certificate_check.html")
    number = selectors.normalize_certificate_number(typed)
    if not number:  # cannot be a certificate number (and may not fit in a URL path)
        return render(
            request, "training/certificate_verify.html", {"number": typed[:40]}, status=404
        )
    return redirect("training:certificate_verify", number=number)


@require_GET
def certificate_verify(request, number: str):
    """The page a certificate's QR code opens: valid or not, with the holder's name masked."""
    try:
        certificate = selectors.certificate_for_visitor(number=number, ip=client_ip(request))
    except NotFound:
        return render(request, "training/certificate_verify.html", {"number": number}, status=404)
    return render(
        request,
        "training/certificate_verify.html",
        {
            "number": number,
            "certificate": certificate,
            "holder": mask_name(holder_name(certificate)),
        },
    )


@login_required
@require_GET
def certificate_download(request, number: str):
    """The holder's own certificate as a PDF; anyone else gets the same 404 as for a number that
    does not exist."""
    try:
        certificate = selectors.certificate_get_for_actor(actor=request.user, number=number)
    except NotFound as exc:
        raise Http404 from exc
    response = HttpResponse(certificate_pdf(certificate), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="sertifikat-{certificate.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
