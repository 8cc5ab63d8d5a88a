"""Back-office configuration of the contact center (supervisors and PMO). Tickets are worked in
the agent workspace, so the admin shows them read-only."""

from collections.abc import Callable

from django.contrib import admin

from prakerja.core.admin import MaskNikAdmin, ReadOnlyModelAdmin

from . import services
from .models import (
    AgentPresence,
    Article,
    CannedResponse,
    Category,
    HoursException,
    RosterEntry,
    Shift,
    SlaTarget,
    Ticket,
    WeeklyHours,
)


class ServiceAdminMixin:
    """Saves and deletes through the service that audits the change and clears the cached
    setting (`services.configuration`), the bulk delete action too."""

    save_service: Callable
    delete_service: Callable
    service_arg: str

    def save_model(self, request, obj, form, change):
        self.save_service(**{self.service_arg: obj, "actor": request.user})

    def delete_model(self, request, obj):
        self.delete_service(**{self.service_arg: obj, "actor": request.user})

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(Category)
class CategoryAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ["slug", "name_id", "name_en", "position", "is_active"]
    list_editable = ["position", "is_active"]
    save_service = staticmethod(services.category_save)
    delete_service = staticmethod(services.category_delete)
    service_arg = "category"


@admin.register(SlaTarget)
class SlaTargetAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ["priority", "first_response_minutes", "resolution_minutes"]
    save_service = staticmethod(services.sla_target_save)
    delete_service = staticmethod(services.sla_target_delete)
    service_arg = "target"


@admin.register(WeeklyHours)
class WeeklyHoursAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ["weekday", "opens_at", "closes_at", "is_closed"]
    save_service = staticmethod(services.weekly_hours_save)
    delete_service = staticmethod(services.weekly_hours_delete)
    service_arg = "day"


@admin.register(HoursException)
class HoursExceptionAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ["date", "is_closed", "opens_at", "closes_at", "note"]
    save_service = staticmethod(services.hours_exception_save)
    delete_service = staticmethod(services.hours_exception_delete)
    service_arg = "exception"


@admin.register(Shift)
class ShiftAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "starts_at", "ends_at", "is_active"]


@admin.register(RosterEntry)
class RosterEntryAdmin(admin.ModelAdmin):
    list_display = ["date", "shift", "agent"]
    list_filter = ["shift", "date"]
    list_select_related = ["shift", "agent"]
    raw_id_fields = ["agent"]
    date_hierarchy = "date"


@admin.register(AgentPresence)
class AgentPresenceAdmin(admin.ModelAdmin):
    list_display = ["agent", "status", "last_seen_at", "ticket_limit"]
    list_editable = ["ticket_limit"]
    list_select_related = ["agent"]
    readonly_fields = ["agent", "status", "last_seen_at", "changed_at", "last_routed_at"]


@admin.register(CannedResponse)
class CannedResponseAdmin(admin.ModelAdmin):
    list_display = ["title", "category", "is_active"]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "category", "language", "is_published", "position", "updated_at"]
    list_filter = ["category", "is_published", "language"]
    prepopulated_fields = {"slug": ("title",)}
    search_fields = ["title", "body"]
    exclude = ["author"]

    def save_model(self, request, obj, form, change):
        obj.author = request.user
        super().save_model(request, obj, form, change)


@admin.register(Ticket)
class TicketAdmin(MaskNikAdmin, ReadOnlyModelAdmin):
    nik_masked_fields = ("subject", "description", "requester_name")
    list_display = [
        "reference",
        "channel",
        "status",
        "priority",
        "category",
        "assignee",
        "created_at",
    ]
    list_filter = ["status", "channel", "priority"]
    search_fields = ["=reference", "requester_email"]
    list_select_related = ["category", "assignee"]
    show_full_result_count = False
