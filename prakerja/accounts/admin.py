from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from prakerja.core.admin import ReadOnlyModelAdmin
from prakerja.core.errors import DomainError
from prakerja.core.logging import mask_nik

from .models import Identity, IdentityStatus, SmsOutbox, User
from .services import identity_reject, identity_release, identity_verify


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "email", "full_name", "phone", "is_active", "date_joined"]
    search_fields = ["username", "email", "full_name", "phone"]
    ordering = ["-date_joined"]
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Personal info"), {"fields": ["full_name", "email", "phone"]}),
        (_("Access"), {"fields": ["is_active", "is_superuser", "groups"]}),
        (
            _("Important dates"),
            {"fields": ["last_login", "date_joined", "email_verified_at", "phone_verified_at"]},
        ),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "email", "full_name", "password1", "password2"],
            },
        )
    ]
    list_filter = ["is_active", "groups"]


@admin.register(SmsOutbox)
class SmsOutboxAdmin(ReadOnlyModelAdmin):
    """Read-only: support staff look up what was sent (OTP texts included, for the outbox demo)."""

    list_display = ["created_at", "to", "status", "gateway", "short_text"]
    list_filter = ["status", "gateway"]
    search_fields = ["to"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    @admin.display(description=_("text"))
    def short_text(self, obj):
        return mask_nik(obj.text)[:80]


@admin.register(Identity)
class IdentityAdmin(admin.ModelAdmin):
    """The PMO reviews identities: verify through the adapter or reject with a reason, and
    release the NIK and KK slot an identity holds."""

    list_display = [
        "user",
        "masked_nik",
        "full_name",
        "status",
        "review_required",
        "submitted_at",
        "has_id_card",
    ]
    list_filter = ["status", "review_required"]
    search_fields = ["user__email", "full_name", "=nik"]
    list_select_related = ["user"]
    readonly_fields = [
        "user",
        "masked_nik",
        "full_name",
        "birth_date",
        "gender",
        "province",
        "city",
        "education",
        "work_status",
        "status",
        "review_required",
        "rejection_reason",
        "submitted_at",
        "verified_at",
        "released_at",
        "id_card_link",
    ]
    exclude = ["nik", "kk_number", "id_card", "declared_not_student", "declared_not_official"]
    actions = ["verify", "reject_photo", "release_nik"]
    show_full_result_count = False

    @admin.display(description=_("NIK"))
    def masked_nik(self, obj):
        return mask_nik(obj.nik)

    @admin.display(boolean=True, description=_("ID card"))
    def has_id_card(self, obj):
        return bool(obj.id_card)

    @admin.display(description=_("ID card photo"))
    def id_card_link(self, obj):
        if not obj.id_card:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("accounts:id_card_file", args=[obj.pk]), _("View")
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Verify through the registry (after reviewing the ID-card photo)"))
    def verify(self, request, queryset):
        for identity in queryset.filter(status=IdentityStatus.PENDING):
            identity_verify(identity=identity, actor=request.user)

    @admin.action(description=_("Reject: ID card photo does not match"))
    def reject_photo(self, request, queryset):
        for identity in queryset:
            try:
                identity_reject(
                    identity=identity,
                    reason=str(_("The ID card photo does not match the data entered.")),
                    actor=request.user,
                )
            except DomainError as exc:
                self.message_user(request, f"{identity}: {exc.message}", messages.ERROR)

    @admin.action(
        description=_("Release the NIK and family-card slot (withdraw the identity)"),
        permissions=["change"],
    )
    def release_nik(self, request, queryset):
        for identity in queryset:
            try:
                identity_release(
                    identity=identity,
                    reason=str(_("Withdrawn by the PMO: the NIK is free again.")),
                    actor=request.user,
                )
            except DomainError as exc:
                self.message_user(request, f"{identity}: {exc.message}", messages.ERROR)
            else:
                self.message_user(
                    request, _("%(identity)s: NIK released.") % {"identity": identity}
                )
