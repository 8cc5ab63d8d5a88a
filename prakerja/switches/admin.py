"""The PMO's back office for switches: every save is validated and audited by the services."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from prakerja.core import clock

from . import selectors, services
from .models import Switch, SwitchWindow


class WindowFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        windows = [
            (f.cleaned_data.get("active_from"), f.cleaned_data.get("active_until"))
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        problems = services.windows_errors(windows)
        if problems:
            raise ValidationError(problems)


class SwitchWindowInline(admin.TabularInline):
    model = SwitchWindow
    formset = WindowFormSet
    extra = 1


@admin.register(Switch)
class SwitchAdmin(admin.ModelAdmin):
    list_display = ["name", "state_now", "override", "next_change"]
    fields = ["name", "override", "message"]
    inlines = [SwitchWindowInline]

    def get_readonly_fields(self, request, obj=None):
        return ["name"] if obj else []

    @admin.display(description=_("now"))
    def state_now(self, obj):
        return _("on") if selectors.switch_state(obj.name).active else _("off")

    @admin.display(description=_("next change"))
    def next_change(self, obj):
        moment = selectors.switch_state(obj.name).next_change_at
        return clock.to_local(moment).strftime("%Y-%m-%d %H:%M:%S WIB") if moment else "—"

    def save_model(self, request, obj, form, change):
        request._switch_before = (
            selectors.switch_schedule(switch=Switch.objects.get(pk=obj.pk)) if obj.pk else None
        )
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.audit_switch_change(
            switch=form.instance,
            before=getattr(request, "_switch_before", None),
            actor=request.user,
        )

    def has_delete_permission(self, request, obj=None):
        return False
