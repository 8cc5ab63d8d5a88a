from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import SmsOutbox, User


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
class SmsOutboxAdmin(admin.ModelAdmin):
    """Read-only: support staff look up what was sent (OTP texts included, for the outbox demo)."""

    list_display = ["created_at", "to", "status", "gateway", "short_text"]
    list_filter = ["status", "gateway"]
    search_fields = ["to"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    @admin.display(description=_("text"))
    def short_text(self, obj):
        return obj.text[:80]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
