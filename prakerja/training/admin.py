"""The PMO's back office for the marketplace: partner platforms (created with their integration
user and token, suspended, reinstated), catalog moderation, and read-only cards, purchases,
certificates and reviews. Every change goes through a service, so it is audited."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from prakerja.core import clock
from prakerja.core.admin import ReadOnlyModelAdmin
from prakerja.core.errors import DomainError

from .models import (
    Card,
    CardStatus,
    Certificate,
    Course,
    CourseStatus,
    Institution,
    Platform,
    Purchase,
    Review,
)
from .services import course_moderate, platform_create, platform_set_active


@admin.register(Platform)
class PlatformAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "is_active", "created_at"]
    search_fields = ["name", "slug"]
    fields = ["slug", "name"]
    actions = ["suspend", "reinstate"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_suspend_permission(self, request) -> bool:
        return request.user.has_perm("training.change_platform")

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        try:
            platform, token = platform_create(
                slug=form.cleaned_data["slug"], name=form.cleaned_data["name"], actor=request.user
            )
        except DomainError as exc:
            self.message_user(request, str(exc.message), messages.ERROR)
            return
        obj.pk = platform.pk
        messages.warning(
            request,
            _("Copy the platform's API token now; it will not be shown again: %(token)s")
            % {"token": token},
        )

    @admin.action(description=_("Suspend the selected platforms"), permissions=["suspend"])
    def suspend(self, request, queryset):
        for platform in queryset:
            platform_set_active(platform=platform, active=False, actor=request.user)

    @admin.action(description=_("Reinstate the selected platforms"), permissions=["suspend"])
    def reinstate(self, request, queryset):
        for platform in queryset:
            platform_set_active(platform=platform, active=True, actor=request.user)


@admin.register(Institution)
class InstitutionAdmin(ReadOnlyModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]


@admin.register(Course)
class CourseAdmin(ReadOnlyModelAdmin):
    list_display = ["title", "platform", "institution", "price", "mode", "category", "status"]
    list_filter = ["status", "mode", "platform"]
    list_select_related = ["platform", "institution"]
    search_fields = ["title", "external_id", "institution__name"]
    actions = ["approve", "reject"]

    def has_moderate_permission(self, request) -> bool:
        return request.user.has_perm("training.change_course")

    def _moderate(self, request, queryset, approve: bool) -> None:
        for course in queryset:
            course_moderate(course=course, approve=approve, actor=request.user)
        self.message_user(request, _("%(count)d courses updated.") % {"count": len(queryset)})

    @admin.action(
        description=_("Approve the selected courses (visible in the catalog)"),
        permissions=["moderate"],
    )
    def approve(self, request, queryset):
        self._moderate(request, queryset.exclude(status=CourseStatus.APPROVED), approve=True)

    @admin.action(description=_("Reject the selected courses"), permissions=["moderate"])
    def reject(self, request, queryset):
        self._moderate(request, queryset.exclude(status=CourseStatus.REJECTED), approve=False)


@admin.register(Card)
class CardAdmin(ReadOnlyModelAdmin):
    list_display = [
        "number",
        "participant",
        "balance",
        "status_now",
        "issued_at",
        "first_purchase_deadline",
        "revoked_at",
    ]
    list_select_related = ["participant"]
    search_fields = ["number", "participant__email"]
    show_full_result_count = False

    @admin.display(description=_("status"))
    def status_now(self, obj):
        return CardStatus(obj.status_at(clock.now())).label


@admin.register(Purchase)
class PurchaseAdmin(ReadOnlyModelAdmin):
    list_display = ["voucher_code", "course", "card", "price", "status", "purchased_at"]
    list_filter = ["status"]
    list_select_related = ["course", "card"]
    search_fields = ["voucher_code", "card__number"]
    show_full_result_count = False


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyModelAdmin):
    list_display = ["number", "purchase", "issued_at"]
    list_select_related = ["purchase"]
    search_fields = ["number"]


@admin.register(Review)
class ReviewAdmin(ReadOnlyModelAdmin):
    list_display = ["purchase", "rating", "created_at"]
    list_select_related = ["purchase"]
    list_filter = ["rating"]
