"""A certificate as a PDF (A4, landscape): who completed which training, its number and a QR code
that opens the public verification page, so an employer can check a printed copy.

Drawn with ReportLab's standard fonts (nothing to embed or ship) and segno's QR matrix, drawn as
vector squares so it stays sharp at any print size. `certificate_pdf` takes a certificate loaded
with its purchase, course, institution, platform and holder (`selectors.certificate_get_public`
or `certificate_get_for_actor`) and reads nothing more from the database."""

import io

import segno
from django.conf import settings
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from prakerja.core import clock

from .models import Certificate

QR_FORM = "verification_qr"
# Error correction M (15% of the symbol can be lost): a folded or stained print still scans.
QR_ERROR = "m"
QR_QUIET_ZONE = 4  # modules of white around the symbol, as the QR standard asks
TEXT = (0.12, 0.16, 0.22)
ACCENT = (0.05, 0.33, 0.56)
MUTED = (0.38, 0.42, 0.48)


def verification_url(certificate: Certificate) -> str:
    """The public page that confirms the certificate (the QR code's payload)."""
    return settings.SITE_URL + reverse("training:certificate_verify", args=[certificate.number])


def verification_qr(certificate: Certificate) -> segno.QRCode:
    return segno.make(verification_url(certificate), error=QR_ERROR, micro=False)


def holder_name(certificate: Certificate) -> str:
    """The name on the holder's identity (as on the ID card; a card is only issued after the
    identity is verified), else the account's name."""
    participant = certificate.purchase.card.participant
    identity = getattr(participant, "identity", None)
    return identity.full_name if identity is not None else participant.get_full_name()


def mask_name(name: str) -> str:
    """Each word's first two letters, the rest as stars: "Budi Santoso" -> "Bu** Sa*****".
    Enough for an employer to match the person in front of them, too little to learn a name
    from a number."""
    return " ".join(_mask_word(word) for word in name.split())


def _mask_word(word: str) -> str:
    keep = min(2, len(word) - 1)  # a word of one or two letters keeps fewer, so one is hidden
    return word[:keep] + "*" * (len(word) - keep)


def certificate_pdf(certificate: Certificate) -> bytes:
    """The certificate as PDF bytes, in the active language."""
    purchase = certificate.purchase
    course = purchase.course
    url = verification_url(certificate)
    buffer = io.BytesIO()
    width, height = landscape(A4)
    # invariant: no creation time or random id in the file, so the same certificate gives the
    # same bytes (cacheable, comparable).
    pdf = Canvas(buffer, pagesize=(width, height), invariant=1, pageCompression=1)
    pdf.setTitle(_("Certificate %(number)s") % {"number": certificate.number})
    pdf.setAuthor(settings.PROGRAM_NAME)
    pdf.setSubject(course.title)

    pdf.setStrokeColorRGB(*ACCENT)
    pdf.setLineWidth(3)
    pdf.rect(24, 24, width - 48, height - 48)
    pdf.setLineWidth(0.8)
    pdf.rect(32, 32, width - 64, height - 64)

    centre = width / 2
    pdf.setFillColorRGB(*ACCENT)
    pdf.setFont("Helvetica-Bold", 13)
    pdf.drawCentredString(centre, height - 84, settings.PROGRAM_NAME.upper())
    pdf.setFillColorRGB(*TEXT)
    pdf.setFont("Helvetica-Bold", 30)
    pdf.drawCentredString(centre, height - 128, _("Training certificate"))

    pdf.setFont("Helvetica", 13)
    pdf.drawCentredString(centre, height - 172, _("This certifies that"))
    pdf.setFont("Helvetica-Bold", 24)
    pdf.drawCentredString(centre, height - 206, holder_name(certificate))
    pdf.setFont("Helvetica", 13)
    pdf.drawCentredString(centre, height - 240, _("has completed the training"))

    y = height - 274
    pdf.setFont("Helvetica-Bold", 18)
    for line in simpleSplit(course.title, "Helvetica-Bold", 18, width - 200)[:3]:
        pdf.drawCentredString(centre, y, line)
        y -= 23
    pdf.setFont("Helvetica", 12)
    pdf.setFillColorRGB(*MUTED)
    details = _("given by %(institution)s on %(platform)s, %(hours)s hours") % {
        "institution": course.institution.name,
        "platform": course.platform.name,
        "hours": course.hours,
    }
    for line in simpleSplit(details, "Helvetica", 12, width - 200)[:2]:
        pdf.drawCentredString(centre, y - 2, line)
        y -= 16
    completed = purchase.completed_at or certificate.issued_at
    line = _("Completed on %(date)s") % {"date": _local_date(completed)}
    if purchase.score is not None:
        line += " · " + _("final score %(score)s") % {"score": purchase.score}
    pdf.drawCentredString(centre, y - 6, line)

    qr_size = 118
    qr_x, qr_y = width - 56 - qr_size, 52
    _draw_qr(pdf, verification_qr(certificate), x=qr_x, y=qr_y, size=qr_size)

    pdf.setFillColorRGB(*TEXT)
    pdf.setFont("Helvetica-Bold", 11)
    pdf.drawString(60, 128, _("Certificate number: %(number)s") % {"number": certificate.number})
    pdf.setFont("Helvetica", 11)
    pdf.drawString(
        60,
        112,
        _("Issued on %(date)s") % {"date": _local_date(certificate.issued_at)},
    )
    pdf.setFillColorRGB(*MUTED)
    pdf.setFont("Helvetica", 9)
    pdf.drawString(60, 84, _("Scan the QR code or open this address to check this certificate:"))
    pdf.setFillColorRGB(*ACCENT)
    pdf.drawString(60, 71, url)
    pdf.linkURL(url, (60, 66, 60 + pdf.stringWidth(url, "Helvetica", 9), 80), relative=0)
    pdf.linkURL(url, (qr_x, qr_y, qr_x + qr_size, qr_y + qr_size), relative=0)

    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _local_date(moment) -> str:
    return date_format(clock.to_local(moment), "j F Y")


def _draw_qr(pdf: Canvas, qr: segno.QRCode, *, x: float, y: float, size: float) -> None:
    """The symbol, quiet zone included, as one form (a reusable drawing) in a `size` square at
    (x, y). Inside the form a module is one unit and row 0 is the top row; each run of dark
    modules in a row is one rectangle."""
    modules = len(qr.matrix) + 2 * QR_QUIET_ZONE
    pdf.beginForm(QR_FORM, lowerx=0, lowery=0, upperx=modules, uppery=modules)
    pdf.setFillColorRGB(1, 1, 1)
    pdf.rect(0, 0, modules, modules, stroke=0, fill=1)
    pdf.setFillColorRGB(0, 0, 0)
    path = pdf.beginPath()
    for row_index, row in enumerate(qr.matrix):
        top = modules - QR_QUIET_ZONE - row_index - 1
        start = None
        for col, dark in enumerate([*row, 0]):
            if dark and start is None:
                start = col
            elif not dark and start is not None:
                path.rect(QR_QUIET_ZONE + start, top, col - start, 1)
                start = None
    pdf.drawPath(path, stroke=0, fill=1)
    pdf.endForm()
    pdf.saveState()
    pdf.translate(x, y)
    pdf.scale(size / modules, size / modules)
    pdf.doForm(QR_FORM)
    pdf.restoreState()
