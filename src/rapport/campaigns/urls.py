from django.urls import path

from rapport.campaigns import views

app_name = "campaigns"

urlpatterns = [
    # the public unsubscribe page and its RFC 8058 one-click POST (no login)
    path("u/<str:token>/", views.unsubscribe_page, name="unsubscribe"),
    # delivery receipts and replies from the SMS and messenger providers (signed, no login)
    path("hooks/<str:provider>/<str:secret>/", views.hook, name="hook"),
]
