from django.urls import path
from django.utils.translation import gettext_lazy

from rapport.contacts.export import company_columns, contact_columns, vcard
from rapport.contacts.views import companies, contact_detail, contacts, duplicates
from rapport.core.views.exports import ListExport, export_list

CONTACTS = ListExport(
    "contacts",
    gettext_lazy("Contacts"),
    contacts.listed,
    contact_columns,
    select=("owner",),
    prefetch=("tags",),
    vcard=vcard,
)
COMPANIES = ListExport(
    "companies", gettext_lazy("Companies"), companies.listed, company_columns, ("owner",)
)

app_name = "contacts"
urlpatterns = [
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
    path("companies/", companies.company_list, name="company_list"),
    path("companies/new/", companies.company_create, name="company_create"),
    path("companies/options/", companies.company_options, name="company_options"),
    path("companies/<int:pk>/", companies.company_detail, name="company_detail"),
    path("companies/<int:pk>/edit/", companies.company_edit, name="company_edit"),
    path("duplicates/", duplicates.duplicate_list, name="duplicates"),
    path("duplicates/merge/", duplicates.duplicate_merge, name="duplicate_merge"),
    path("contacts/export/<str:fmt>/", export_list, {"spec": CONTACTS}, name="contact_export"),
    path("companies/export/<str:fmt>/", export_list, {"spec": COMPANIES}, name="company_export"),
]
