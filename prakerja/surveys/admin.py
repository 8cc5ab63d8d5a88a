from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from prakerja.core.admin import MaskNikAdmin
from prakerja.helpdesk.models import Channel

from .models import Survey


@admin.register(Survey)
class SurveyAdmin(MaskNikAdmin, admin.ModelAdmin):
    """Read-only: answers come only from requesters."""

    nik_masked_fields = ("comment",)

    list_display = ("id", "ticket", "channel_label", "delivery", "sent_at", "answered_at", "rating")
    list_filter = ("channel", "delivery", "rating")
    search_fields = ("ticket__reference",)
    readonly_fields = [f.name for f in Survey._meta.fields]
    list_select_related = ("ticket",)

    @admin.display(description=_("channel"), ordering="channel")
    def channel_label(self, obj):
        # The survey keeps the ticket's channel code; its label lives with the channel.
        return Channel(obj.channel).label if obj.channel in Channel.values else obj.channel

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
