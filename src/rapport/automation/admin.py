"""Back office for scenarios: events and runs are read-only (the engine writes them)."""

from typing import Any

from django.contrib import admin

from rapport.automation.models import Event, Run, RunStep, Scenario, ScenarioVersion


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Scenario)
class ScenarioAdmin(admin.ModelAdmin):
    list_display = ["name", "status", "published", "template", "active_since", "updated_at"]
    list_filter = ["status"]
    search_fields = ["name"]
    raw_id_fields = ["created_by", "published"]


@admin.register(ScenarioVersion)
class ScenarioVersionAdmin(ReadOnly):
    list_display = ["scenario", "number", "published_at", "published_by"]
    raw_id_fields = ["scenario", "published_by"]


@admin.register(Event)
class EventAdmin(ReadOnly):
    list_display = ["id", "name", "source", "contact", "occurred_at", "processed_at"]
    list_filter = ["source", "name"]
    raw_id_fields = ["contact"]


class RunStepInline(admin.TabularInline):
    model = RunStep
    extra = 0
    can_delete = False
    readonly_fields = ["position", "kind", "outcome", "detail", "at"]


@admin.register(Run)
class RunAdmin(ReadOnly):
    list_display = ["id", "scenario", "contact", "status", "position", "due_at", "started_at"]
    list_filter = ["status", "holdout"]
    raw_id_fields = ["scenario", "version", "contact", "event"]
    inlines = [RunStepInline]
