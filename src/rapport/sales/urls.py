from django.urls import path

from rapport.sales.public import public_form

urlpatterns = [path("forms/<slug:slug>/", public_form, name="public_form")]
