from django.urls import path

from rapport.analytics import views

app_name = "analytics"
urlpatterns = [
    path("analytics/", views.acquisition_page, name="acquisition"),
    path("analytics/acquisition.csv", views.acquisition_csv, name="acquisition_csv"),
    path("analytics/funnel/", views.funnel_page, name="funnel"),
    path("analytics/refresh/", views.refresh, name="analytics_refresh"),
    path("contacts/<int:pk>/journey/", views.contact_journey, name="contact_journey"),
]
