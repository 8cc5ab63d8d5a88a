from django.contrib import admin

from .models import BouncingAddress, InboundMail, OutboundMail


@admin.register(InboundMail)
class InboundMailAdmin(admin.ModelAdmin):
    """Read-only: what reached the mailbox and what became of it."""

    list_display = ("received_at", "from_address", "subject", "outcome", "dmarc", "ticket")
    list_filter = ("outcome", "dmarc")
    search_fields = ("message_id", "from_address", "subject")
    raw_id_fields = ("ticket", "ticket_message")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OutboundMail)
class OutboundMailAdmin(admin.ModelAdmin):
    list_display = ("created_at", "to_address", "kind", "status", "attempts", "ticket")
    list_filter = ("status", "kind")
    search_fields = ("message_id", "to_address")
    raw_id_fields = ("ticket", "ticket_message")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(BouncingAddress)
class BouncingAddressAdmin(admin.ModelAdmin):
    """Deleting a row lets ticket e-mails go to the address again."""

    list_display = ("address", "bounced_at", "bounces", "diagnostic")
    search_fields = ("address",)
