from django.urls import path

from rapport.segments import import_views, views

app_name = "segments"
urlpatterns = [
    path("segments/", views.segment_list, name="segment_list"),
    path("segments/new/", views.segment_create, name="segment_create"),
    path("segments/builder/", views.builder_update, name="builder"),
    path("segments/preview/", views.preview, name="preview"),
    path("segments/fields/", views.field_options, name="field_options"),
    path("segments/from-contacts/", views.save_from_contacts, name="save_from_contacts"),
    path("segments/<int:pk>/", views.segment_detail, name="segment_detail"),
    path("segments/<int:pk>/edit/", views.segment_edit, name="segment_edit"),
    path("segments/<int:pk>/refresh/", views.segment_refresh, name="segment_refresh"),
    path("segments/<int:pk>/delete/", views.segment_delete, name="segment_delete"),
    path(
        "segments/<int:pk>/members/<int:contact_pk>/remove/",
        views.member_remove,
        name="member_remove",
    ),
    path("segments/<int:pk>/members/import/", import_views.member_import, name="member_import"),
    path(
        "segments/<int:pk>/members/import/<str:token>/",
        import_views.member_import_preview,
        name="member_import_preview",
    ),
    path("segments/<int:pk>/export/<str:fmt>/", views.member_export, name="member_export"),
]
