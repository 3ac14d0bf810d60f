from django.urls import path

from rapport.analytics import views
from rapport.analytics.views import customers_screens, referrers

app_name = "analytics"
urlpatterns = [
    path("analytics/", views.acquisition_page, name="acquisition"),
    path("analytics/acquisition.csv", views.acquisition_csv, name="acquisition_csv"),
    path("analytics/funnel/", views.funnel_page, name="funnel"),
    path("analytics/refresh/", views.refresh, name="analytics_refresh"),
    path("analytics/rfm/", customers_screens.rfm_page, name="rfm"),
    path("analytics/rfm.csv", customers_screens.rfm_csv, name="rfm_csv"),
    path("analytics/abc-xyz/", customers_screens.abc_xyz_page, name="abc_xyz"),
    path("analytics/abc-xyz.csv", customers_screens.abc_xyz_csv, name="abc_xyz_csv"),
    path("analytics/clv/", customers_screens.clv_page, name="clv"),
    path("analytics/clv.csv", customers_screens.clv_csv, name="clv_csv"),
    path("analytics/referrers/", referrers.referrers_page, name="referrers"),
    path("analytics/referrers.csv", referrers.referrers_csv, name="referrers_csv"),
    path("contacts/<int:pk>/journey/", views.contact_journey, name="contact_journey"),
]
