from django.urls import path

from rapport.web.views import (
    analytics,
    companies,
    contact_detail,
    contacts,
    dashboard,
    duplicates,
    exports,
    imports,
    leads,
    marketing,
    orders,
    pipeline,
    products,
)

app_name = "web"
urlpatterns = [
    path("", dashboard.home, name="home"),
    path("profile/", dashboard.profile, name="profile"),
    path("profile/tokens/", dashboard.token_create, name="token_create"),
    path("profile/tokens/<int:pk>/revoke/", dashboard.token_revoke, name="token_revoke"),
    path("contacts/", contacts.contact_list, name="contact_list"),
    path("contacts/new/", contacts.contact_create, name="contact_create"),
    path("contacts/options/", contacts.contact_options, name="contact_options"),
    path("contacts/<int:pk>/", contact_detail.contact_detail, name="contact_detail"),
    path("contacts/<int:pk>/edit/", contacts.contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/delete/", contacts.contact_delete, name="contact_delete"),
    path("contacts/<int:pk>/consents/", contact_detail.consent_record, name="consent_record"),
    path("contacts/<int:pk>/consents/form/", contact_detail.consent_form, name="consent_form"),
    path("contacts/<int:pk>/relations/", contact_detail.relation_add, name="relation_add"),
    path(
        "contacts/<int:pk>/relations/<int:relation_pk>/remove/",
        contact_detail.relation_remove,
        name="relation_remove",
    ),
    path("contacts/<int:pk>/life-events/", contact_detail.life_event_add, name="life_event_add"),
    path(
        "contacts/<int:pk>/life-events/<int:event_pk>/remove/",
        contact_detail.life_event_remove,
        name="life_event_remove",
    ),
    path("contacts/<int:pk>/timeline/", contact_detail.timeline, name="timeline"),
    path("contacts/<int:pk>/journey/", contact_detail.journey, name="contact_journey"),
    path("companies/", companies.company_list, name="company_list"),
    path("companies/new/", companies.company_create, name="company_create"),
    path("companies/options/", companies.company_options, name="company_options"),
    path("companies/<int:pk>/", companies.company_detail, name="company_detail"),
    path("companies/<int:pk>/edit/", companies.company_edit, name="company_edit"),
    path("duplicates/", duplicates.duplicate_list, name="duplicates"),
    path("duplicates/merge/", duplicates.duplicate_merge, name="duplicate_merge"),
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
    # orders
    path("orders/", orders.order_list, name="order_list"),
    path("orders/new/", orders.order_create, name="order_create"),
    path("orders/<int:pk>/", orders.order_detail, name="order_detail"),
    path("orders/<int:pk>/delete/", orders.order_delete, name="order_delete"),
    path("orders/<int:pk>/status/", orders.order_status, name="order_status"),
    # catalog
    path("products/", products.product_list, name="product_list"),
    path("products/new/", products.product_create, name="product_create"),
    path("products/<int:pk>/", products.product_detail, name="product_detail"),
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
    # export of each list with its filters and sort
    *(
        path(f"{prefix}/export/<str:fmt>/", exports.export_list, {"what": what}, name=name)
        for prefix, what, name in [
            ("contacts", "contacts", "contact_export"),
            ("companies", "companies", "company_export"),
            ("leads", "leads", "lead_export"),
            ("deals", "deals", "deal_export"),
            ("orders", "orders", "order_export"),
            ("products", "products", "product_export"),
        ]
    ),
    # import
    path("imports/", imports.job_list, name="import_list"),
    path("imports/<str:kind>/", imports.upload, name="import_upload"),
    path("imports/<str:kind>/preview/<str:token>/", imports.preview, name="import_preview"),
    path("imports/jobs/<int:pk>/", imports.job_detail, name="import_job"),
    path("imports/jobs/<int:pk>/errors.csv", imports.job_errors, name="import_job_errors"),
    path("imports/jobs/<int:pk>/run/", imports.job_run, name="import_job_run"),
    # analytics
    path("analytics/", analytics.acquisition_page, name="acquisition"),
    path("analytics/acquisition.csv", analytics.acquisition_csv, name="acquisition_csv"),
    path("analytics/funnel/", analytics.funnel_page, name="funnel"),
    path("analytics/refresh/", analytics.refresh, name="analytics_refresh"),
]
