from django.contrib import admin

from prakerja.core.admin import MaskNikAdmin

from .models import Survey


@admin.register(Survey)
class SurveyAdmin(MaskNikAdmin, admin.ModelAdmin):
    """Read-only: answers come only from requesters."""

    nik_masked_fields = ("comment",)

    list_display = ("id", "ticket", "channel", "delivery", "sent_at", "answered_at", "rating")
    list_filter = ("channel", "delivery", "rating")
    search_fields = ("ticket__reference",)
    readonly_fields = [f.name for f in Survey._meta.fields]
    list_select_related = ("ticket",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
