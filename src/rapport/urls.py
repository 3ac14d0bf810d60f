from django.contrib import admin
from django.urls import include, path

# Each app serves its own pages under its own namespace (ARCHITECTURE: docs/architecture.md);
# `web` keeps only the layout and the home page.
urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("rapport.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("rapport.core.urls")),
    path("", include("rapport.accounts.urls")),
    path("", include("rapport.contacts.urls")),
    path("", include("rapport.timeline.urls")),
    path("", include("rapport.catalog.urls")),
    path("", include("rapport.sales.urls")),
    path("", include("rapport.service.urls")),
    path("", include("rapport.activities.urls")),
    path("", include("rapport.analytics.urls")),
    path("", include("rapport.segments.urls")),
    path("", include("rapport.campaigns.urls")),
    path("", include("rapport.automation.urls")),
    path("", include("rapport.web.urls")),
]
