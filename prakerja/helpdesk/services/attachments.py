"""Attachments: size and type limits, stored privately (MEDIA_ROOT is never served)."""

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image

from prakerja.core import clock
from prakerja.core.errors import ValidationFailed

from ..models import Attachment, Ticket

ALLOWED_TYPES = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}


def max_attachment_bytes() -> int:
    return int(getattr(settings, "HELPDESK_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024))


def _sniff(upload) -> str | None:
    """The real type from the content (the browser's claim is not trusted)."""
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n") or head.startswith(b"\xff\xd8\xff"):
        try:
            with Image.open(upload) as image:
                image.verify()
                kind = {"PNG": "image/png", "JPEG": "image/jpeg"}.get(image.format or "")
        except Exception:  # noqa: BLE001 - any decoder error means "not a valid image"
            kind = None
        upload.seek(0)
        return kind
    return None


def validate_upload(upload, *, field: str = "attachment") -> str:
    if upload.size > max_attachment_bytes():
        raise ValidationFailed(
            errors={
                field: [
                    _("The file is too large (at most %(mb)d MB).")
                    % {"mb": max_attachment_bytes() // (1024 * 1024)}
                ]
            }
        )
    kind = _sniff(upload)
    if kind not in ALLOWED_TYPES:
        raise ValidationFailed(errors={field: [_("Only JPG, PNG or PDF files are accepted.")]})
    return kind


@transaction.atomic
def attachment_add(*, ticket: Ticket, upload, message=None) -> Attachment:
    """Validate and store one uploaded file on the ticket (ValidationFailed on a bad file)."""
    kind = validate_upload(upload)
    name = (getattr(upload, "name", "") or "file").rsplit("/", 1)[-1][:200]
    return Attachment.objects.create(
        ticket=ticket,
        message=message,
        file=upload,
        original_name=name,
        content_type=kind,
        size=upload.size,
        created_at=clock.now(),
    )
