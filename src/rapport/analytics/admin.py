"""Back office: exchange rates (edited here) and the record of analytics runs (read only)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from rapport.analytics.labels import refresh_step
from rapport.analytics.models import AnalyticsRun, ExchangeRate
from rapport.analytics.refresh.messages import describe_warning


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    list_display = ("currency", "rate", "valid_from")
    list_filter = ("currency",)
    ordering = ("currency", "-valid_from")


@admin.register(AnalyticsRun)
class AnalyticsRunAdmin(admin.ModelAdmin):
    list_display = ("kind", "as_of", "status", "computed_at", "seconds", "customers", "rows_read")
    list_filter = ("kind", "status")
    readonly_fields = ("step_table", "warning_list", "fits", "rates", "settings", "note")
    exclude = ("steps", "warnings")
    show_full_result_count = False

    @admin.display(description=_("steps"))
    def step_table(self, run: AnalyticsRun) -> str:
        return format_html_join(
            "\n", "<div>{}: {} s, {} rows</div>",
            ((refresh_step(s["step"]), s["seconds"], s["rows"]) for s in run.steps),
        )  # fmt: skip

    @admin.display(description=_("warnings"))
    def warning_list(self, run: AnalyticsRun) -> str:
        return format_html_join(
            "\n", "<div>{}</div>", ((describe_warning(w),) for w in run.warnings)
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
