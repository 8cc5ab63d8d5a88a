"""Back-office configuration of the contact center (supervisors and PMO). Tickets are worked in
the agent workspace, so the admin shows them read-only."""

from django.contrib import admin

from prakerja.core.admin import ReadOnlyModelAdmin
from prakerja.core.memo import setting_forget

from . import hours
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


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["slug", "name_id", "name_en", "position", "is_active"]
    list_editable = ["position", "is_active"]

    def save_model(self, request, obj, form, change):
        from .selectors import CATEGORIES_CACHE_KEY

        super().save_model(request, obj, form, change)
        setting_forget(CATEGORIES_CACHE_KEY)


@admin.register(SlaTarget)
class SlaTargetAdmin(admin.ModelAdmin):
    list_display = ["priority", "first_response_minutes", "resolution_minutes"]

    def save_model(self, request, obj, form, change):
        from .services.tickets import SLA_CACHE_KEY

        super().save_model(request, obj, form, change)
        setting_forget(SLA_CACHE_KEY)


class HoursAdminMixin:
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        hours.invalidate_schedule()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        hours.invalidate_schedule()


@admin.register(WeeklyHours)
class WeeklyHoursAdmin(HoursAdminMixin, admin.ModelAdmin):
    list_display = ["weekday", "opens_at", "closes_at", "is_closed"]


@admin.register(HoursException)
class HoursExceptionAdmin(HoursAdminMixin, admin.ModelAdmin):
    list_display = ["date", "is_closed", "opens_at", "closes_at", "note"]


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
class TicketAdmin(ReadOnlyModelAdmin):
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
