from django.urls import path
from django.utils.translation import gettext_lazy

from rapport.catalog import views
from rapport.catalog.export import product_columns
from rapport.core.views.exports import ListExport, export_list

PRODUCTS = ListExport(
    "products", gettext_lazy("Products"), views.listed, product_columns, ("category",)
)

app_name = "catalog"
urlpatterns = [
    path("products/", views.product_list, name="product_list"),
    path("products/options/", views.product_options, name="product_options"),
    path("products/new/", views.product_create, name="product_create"),
    path("products/<int:pk>/", views.product_detail, name="product_detail"),
    path("products/export/<str:fmt>/", export_list, {"spec": PRODUCTS}, name="product_export"),
]
