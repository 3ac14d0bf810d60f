"""Template helper for contact phones (`{% load phones %}`)."""

from django import template

from rapport.contacts.normalize import format_phone

register = template.Library()


@register.filter
def phone(value: str) -> str:
    """+380671234567 → +380 67 123 4567."""
    return format_phone(value) if value else ""
