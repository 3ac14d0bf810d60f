from django.contrib import admin

from rapport.activities.models import Activity, ActivityReminder


class ReminderInline(admin.TabularInline):
    model = ActivityReminder
    extra = 0


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["subject", "kind", "due_at", "time_zone", "status", "assignee"]
    list_filter = ["status", "kind"]
    search_fields = ["subject"]
    raw_id_fields = ["contact", "deal", "assignee", "series", "created_by"]
    inlines = [ReminderInline]
