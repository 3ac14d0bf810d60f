from django.urls import path
from django.utils.translation import gettext_lazy

from rapport.activities.export import activity_columns
from rapport.activities.views import activities, calendar, feed, my_day
from rapport.core.views.exports import ListExport, export_list

ACTIVITIES = ListExport(
    "activities",
    gettext_lazy("Activities"),
    activities.listed,
    activity_columns,
    ("contact", "deal", "assignee"),
)

app_name = "activities"
urlpatterns = [
    path("calendar/", calendar.calendar, name="calendar"),
    path("calendar/move/", calendar.calendar_reschedule, name="calendar_reschedule"),
    path("calendar/<str:secret>.ics", feed.calendar_feed, name="calendar_feed"),
    path("my-day/", my_day.my_day, name="my_day"),
    # the activity is a form field: the page reverses each URL once, not per row (speed)
    path("my-day/complete/", my_day.day_complete, name="day_complete"),
    path("my-day/reschedule/", my_day.day_reschedule, name="day_reschedule"),
    path("activities/", activities.activity_list, name="activity_list"),
    path("activities/new/", activities.activity_create, name="activity_create"),
    path("activities/<int:pk>/", activities.activity_detail, name="activity_detail"),
    path("activities/<int:pk>/edit/", activities.activity_edit, name="activity_edit"),
    path("activities/<int:pk>/complete/", activities.activity_complete, name="activity_complete"),
    path("activities/<int:pk>/cancel/", activities.activity_cancel, name="activity_cancel"),
    path("activities/<int:pk>/move/", activities.activity_move, name="activity_move"),
    path("activities/<int:pk>/delete/", activities.activity_delete, name="activity_delete"),
    path(
        "activities/export/<str:fmt>/",
        export_list,
        {"spec": ACTIVITIES},
        name="activity_export",
    ),
]
