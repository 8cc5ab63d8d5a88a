from functools import partial

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from .errors import DomainError
from .logging import mask_nik
from .models import ApiToken, AuditLog
from .services import api_token_create, api_token_revoke


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """A back-office list of rows the application writes (audit, outbox, tickets, links): the
    PMO can look and search, never add, edit or delete."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _masked(obj, *, name: str) -> str:
    return mask_nik(str(getattr(obj, name) or ""))


class MaskNikAdmin:
    """Shows the free-text fields in `nik_masked_fields` (typed by requesters or agents, where a
    NIK may be) through `mask_nik`, read-only, on the admin's pages. Mix in before ModelAdmin."""

    nik_masked_fields: tuple[str, ...] = ()

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        for name in self.nik_masked_fields:
            label = model._meta.get_field(name).verbose_name
            setattr(
                self,
                f"{name}_masked",
                admin.display(description=label)(partial(_masked, name=name)),
            )

    def _swap(self, names) -> list[str]:
        return [f"{n}_masked" if n in self.nik_masked_fields else n for n in names]

    def get_fields(self, request, obj=None):
        return self._swap(super().get_fields(request, obj))

    def get_readonly_fields(self, request, obj=None):
        readonly = self._swap(super().get_readonly_fields(request, obj))
        return readonly + [
            f"{n}_masked" for n in self.nik_masked_fields if f"{n}_masked" not in readonly
        ]


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyModelAdmin):
    list_display = [
        "at",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "object_label",
        "request_id",
    ]
    list_filter = ["action", "object_type"]
    search_fields = ["object_id", "actor_label", "request_id", "object_label"]
    date_hierarchy = "at"
    list_select_related = ["actor"]
    show_full_result_count = False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    fields = ["user", "name"]
    autocomplete_fields = ["user"]
    actions = ["revoke"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        try:
            token, raw = api_token_create(
                user=form.cleaned_data["user"], name=form.cleaned_data["name"], actor=request.user
            )
        except DomainError as exc:
            raise PermissionDenied(exc.message) from exc
        obj.pk = token.pk
        messages.warning(
            request,
            _("Copy this token now; it will not be shown again: %(token)s") % {"token": raw},
        )

    @admin.action(description=_("Revoke selected tokens"))
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            api_token_revoke(token=token, actor=request.user)
