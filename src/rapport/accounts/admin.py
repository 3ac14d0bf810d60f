from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from rapport.accounts.models import ApiToken, Team, User
from rapport.accounts.signin import AdminSignInForm

admin.site.login_form = AdminSignInForm  # the admin's sign-in is throttled like the site's


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("Rapport", {"fields": ("role", "team", "language")}),
    )
    list_display = ("username", "first_name", "last_name", "role", "team", "is_active")
    list_filter = ("role", "team", "is_active")


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    search_fields = ("name",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "key_prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("key_prefix", "key_hash", "created_at", "last_used_at")
