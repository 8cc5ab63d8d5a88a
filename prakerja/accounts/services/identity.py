"""Identity and eligibility: one account per NIK, at most two per family card (KK), enforced by
unique indexes so concurrent submissions cannot slip past a check-then-insert race. Only pending
and verified identities hold a NIK and a KK slot (`IDENTITY_HOLDS_NIK`); a rejected or withdrawn
one releases them, and its resubmission waits for a PMO review with a new ID-card photo."""

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from prakerja.core import clock
from prakerja.core.errors import Conflict, Forbidden, ValidationFailed
from prakerja.core.logging import mask_nik
from prakerja.core.roles import Role, has_role
from prakerja.core.services import audit_record

from .. import tasks
from ..models import (
    IDENTITY_HOLDS_NIK,
    Education,
    Gender,
    Identity,
    IdentityStatus,
    WorkStatus,
)
from ..nik import PROVINCES, kk_errors, nik_errors
from ..verification import age_on, get_identity_verifier

logger = logging.getLogger("prakerja.accounts")
ID_CARD_MAX_BYTES = 2 * 1024 * 1024
ID_CARD_FORMATS = {"JPEG": "jpg", "PNG": "png"}


def _public(identity: Identity) -> dict:
    return {
        "nik": mask_nik(identity.nik),
        "kk": mask_nik(identity.kk_number),
        "status": identity.status,
        "reason": identity.rejection_reason,
        "review_required": identity.review_required,
    }


def _validate(data: dict) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    birth_date = data.get("birth_date")
    if not isinstance(birth_date, dt.date):
        errors["birth_date"] = [_("Enter your birth date.")]
        birth_date = None
    elif age_on(birth_date, clock.local_now().date()) < 18:
        errors["birth_date"] = [_("Participants must be 18 or older.")]
    if data.get("gender") not in Gender.values:
        errors["gender"] = [_("Choose a gender.")]
    nik_problems = nik_errors(data.get("nik", ""), birth_date=birth_date, gender=data.get("gender"))
    if nik_problems:
        errors["nik"] = [str(p) for p in nik_problems]
    kk_problems = kk_errors(data.get("kk_number", ""))
    if kk_problems:
        errors["kk_number"] = [str(p) for p in kk_problems]
    if not " ".join(str(data.get("full_name", "")).split()):
        errors["full_name"] = [_("Enter your name as on the ID card.")]
    if data.get("province") not in PROVINCES:
        errors["province"] = [_("Choose a province.")]
    if not str(data.get("city", "")).strip():
        errors["city"] = [_("Enter your city or regency.")]
    if data.get("education") not in Education.values:
        errors["education"] = [_("Choose your education.")]
    if data.get("work_status") not in WorkStatus.values:
        errors["work_status"] = [_("Choose your work status.")]
    if data.get("declared_not_student") is not True:
        errors["declared_not_student"] = [
            _("Only people not in school or university can take part.")
        ]
    if data.get("declared_not_official") is not True:
        errors["declared_not_official"] = [
            _(
                "Civil servants, soldiers, police officers, village officials and state-enterprise "
                "board members cannot take part."
            )
        ]
    return errors


FIELDS = (
    "nik",
    "kk_number",
    "full_name",
    "birth_date",
    "gender",
    "province",
    "city",
    "education",
    "work_status",
    "declared_not_student",
    "declared_not_official",
)


def identity_submit(*, user, data: dict) -> Identity:
    """Save the profile step and queue verification. Refuses (422) invalid NIK/KK/age/
    declarations, (409 `identity_locked`) a verified identity, (409 `nik_taken`) a NIK held by
    another account, (409 `kk_full`) a KK held by two accounts, (409 `id_card_required`) a
    resubmission after a rejection or withdrawal without an ID-card photo uploaded since. The
    two-per-KK rule is the partial unique index on (kk_number, kk_slot) with slots 1 and 2: a
    third concurrent insert fails in the database. A first submission is verified on commit
    through the configured adapter; a resubmission after a rejection or withdrawal goes pending
    to PMO review instead (`review_required`). Audits `identity.submit`."""
    data = {k: data.get(k) for k in FIELDS}
    data["nik"] = str(data["nik"] or "").strip()
    data["kk_number"] = str(data["kk_number"] or "").strip()
    data["full_name"] = " ".join(str(data["full_name"] or "").split())
    data["city"] = str(data["city"] or "").strip()[:100]
    errors = _validate(data)
    if errors:
        raise ValidationFailed(errors=errors)
    for attempt in range(3):
        try:
            return _submit_once(user=user, data=data)
        except IntegrityError:
            # Lost a race for a KK slot (or the NIK): look again with fresh data.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


@transaction.atomic
def _submit_once(*, user, data: dict) -> Identity:
    now = clock.now()
    existing = Identity.objects.select_for_update().filter(user=user).first()
    if existing is not None and existing.status == IdentityStatus.VERIFIED:
        raise Conflict(
            _("Your identity is verified and can no longer be changed."), code="identity_locked"
        )
    released = existing is not None and existing.status not in IDENTITY_HOLDS_NIK
    if released and existing.status == IdentityStatus.WITHDRAWN and existing.nik == data["nik"]:
        # The PMO took this NIK away from this account (it was someone else's): the account
        # cannot hold it again by resubmitting, or the owner would be locked out once more.
        raise Conflict(
            _(
                "This NIK was withdrawn from your account by the program. Contact us if it is yours."
            ),
            code="nik_withdrawn",
            errors={"nik": [_("This NIK was withdrawn from your account.")]},
        )
    if released and not _new_id_card_since_release(existing):
        raise Conflict(
            _(
                "Your identity was not accepted. Upload a new photo of your ID card first; "
                "an officer then reviews your identity again."
            ),
            code="id_card_required",
            errors={"id_card": [_("Upload a new photo of your ID card.")]},
        )
    holders = Identity.objects.filter(status__in=IDENTITY_HOLDS_NIK).exclude(user=user)
    if holders.filter(nik=data["nik"]).exists():
        raise Conflict(
            _("This NIK is already registered to another account."),
            code="nik_taken",
            errors={"nik": [_("This NIK is already registered.")]},
        )
    used_slots = set(holders.filter(kk_number=data["kk_number"]).values_list("kk_slot", flat=True))
    if (
        existing is not None
        and existing.kk_number == data["kk_number"]
        and existing.kk_slot not in used_slots
    ):
        slot = existing.kk_slot
    else:
        free = [s for s in (1, 2) if s not in used_slots]
        if not free:
            raise Conflict(
                _("Two accounts are already registered with this family card (KK)."),
                code="kk_full",
                errors={"kk_number": [_("At most two accounts per family card.")]},
            )
        slot = free[0]
    before = _public(existing) if existing else None
    identity = existing or Identity(user=user)
    for field in FIELDS:
        setattr(identity, field, data[field])
    identity.kk_slot = slot
    identity.status = IdentityStatus.PENDING
    identity.rejection_reason = ""
    identity.submitted_at = now
    identity.verified_at = None
    identity.review_required = identity.review_required or released
    with transaction.atomic():  # savepoint: an IntegrityError leaves the outer block usable
        identity.save()
    audit_record(
        actor=user, action="identity.submit", obj=identity, before=before, after=_public(identity)
    )
    if not identity.review_required:
        identity_id = identity.pk
        transaction.on_commit(lambda: _verify_later(identity_id))
    return identity


def _new_id_card_since_release(identity: Identity) -> bool:
    return bool(identity.id_card) and (
        identity.released_at is None
        or (
            identity.id_card_uploaded_at is not None
            and identity.id_card_uploaded_at > identity.released_at
        )
    )


def _verify_later(identity_id: int) -> None:
    tasks.verify_identity.enqueue(identity_id)


@transaction.atomic
def identity_verify(*, identity: Identity, actor=None) -> Identity:
    """Run the configured verifier on a pending identity and record verified/rejected with the
    reason. If the registry cannot be reached the identity stays pending (the PMO can re-run it
    from the admin). An identity waiting for PMO review is verified only when a PMO admin runs
    this (`actor`, after looking at its new ID-card photo); the automatic run leaves it pending.
    Audits `identity.verify` / `identity.reject`."""
    identity = Identity.objects.select_for_update().get(pk=identity.pk)
    if identity.status != IdentityStatus.PENDING or (identity.review_required and actor is None):
        return identity
    try:
        result = get_identity_verifier().verify(identity)
    except Exception:  # the registry is down or answered garbage: stay pending, retry later
        logger.exception("identity verification failed", extra={"identity_id": identity.pk})
        return identity
    before = _public(identity)
    identity.review_required = False
    if result.verified:
        identity.status = IdentityStatus.VERIFIED
        identity.verified_at = clock.now()
        identity.rejection_reason = ""
    else:
        identity.status = IdentityStatus.REJECTED
        identity.rejection_reason = result.reason[:300]
        identity.released_at = clock.now()
    identity.save(
        update_fields=[
            "status",
            "verified_at",
            "rejection_reason",
            "released_at",
            "review_required",
        ]
    )
    audit_record(
        actor=actor,
        action="identity.verify" if result.verified else "identity.reject",
        obj=identity,
        before=before,
        after=_public(identity),
    )
    return identity


@transaction.atomic
def identity_reject(*, identity: Identity, reason: str, actor) -> Identity:
    """The PMO rejects an identity by hand (e.g. the ID-card photo does not match). Releases its
    NIK and KK slot; a resubmission then needs a new photo and a PMO review. Refuses (403) an
    actor who is not a PMO admin. Audits `identity.reject`."""
    _require_pmo(actor)
    identity = Identity.objects.select_for_update().get(pk=identity.pk)
    return _release(identity=identity, status=IdentityStatus.REJECTED, reason=reason, actor=actor)


@transaction.atomic
def identity_release(*, identity: Identity, reason: str, actor) -> Identity:
    """The PMO withdraws a pending or verified identity so its NIK and KK slot are free again
    (e.g. someone registered another person's NIK); that account cannot claim the NIK again.
    Refuses (403) an actor who is not a PMO admin, (409 `nik_not_held`) an identity that holds
    neither. Audits `identity.release`."""
    _require_pmo(actor)
    identity = Identity.objects.select_for_update().get(pk=identity.pk)
    if identity.status not in IDENTITY_HOLDS_NIK:
        raise Conflict(_("This identity does not hold its NIK."), code="nik_not_held")
    return _release(identity=identity, status=IdentityStatus.WITHDRAWN, reason=reason, actor=actor)


def _require_pmo(actor) -> None:
    # The admin's permission can be granted to any group; taking a NIK away stays the PMO's.
    if actor is None or not has_role(actor, Role.PMO_ADMIN):
        raise Forbidden(_("Only a PMO admin may reject or release an identity."))


_RELEASE_ACTIONS = {
    IdentityStatus.REJECTED: "identity.reject",
    IdentityStatus.WITHDRAWN: "identity.release",
}


def _release(*, identity: Identity, status: str, reason: str, actor) -> Identity:
    """Caller holds a row lock on the identity."""
    before = _public(identity)
    identity.status = status
    identity.rejection_reason = reason[:300]
    identity.verified_at = None
    identity.released_at = clock.now()
    identity.review_required = False
    identity.save(
        update_fields=[
            "status",
            "rejection_reason",
            "verified_at",
            "released_at",
            "review_required",
        ]
    )
    audit_record(
        actor=actor,
        action=_RELEASE_ACTIONS[status],
        obj=identity,
        before=before,
        after=_public(identity),
    )
    return identity


def _check_image(upload) -> str:
    if upload.size > ID_CARD_MAX_BYTES:
        raise ValidationFailed(errors={"id_card": [_("The photo must be at most 2 MB.")]})
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image_format = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ValidationFailed(errors={"id_card": [_("Upload a JPEG or PNG photo.")]}) from exc
    if image_format not in ID_CARD_FORMATS:
        raise ValidationFailed(errors={"id_card": [_("Upload a JPEG or PNG photo.")]})
    upload.seek(0)
    return ID_CARD_FORMATS[image_format]


@transaction.atomic
def identity_upload_id_card(*, user, upload) -> Identity:
    """Store the ID-card photo through Django storage (private: only an access-checked view
    streams it). Checks size (2 MB) and that it really is a JPEG/PNG image. Refuses (409
    `identity_locked`) once the identity is verified: the photo is part of what was verified, and
    a new one would stand unreviewed (a change goes through the PMO, which withdraws the identity
    for a new review). Audits `identity.id_card`."""
    identity = Identity.objects.select_for_update().filter(user=user).first()
    if identity is None:
        raise Conflict(_("Fill in your identity first."), code="identity_missing")
    if identity.status == IdentityStatus.VERIFIED:
        raise Conflict(
            _("Your identity is verified; its ID card photo can no longer be changed."),
            code="identity_locked",
            errors={"id_card": [_("Your identity is verified; the photo can no longer change.")]},
        )
    ext = _check_image(upload)
    old_name = identity.id_card.name if identity.id_card else ""
    identity.id_card.save(f"card.{ext}", upload, save=False)
    identity.id_card_uploaded_at = clock.now()
    identity.save(update_fields=["id_card", "id_card_uploaded_at"])
    audit_record(actor=user, action="identity.id_card", obj=identity)
    if old_name:
        storage = identity.id_card.storage
        transaction.on_commit(lambda: storage.delete(old_name))
    return identity
