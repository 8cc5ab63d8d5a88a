from django.contrib import admin

from prakerja.core.admin import MaskNikAdmin

from .models import AgentExtension, Call, Callback, CallEvent
from .services import agent_extension_set


class CallEventInline(admin.TabularInline):
    model = CallEvent
    extra = 0
    can_delete = False
    fields = ("event", "key", "occurred_at", "received_at", "payload")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    """Read-only: calls are written by the PBX's events (services.call_event_record)."""

    list_display = (
        "call_id",
        "direction",
        "caller_number",
        "agent",
        "outcome",
        "ringing_at",
        "waiting_seconds",
        "talking_seconds",
        "ticket",
    )
    list_filter = ("outcome", "direction", "manual")
    search_fields = ("call_id", "caller_number", "from_raw", "agent__username")
    date_hierarchy = "ringing_at"
    list_select_related = ("agent", "ticket")
    inlines = [CallEventInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Callback)
class CallbackAdmin(MaskNikAdmin, admin.ModelAdmin):
    nik_masked_fields = ("notes",)
    list_display = ("number", "status", "missed_count", "first_missed_at", "claimed_by", "result")
    list_filter = ("status", "result")
    search_fields = ("number",)
    list_select_related = ("claimed_by",)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(AgentExtension)
class AgentExtensionAdmin(admin.ModelAdmin):
    list_display = ("extension", "agent")
    search_fields = ("extension", "agent__username")
    raw_id_fields = ("agent",)

    def save_model(self, request, obj, form, change):

        ext = agent_extension_set(agent=obj.agent, extension=obj.extension, actor=request.user)
        obj.pk = ext.pk
