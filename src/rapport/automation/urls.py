from django.urls import path

from rapport.automation.views import dry_run, editing, pages, report

app_name = "automation"
urlpatterns = [
    path("scenarios/", pages.scenario_list, name="scenario_list"),
    path("scenarios/new/", pages.scenario_create, name="scenario_create"),
    path("scenarios/<int:pk>/", pages.scenario_detail, name="scenario_detail"),
    path("scenarios/<int:pk>/steps/save/", editing.step_save, name="step_save"),
    path("scenarios/<int:pk>/steps/change/", editing.step_change, name="step_change"),
    path("scenarios/<int:pk>/trigger/", editing.trigger_save, name="trigger_save"),
    path("scenarios/<int:pk>/settings/", editing.settings_save, name="settings_save"),
    path("scenarios/<int:pk>/dry-run/", dry_run.dry_run_view, name="dry_run"),
    path("scenarios/<int:pk>/report/", report.scenario_report_page, name="scenario_report"),
    path("scenarios/<int:pk>/<str:action>/", pages.scenario_action, name="scenario_action"),
]
