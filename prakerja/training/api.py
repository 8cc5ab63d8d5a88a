"""The training journey under /api/v1: the participant's card and purchases, the public catalog and
certificate check, and the partner API the platforms call with their integration token."""

from datetime import datetime

from ninja import Router, Schema

from prakerja.core.ratelimit import client_ip

from . import selectors
from .certificates import holder_name, mask_name

router = Router(tags=["training"])


class ErrorOut(Schema):
    code: str
    message: str
    errors: dict[str, list[str]]


class CertificateCheckOut(Schema):
    valid: bool
    number: str
    course: str
    provider: str
    platform: str
    issued_at: datetime
    holder: str


@router.get(
    "/certificates/{number}",
    response={200: CertificateCheckOut, 404: ErrorOut, 429: ErrorOut},
    summary="Check a certificate (anonymous; the holder's name partly masked)",
)
def certificate_check(request, number: str):
    certificate = selectors.certificate_for_visitor(number=number, ip=client_ip(request))
    course = certificate.purchase.course
    return CertificateCheckOut(
        valid=True,
        number=certificate.number,
        course=course.title,
        provider=course.institution.name,
        platform=course.platform.name,
        issued_at=certificate.issued_at,
        holder=mask_name(holder_name(certificate)),
    )
