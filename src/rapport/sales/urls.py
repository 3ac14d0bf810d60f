from django.urls import path
from django.utils.translation import gettext_lazy

from rapport.core.views.exports import ListExport, export_list
from rapport.sales.export import deal_columns, lead_columns, order_columns
from rapport.sales.public import public_form
from rapport.sales.views import deal_orders, leads, marketing, orders, pipeline

LEADS = ListExport("leads", gettext_lazy("Leads"), leads.listed, lead_columns, ("source", "owner"))
DEALS = ListExport(
    "deals",
    gettext_lazy("Deals"),
    pipeline.listed_deals,
    deal_columns,
    ("contact", "pipeline", "stage", "owner", "lost_reason"),
)
ORDERS = ListExport("orders", gettext_lazy("Orders"), orders.listed, order_columns, ("contact",))

app_name = "sales"
urlpatterns = [
    # the public lead form (no login)
    path("forms/<slug:slug>/", public_form, name="public_form"),
    # leads
    path("leads/", leads.lead_list, name="lead_list"),
    path("leads/new/", leads.lead_create, name="lead_create"),
    path("leads/<int:pk>/", leads.lead_detail, name="lead_detail"),
    path("leads/<int:pk>/status/", leads.lead_status, name="lead_status"),
    path("leads/<int:pk>/convert/", leads.lead_convert, name="lead_convert"),
    path("leads/<int:pk>/delete/", leads.lead_delete, name="lead_delete"),
    # pipeline and deals
    path("pipeline/", pipeline.board, name="board"),
    path("deals/", pipeline.deal_list, name="deal_list"),
    path("deals/new/", pipeline.deal_create, name="deal_create"),
    path("deals/<int:pk>/", pipeline.deal_detail, name="deal_detail"),
    path("deals/<int:pk>/move/", pipeline.deal_move, name="deal_move"),
    path("deals/<int:pk>/delete/", pipeline.deal_delete, name="deal_delete"),
    path("deals/<int:pk>/orders/", deal_orders.deal_link_order, name="deal_link_order"),
    path(
        "deals/<int:pk>/orders/<int:order_pk>/detach/",
        deal_orders.deal_unlink_order,
        name="deal_unlink_order",
    ),
    # orders
    path("orders/", orders.order_list, name="order_list"),
    path("orders/new/", orders.order_create, name="order_create"),
    path("orders/options/", orders.order_options, name="order_options"),
    path("orders/<int:pk>/", orders.order_detail, name="order_detail"),
    path("orders/<int:pk>/delete/", orders.order_delete, name="order_delete"),
    path("orders/<int:pk>/status/", orders.order_status, name="order_status"),
    # marketing set-up
    path("marketing/sources/", marketing.source_list, name="source_list"),
    path("marketing/sources/<int:pk>/", marketing.source_detail, name="source_detail"),
    path("marketing/sources/<int:pk>/delete/", marketing.source_delete, name="source_delete"),
    path("marketing/sources/<int:pk>/spend/", marketing.spend_add, name="spend_add"),
    path(
        "marketing/sources/<int:pk>/spend/<int:spend_pk>/delete/",
        marketing.spend_delete,
        name="spend_delete",
    ),
    path("marketing/numbers/", marketing.number_add, name="number_add"),
    path(
        "marketing/numbers/<int:number_pk>/toggle/", marketing.number_toggle, name="number_toggle"
    ),
    path("marketing/forms/", marketing.webform_list, name="webform_list"),
    path("marketing/forms/<int:pk>/", marketing.webform_detail, name="webform_detail"),
    # exports of each list with its filters and sort
    path("leads/export/<str:fmt>/", export_list, {"spec": LEADS}, name="lead_export"),
    path("deals/export/<str:fmt>/", export_list, {"spec": DEALS}, name="deal_export"),
    path("orders/export/<str:fmt>/", export_list, {"spec": ORDERS}, name="order_export"),
]
