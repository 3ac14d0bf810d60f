from django.urls import path
from django.utils.translation import gettext_lazy

from rapport.core.views.exports import ListExport, export_list
from rapport.service.export import complaint_columns
from rapport.service.views import complaints, report, setup, survey, survey_report

COMPLAINTS = ListExport(
    "complaints",
    gettext_lazy("Complaints"),
    complaints.listed,
    complaint_columns,
    ("contact", "assignee", "category", "root_cause__parent"),
)

app_name = "service"
urlpatterns = [
    # the public survey page (no login)
    path("s/<str:token>/", survey.survey, name="survey"),
    # complaints
    path("complaints/", complaints.complaint_list, name="complaint_list"),
    path("complaints/new/", complaints.complaint_create, name="complaint_create"),
    path("complaints/<int:pk>/", complaints.complaint_detail, name="complaint_detail"),
    path("complaints/<int:pk>/edit/", complaints.complaint_edit, name="complaint_edit"),
    path("complaints/<int:pk>/status/", complaints.complaint_status, name="complaint_status"),
    path("complaints/<int:pk>/resolve/", complaints.complaint_resolve, name="complaint_resolve"),
    path("complaints/<int:pk>/reopen/", complaints.complaint_reopen, name="complaint_reopen"),
    path("complaints/<int:pk>/assign/", complaints.complaint_assign, name="complaint_assign"),
    path("complaints/<int:pk>/delete/", complaints.complaint_delete, name="complaint_delete"),
    path(
        "complaints/export/<str:fmt>/", export_list, {"spec": COMPLAINTS}, name="complaint_export"
    ),
    # the root-cause report
    path("complaints/root-causes/", report.root_cause_page, name="root_causes"),
    path("complaints/root-causes.csv", report.root_cause_csv, name="root_causes_csv"),
    # why customers left (exit surveys), NPS and trip feedback
    path("surveys/why-customers-left/", survey_report.exit_reason_page, name="exit_reasons"),
    path("surveys/why-customers-left.csv", survey_report.exit_reason_csv, name="exit_reasons_csv"),
    path(
        "surveys/why-customers-left/comments.csv",
        survey_report.exit_comment_csv,
        name="exit_comments_csv",
    ),
    # set-up
    path("service/settings/", setup.settings_page, name="settings"),
    path("service/settings/categories/", setup.category_save, name="category_add"),
    path("service/settings/categories/<int:pk>/", setup.category_save, name="category_save"),
    path("service/settings/causes/", setup.cause_save, name="cause_add"),
    path("service/settings/causes/<int:pk>/", setup.cause_save, name="cause_save"),
    path("service/settings/sla/", setup.policies_save, name="policies_save"),
    path("service/settings/hours/", setup.hours_save, name="hours_save"),
    path("service/settings/holidays/", setup.holiday_add, name="holiday_add"),
    path("service/settings/holidays/<int:pk>/delete/", setup.holiday_delete, name="holiday_delete"),
]
