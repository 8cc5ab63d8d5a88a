from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from prakerja.core.admin import ReadOnlyModelAdmin

from . import services
from .models import LinkedAccount, Provider


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "number_pattern", "is_active", "position"]
    list_editable = ["is_active", "position"]

    def save_model(self, request, obj, form, change):
        services.provider_save(provider=obj, actor=request.user)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LinkedAccount)
class LinkedAccountAdmin(ReadOnlyModelAdmin):
    list_display = ["user", "provider", "number", "status", "requested_at", "confirmed_at"]
    list_filter = ["status", "provider"]
    list_select_related = ["user", "provider"]
    search_fields = ["user__email"]
    exclude = ["account_number"]
    readonly_fields = ["number"]
    show_full_result_count = False

    @admin.display(description=_("account number"))
    def number(self, obj):
        return obj.masked_number
