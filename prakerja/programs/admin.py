"""The PMO's back office for switches, announcements and waves. Every save goes through a
service so it is validated and audited."""

from django.contrib import admin, messages
from django.db.models import Max, OuterRef, Subquery
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from prakerja.core import clock
from prakerja.core.admin import ReadOnlyModelAdmin
from prakerja.core.errors import DomainError
from prakerja.switches.selectors import switch_state

from . import selectors, services
from .models import (
    Announcement,
    Application,
    SkillsAttemptStatus,
    SkillsChoice,
    SkillsQuestion,
    SkillsTestAttempt,
    Wave,
    WaveState,
)


@admin.register(Announcement)
class AnnouncementAdmin(admin.ModelAdmin):
    list_display = ["title", "publish_at", "expires_at", "show_banner", "while_switch_on", "live"]
    search_fields = ["title"]
    date_hierarchy = "publish_at"

    @admin.display(boolean=True, description=_("live"))
    def live(self, obj):
        now = clock.now()
        return (
            obj.publish_at <= now
            and (obj.expires_at is None or now < obj.expires_at)
            and (not obj.while_switch_on or switch_state(obj.while_switch_on).active)
        )

    def save_model(self, request, obj, form, change):
        services.announcement_save(announcement=obj, actor=request.user)

    def delete_model(self, request, obj):
        services.announcement_delete(announcement=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.announcement_delete(announcement=obj, actor=request.user)


@admin.register(Wave)
class WaveAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "opens_at", "closes_at", "quota", "state", "funnel_link"]
    readonly_fields = ["selection_ran_at"]
    actions = ["run_selection"]

    @admin.display(description=_("state"))
    def state(self, obj):
        return WaveState(obj.state_at(clock.now())).label

    @admin.display(description=_("funnel"))
    def funnel_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:programs_wave_funnel", args=[obj.pk]), _("funnel")
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/funnel/",
                self.admin_site.admin_view(self.funnel_view),
                name="programs_wave_funnel",
            )
        ] + super().get_urls()

    def funnel_view(self, request, pk: int):
        wave = Wave.objects.get(pk=pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Funnel of %(wave)s") % {"wave": wave},
            "wave": wave,
            "funnel": selectors.wave_funnel(wave=wave),
        }
        return TemplateResponse(request, "programs/admin/funnel.html", context)

    def save_model(self, request, obj, form, change):
        services.wave_save(wave=obj, actor=request.user)

    @admin.action(description=_("Run selection for the selected closed waves"))
    def run_selection(self, request, queryset):
        for wave in queryset:
            try:
                result = services.wave_run_selection(wave=wave, actor=request.user)
            except DomainError as exc:
                self.message_user(request, f"{wave}: {exc.message}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(wave)s: %(selected)d selected, %(not_selected)d not selected.")
                    % {"wave": wave, **result},
                )


@admin.register(Application)
class ApplicationAdmin(ReadOnlyModelAdmin):
    list_display = ["wave", "participant", "status", "skills_score", "joined_at", "decided_at"]
    list_filter = ["wave", "status"]
    list_select_related = ["wave", "participant"]
    search_fields = ["participant__email"]
    show_full_result_count = False

    def get_queryset(self, request):
        best = (
            SkillsTestAttempt.objects.filter(
                participant=OuterRef("participant"), status=SkillsAttemptStatus.SUBMITTED
            )
            .values("participant")
            .annotate(best=Max("score"))
            .values("best")
        )
        return super().get_queryset(request).annotate(skills_score=Subquery(best))

    @admin.display(description=_("basic skills test (best score)"), ordering="skills_score")
    def skills_score(self, obj):
        return obj.skills_score


class SkillsChoiceInline(admin.TabularInline):
    model = SkillsChoice
    extra = 0


@admin.register(SkillsQuestion)
class SkillsQuestionAdmin(admin.ModelAdmin):
    """The question bank. A question that attempts used cannot be deleted; make it inactive."""

    list_display = ["text", "topic", "active"]
    list_filter = ["topic", "active"]
    inlines = [SkillsChoiceInline]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SkillsTestAttempt)
class SkillsTestAttemptAdmin(ReadOnlyModelAdmin):
    list_display = ["participant", "status", "score", "started_at", "completed_at"]
    list_filter = ["status"]
    list_select_related = ["participant"]
    search_fields = ["participant__email"]
    show_full_result_count = False
