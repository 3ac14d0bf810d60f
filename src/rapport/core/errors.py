"""Domain errors services raise; forms and the API turn them into field-level messages."""

from typing import Any

from django.core.exceptions import ValidationError


class Conflict(ValidationError):
    """The input collides with an existing record (a duplicate e-mail, a stale version)."""

    def __init__(self, message: Any, *, field: str | None = None, existing: Any = None) -> None:
        super().__init__({field: [message]} if field else message)
        self.existing = existing


def field_error(field: str, message: Any) -> ValidationError:
    return ValidationError({field: [message]})
