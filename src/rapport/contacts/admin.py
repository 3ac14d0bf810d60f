from django.contrib import admin

from rapport.contacts.models import Company, Contact, CustomField, Tag


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("id", "first_name", "last_name", "email", "phone", "owner", "lifecycle_stage")
    list_filter = ("lifecycle_stage",)
    raw_id_fields = ("owner", "company")
    show_full_result_count = False  # exact counts at a million rows are the classic slow page


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("name", "city", "country", "owner")
    search_fields = ("name",)
    raw_id_fields = ("owner",)


@admin.register(CustomField)
class CustomFieldAdmin(admin.ModelAdmin):
    list_display = ("label", "key", "entity", "field_type", "required", "position")
    list_filter = ("entity",)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ("name",)
