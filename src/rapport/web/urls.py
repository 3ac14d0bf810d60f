from django.urls import path

from rapport.web.views import dashboard, search

app_name = "web"
urlpatterns = [
    path("", dashboard.home, name="home"),
    path("start/", dashboard.start, name="start"),
    path("search/", search.search, name="search"),
]
