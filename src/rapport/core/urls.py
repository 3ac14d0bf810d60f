from django.urls import path

from rapport.core.views import imports, jobs

app_name = "core"
urlpatterns = [
    path("imports/", imports.job_list, name="import_list"),
    path("imports/<str:kind>/", imports.upload, name="import_upload"),
    path("imports/<str:kind>/preview/<str:token>/", imports.preview, name="import_preview"),
    path("imports/jobs/<int:pk>/", imports.job_detail, name="import_job"),
    path("imports/jobs/<int:pk>/errors.csv", imports.job_errors, name="import_job_errors"),
    path("imports/jobs/<int:pk>/run/", imports.job_run, name="import_job_run"),
    path("jobs/", jobs.job_list, name="job_list"),
    path("jobs/<str:name>/run/", jobs.job_run, name="job_run"),
]
