"""Cleaning imported contact rows into ready-to-insert records (runs in worker processes).

Pure per-row work: validation, normalisation, search terms and audit text. No writes here.
"""

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from rapport.contacts import search
from rapport.contacts.fastnorm import fast_email, fast_phone
from rapport.contacts.models import (
    CustomField,
    Gender,
    LifecycleStage,
)
from rapport.contacts.services.contacts import _LANGUAGE
from rapport.contacts.services.custom_fields import clean_value
from rapport.core.cells import choice_hint, parse_date, split_list
from rapport.core.text import clean_text

CONTACT_COLUMNS = [
    "id", "created_at", "updated_at", "owner_id", "first_name", "last_name", "middle_name",
    "email", "phone", "birth_date", "gender", "language", "city", "country", "address",
    "lifecycle_stage", "source", "notes", "external_id", "custom", "version",
]  # fmt: skip

TEXT_LIMITS = {
    "first_name": 100, "last_name": 100, "middle_name": 100, "city": 100, "address": 300,
    "source": 100,
}  # fmt: skip
GENDER_WORDS = {
    "f": "female", "female": "female", "woman": "female", "ж": "female", "жен": "female",
    "женский": "female", "жіноча": "female", "moteris": "female", "m": "male", "male": "male",
    "man": "male", "м": "male", "муж": "male", "мужской": "male", "чоловіча": "male",
    "vyras": "male", "other": "other",
}  # fmt: skip


@dataclass(frozen=True)
class Setup:
    """Everything a worker needs to clean rows, as plain picklable data."""

    fields: tuple[str, ...]
    region: str
    language: str
    custom: tuple[dict[str, Any], ...]  # CustomField values (models cannot cross before setup)
    owners: dict[str, int]  # folded username (or unique full name) → user id
    genders: dict[str, str]  # folded code, label (any language) or common word → code
    stages: dict[str, str]  # folded lifecycle code or label (any language) → code
    default_owner: int | None
    countries: frozenset[str]
    stamp: Any  # the import's time, in database form (created_at of new rows)
    today: dt.date  # the latest valid birth date (timezone.localdate() costs ~7 µs a row)
    source: str  # what new contacts' audit entries say they came from ("import #3 of a.csv")
    # Positions in a full contact record (CONTACT_COLUMNS after "id") of the columns the
    # file can vary; the others are the same for every new contact (see constant_columns).
    variable: tuple[int, ...]


class Clean(NamedTuple):
    """A valid row, with its new-contact rows ready to insert (built in the workers).

    Workers send these as plain tuples: a million of them cross to the parent, and
    unpickling a named tuple calls its Python __new__ per row (+6 µs/row measured). The
    parent reads fields by the positions below.
    """

    row: int
    values: dict[str, Any]  # the contact columns the row gives (for updating a match)
    emails: list[str]
    phones: list[str]
    tags: list[str]
    custom: dict[str, Any]
    record: tuple[Any, ...]  # a new contact's CONTACT_COLUMNS after "id", in database form
    terms: str  # its search terms (search.contact_terms), space-separated
    audit: tuple[str, str]  # its create audit entry: (changes as JSON, object_repr)
    # The referred_by cell's ways to find the referrer (None: no referrer given): the cell
    # as an external id, as an e-mail and as a phone (None where it is not one)
    referrer: "ReferrerKeys | None"


class ReferrerKeys(NamedTuple):
    external_id: str
    email: str | None
    phone: str | None


ROW, VALUES, EMAILS, PHONES, TAGS, CUSTOM, RECORD, TERMS, AUDIT, REFERRER = range(10)
assert Clean._fields[REFERRER] == "referrer"


@dataclass(slots=True)
class Invalid:
    row: int
    errors: list[tuple[str, str]]  # (field, message)


def _clean_row(
    setup: Setup,
    definitions: list[CustomField],
    row: int,
    cells: list[str],
    pick: Callable[[tuple[Any, ...]], tuple[Any, ...]],
) -> Clean | Invalid:
    data = dict(zip(setup.fields, cells, strict=True))
    errors: list[tuple[str, str]] = []
    values: dict[str, Any] = {}
    for name, limit in TEXT_LIMITS.items():
        raw = data.get(name)
        if raw:
            text = " ".join(raw.split()) if raw.isprintable() else clean_text(raw)
            if len(text) > limit:
                errors.append((name, _("Use at most %(max)d characters.") % {"max": limit}))
            values[name] = text
    if not values.get("first_name") and not values.get("last_name"):
        errors.append(("first_name", _("Enter a first or last name.")))
    if data.get("notes"):
        values["notes"] = clean_text(data["notes"], multiline=True)[:10000]
    if raw := data.get("external_id", "").strip():
        if len(raw) > 100:
            errors.append(("external_id", _("Use at most %(max)d characters.") % {"max": 100}))
        values["external_id"] = raw
    if raw := data.get("birth_date", "").strip():
        try:
            born = parse_date(raw)
            if born > setup.today or born.year < 1900:
                raise ValidationError(_("Enter a birth date between 1900 and today."))
            values["birth_date"] = born
        except ValidationError as exc:
            errors.append(("birth_date", exc.messages[0]))
    if raw := data.get("gender", "").strip():
        gender = setup.genders.get(raw.casefold())
        if gender is None:
            labels = ", ".join(str(label) for _code, label in Gender.choices)
            errors.append(("gender", _("Choose gender from: %(c)s.") % {"c": labels}))
        values["gender"] = gender or ""
    if raw := data.get("language", "").strip().lower():
        if not _LANGUAGE.match(raw):
            errors.append(("language", _("Use a language code like en, uk, ru or lt.")))
        values["language"] = raw
    if raw := data.get("country", "").strip().upper():
        if raw not in setup.countries:
            errors.append(("country", _("Use a two-letter ISO 3166 country code, like UA or LT.")))
        values["country"] = raw
    if raw := data.get("lifecycle_stage", "").strip():
        stage = setup.stages.get(raw.casefold())
        if stage is None:
            errors.append(("lifecycle_stage", choice_hint(LifecycleStage)))
        values["lifecycle_stage"] = stage or raw.lower()
    if raw := data.get("owner", "").strip():
        owner = setup.owners.get(raw.casefold())
        if owner is None:
            errors.append(("owner", _("No active user %(u)s who can own customers.") % {"u": raw}))
        values["owner_id"] = owner
    emails: list[str] = []
    for name in ("email", "emails"):
        for raw in split_list(data.get(name, "")) if data.get(name) else []:
            try:
                email = fast_email(raw)
            except ValidationError as exc:
                errors.append((name, exc.messages[0]))
                continue
            if email not in emails:
                emails.append(email)
    phones: list[str] = []
    phone_terms: list[str] = []
    for name in ("phone", "phones"):
        raw_phones = data.get(name, "")
        parts = [raw_phones] if name == "phone" else split_list(raw_phones)
        for raw in parts if raw_phones else []:
            try:
                number, digits = fast_phone(raw, setup.region)
            except ValidationError as exc:
                errors.append((name, exc.messages[0]))
                continue
            if number not in phones:
                phones.append(number)
                phone_terms.extend(digits)
    tags: list[str] = []
    if data.get("tags"):
        tags = sorted({t[:60] for t in (clean_text(x) for x in split_list(data["tags"])) if t})
    custom: dict[str, Any] = {}
    for definition in definitions:
        raw = data.get(f"custom.{definition.key}", "")
        if raw.strip():
            try:
                custom[definition.key] = clean_value(definition, raw.strip())
            except ValidationError as exc:
                errors.append((f"custom.{definition.key}", exc.messages[0]))
    referrer = None
    if raw := data.get("referred_by", "").strip():
        referrer = referrer_keys(raw, setup.region)
    if errors:
        return Invalid(row, errors)
    terms = search.terms_for(
        names=(values.get("first_name", ""), values.get("last_name", ""),
               values.get("middle_name", "")),
        emails=emails,
        phones=(),
    )  # fmt: skip
    terms.update(phone_terms)  # = phone_search_digits of each number (see fast_phone)
    get = values.get
    first, last, birth = get("first_name", ""), get("last_name", ""), get("birth_date")
    record = (
        setup.stamp, setup.stamp, get("owner_id") or setup.default_owner, first, last,
        get("middle_name", ""), emails[0] if emails else "", phones[0] if phones else "",
        birth.isoformat() if birth else None, get("gender", ""), get("language", ""),
        get("city", ""), get("country", ""), get("address", ""),
        get("lifecycle_stage") or LifecycleStage.PROSPECT.value, get("source", ""),
        get("notes", ""), get("external_id"), json.dumps(custom) if custom else "{}", 1,
    )  # fmt: skip
    record = pick(record)
    return Clean(
        row,
        values,
        emails,
        phones,
        tags,
        custom,
        record,
        " ".join(sorted(terms)),
        (_audit(setup, row), f"{first} {last}".strip()[:200]),
        referrer,
    )


def referrer_keys(raw: str, region: str) -> ReferrerKeys:
    """How a referred_by cell may name the referrer: their external id, e-mail or phone."""
    email = phone = None
    try:
        if "@" in raw:
            email = fast_email(raw)
        else:
            phone = fast_phone(raw, region)[0]
    except ValidationError:
        pass  # then only an external id
    return ReferrerKeys(raw, email, phone)


def _audit(setup: Setup, row: int) -> str:
    """The changes of a new contact's audit entry, as JSON text (computed in the workers).

    It names the import and the row the contact came from, not every value again: the values
    are the contact's own first state and every later change is audited as a diff, while a
    copy of each field (≈410 bytes a contact) made the audit table the largest in the
    database and cost ~15% of a million-row import.
    """
    return _audit_template(setup.source, translation.get_language()) % row


@lru_cache(maxsize=8)
def _audit_template(source: str, language: str | None) -> str:
    """The audit JSON with a %d for the row (translated and encoded once, not per row)."""
    text = _("%(source)s, row %(row)s") % {"source": source.replace("%", "%%"), "row": "%d"}
    return json.dumps({"import": [None, text]}, ensure_ascii=False)


def clean_chunk(
    payload: dict[str, Any], chunk: list[tuple[int, list[str]]]
) -> list[tuple[Any, ...] | Invalid]:
    """Clean rows (valid ones as plain tuples in Clean's layout); `payload` is a Setup as a
    dict, so it can travel to worker processes."""
    setup = Setup(**payload)
    with translation.override(setup.language):
        definitions = [CustomField(**values) for values in setup.custom]
        pick = _picker(setup.variable)
        cleaned = [_clean_row(setup, definitions, row, cells, pick) for row, cells in chunk]
        return [tuple(c) if type(c) is Clean else c for c in cleaned]


def _picker(positions: tuple[int, ...]) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    if len(positions) == 1:
        (only,) = positions
        return lambda record: (record[only],)
    return itemgetter(*positions)


# Which fields of a file feed each contact column (after "id"); unmapped ones are constant.
_COLUMN_FIELDS: dict[str, tuple[str, ...]] = {
    "owner_id": ("owner",), "email": ("email", "emails"), "phone": ("phone", "phones"),
    "created_at": (), "updated_at": (), "version": (),
}  # fmt: skip


def constant_columns(setup: Setup) -> dict[str, Any]:
    """Contact columns with the same value in every new contact of this file (by mapping)."""
    defaults: dict[str, Any] = {
        "created_at": setup.stamp, "updated_at": setup.stamp, "owner_id": setup.default_owner,
        "birth_date": None, "external_id": None, "lifecycle_stage": LifecycleStage.PROSPECT.value,
        "custom": "{}", "version": 1,
    }  # fmt: skip
    variable = {CONTACT_COLUMNS[1 + i] for i in setup.variable}
    return {name: defaults.get(name, "") for name in CONTACT_COLUMNS[1:] if name not in variable}


def _variable_positions(fields: list[str]) -> tuple[int, ...]:
    given = set(fields)
    has_custom = any(f.startswith("custom.") for f in fields)
    return tuple(
        i
        for i, name in enumerate(CONTACT_COLUMNS[1:])
        if given.intersection(_COLUMN_FIELDS.get(name, (name,)))
        or (name == "custom" and has_custom)
    )
