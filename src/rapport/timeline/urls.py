from django.urls import path

from rapport.timeline import views

app_name = "timeline"
urlpatterns = [path("contacts/<int:pk>/timeline/", views.timeline, name="timeline")]
