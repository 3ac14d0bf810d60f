from django.urls import path

from rapport.analytics import views
from rapport.analytics.views import customers_screens, referrers, trend_screens

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
# cohorts, forecast, cross-sell, managers and the refresh status (views/trend_screens.py)
urlpatterns += [
    path("analytics/cohorts/", trend_screens.cohorts_page, name="cohorts"),
    path("analytics/cohorts.csv", trend_screens.cohorts_csv, name="cohorts_csv"),
    path("analytics/forecast/", trend_screens.forecast_page, name="forecast"),
    path("analytics/forecast.csv", trend_screens.forecast_csv, name="forecast_csv"),
    path("analytics/cross-sell/", trend_screens.cross_sell_page, name="cross_sell"),
    path("analytics/cross-sell.csv", trend_screens.cross_sell_csv, name="cross_sell_csv"),
    path("analytics/managers/", trend_screens.managers_page, name="managers"),
    path("analytics/managers.csv", trend_screens.managers_csv, name="managers_csv"),
    path("analytics/refresh/status/", trend_screens.refresh_status, name="refresh_status"),
]
