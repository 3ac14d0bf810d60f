"""Back-office views. Personal-data edits made here are audited like any other."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from rapport.contacts import search
from rapport.contacts.models import Company, Contact, CustomField, Tag
from rapport.contacts.services.contacts import snapshot
from rapport.core.audit import audit_record, diff
from rapport.core.models import AuditEntry


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("id", "first_name", "last_name", "email", "phone", "owner", "lifecycle_stage")
    list_filter = ("lifecycle_stage",)
    raw_id_fields = ("owner", "company")
    # E-mails and phones are validated, normalised and kept in step with their own tables
    # by the contact services; the back office shows them but changes them in the app.
    readonly_fields = ("email", "phone", "version", "created_at", "updated_at")
    show_full_result_count = False  # exact counts at a million rows are the classic slow page

    def save_model(self, request: HttpRequest, obj: Contact, form: Any, change: bool) -> None:
        before = snapshot(Contact.objects.get(pk=obj.pk)) if change else {}
        if change:
            obj.version += 1
        # The admin instance is shared between requests; the state before belongs to this one.
        request._audit_before = before  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        obj = form.instance
        search.reindex(obj)
        audit_record(
            actor=request.user,
            obj=obj,
            action=AuditEntry.Action.UPDATE if change else AuditEntry.Action.CREATE,
            changes=diff(getattr(request, "_audit_before", {}), snapshot(obj)),
            subject_contact_id=obj.pk,
        )

    def delete_model(self, request: HttpRequest, obj: Contact) -> None:
        audit_record(
            actor=request.user,
            obj=obj,
            action=AuditEntry.Action.DELETE,
            changes=diff(snapshot(obj), {}),
            subject_contact_id=obj.pk,
        )
        super().delete_model(request, obj)


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
