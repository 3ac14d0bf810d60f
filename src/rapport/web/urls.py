from django.urls import path

from rapport.web.views import dashboard

app_name = "web"
urlpatterns = [path("", dashboard.home, name="home")]
