from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


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
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
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
