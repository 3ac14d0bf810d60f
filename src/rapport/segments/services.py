"""Writes of segments: create, change, delete, static members, and the refresh that records a
snapshot (size, who entered, who left) in a few set-based statements."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Value
from django.db.models import fields as model_fields
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.contacts.models import Contact
from rapport.contacts.selectors import contacts_for
from rapport.core import permissions, visibility
from rapport.segments import selectors
from rapport.segments.catalog import field_catalog
from rapport.segments.messages import as_validation_error
from rapport.segments.models import (
    Segment,
    SegmentChange,
    SegmentKind,
    SegmentMember,
    SegmentSnapshot,
)
from rapport.segments.rules import RuleError

MAX_MEMBERS_AT_ONCE = 1000
ID_BATCH = 500  # ids per statement (well under SQLite's parameter limit)
_FIELDS = ("name", "description", "kind", "rule", "owner")


def _check_rule(actor: Any, segment: Segment) -> None:
    """The segment's rule parses, and compiles as `actor` sees the segments it names,
    without naming the segment itself (directly or through others)."""
    if not segment.is_dynamic:
        return
    try:
        fields = field_catalog()
        node = selectors.parse_rule(segment.rule, fields)
        selectors.rule_filter(node, user=actor, fields=fields, segment_id=segment.pk)
    except RuleError as exc:
        raise as_validation_error(exc) from None


def _apply(actor: Any, segment: Segment, data: dict[str, Any]) -> None:
    unknown = set(data) - set(_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: [_("Unknown field.")]})
    errors: dict[str, list[str]] = {}
    if "name" in data:
        name = str(data["name"] or "").replace("\x00", "").strip()
        if not name:
            errors["name"] = [_("Give the segment a name.")]
        elif len(name) > 200:
            errors["name"] = [_("Give a name of at most 200 characters.")]
        segment.name = name
    if "description" in data:
        segment.description = str(data["description"] or "").replace("\x00", "")[:5000]
    if "kind" in data:
        if data["kind"] not in SegmentKind.values:
            errors["kind"] = [_("Choose dynamic or static.")]
        else:
            segment.kind = data["kind"]
    if "rule" in data:
        segment.rule = data["rule"]
    if "owner" in data and data["owner"] is not None:
        owner = permissions.owners().filter(pk=data["owner"]).first()
        if owner is None:
            errors["owner"] = [_("Choose an active user who may own records.")]
        else:
            segment.owner = owner
    if errors:
        raise ValidationError(errors)
    if segment.kind == SegmentKind.STATIC:
        if data.get("rule") is not None:
            raise ValidationError({"rule": [_("A static segment has members, not a rule.")]})
        segment.rule = None
    elif segment.rule is None:
        raise ValidationError({"rule": [_("A dynamic segment needs a rule.")]})
    _check_rule(actor, segment)


@transaction.atomic
def segment_create(*, actor: Any, data: dict[str, Any]) -> Segment:
    """A new segment owned by `actor` (or the owner given)."""
    if not visibility.can_create(actor, "segments"):
        raise PermissionError(_("Your role cannot create segments."))
    segment = Segment(owner=actor, kind=data.get("kind") or SegmentKind.DYNAMIC)
    if "name" not in data:
        raise ValidationError({"name": [_("Give the segment a name.")]})
    _apply(actor, segment, data)
    segment.save()
    return segment


@transaction.atomic
def segment_update(*, actor: Any, segment: Segment, data: dict[str, Any]) -> Segment:
    """Change the fields given; a new rule is checked as on creation (and for cycles)."""
    if not visibility.can(actor, "change", segment):
        raise PermissionError(_("You cannot change this segment."))
    segment = Segment.objects.select_for_update().get(pk=segment.pk)
    _apply(actor, segment, data)
    segment.save()
    return segment


@transaction.atomic
def segment_delete(*, actor: Any, segment: Segment) -> None:
    if not visibility.can(actor, "delete", segment):
        raise PermissionError(_("You cannot delete this segment."))
    dependants = [
        other.name
        for other in Segment.objects.filter(kind=SegmentKind.DYNAMIC).exclude(pk=segment.pk)
        if _names(other.rule, segment.pk)
    ]
    if dependants:
        raise ValidationError(
            {
                "segment": [
                    _("Segments %(names)s name this one; change them first.")
                    % {"names": ", ".join(sorted(dependants))}
                ]
            }
        )
    segment.delete()


def _names(rule: Any, segment_id: int) -> bool:
    """Whether a stored rule names the segment (a membership condition)."""
    if isinstance(rule, dict):
        if rule.get("field") == "segment":
            value = rule.get("value")
            return value == segment_id or (isinstance(value, list) and segment_id in value)
        return any(_names(child, segment_id) for child in rule.values())
    if isinstance(rule, list):
        return any(_names(child, segment_id) for child in rule)
    return False


def check_static(actor: Any, segment: Segment) -> None:
    """Refuse unless `actor` may change `segment` and it is a static list (PermissionError,
    ValidationError): what putting members on it or taking them off asks."""
    if not visibility.can(actor, "change", segment):
        raise PermissionError(_("You cannot change this segment."))
    if segment.is_dynamic:
        raise ValidationError(
            {
                "segment": [
                    _(
                        "Members of a dynamic segment follow its rule; add them to a "
                        "static segment instead."
                    )
                ]
            }
        )


@transaction.atomic
def members_add(*, actor: Any, segment: Segment, contact_ids: list[int]) -> int:
    """Put contacts `actor` may see on a static list; how many were new to it. Each new
    member is an "entered" change."""
    check_static(actor, segment)
    ids = sorted(set(contact_ids))
    if not ids:
        raise ValidationError({"contacts": [_("Name at least one contact.")]})
    if len(ids) > MAX_MEMBERS_AT_ONCE:
        raise ValidationError(
            {
                "contacts": [
                    _("Add at most %(max)s contacts at once.") % {"max": MAX_MEMBERS_AT_ONCE}
                ]
            }
        )
    visible = set(contacts_for(actor).filter(pk__in=ids).values_list("pk", flat=True))
    missing = [i for i in ids if i not in visible]
    if missing:
        raise ValidationError(
            {
                "contacts": [
                    _("No such contact (or you may not see it): %(ids)s.")
                    % {"ids": ", ".join(map(str, missing[:20]))}
                ]
            }
        )
    return members_enter(segment=segment, contact_ids=ids, now=timezone.now())


def members_enter(*, segment: Segment, contact_ids: list[int], now: dt.datetime) -> int:
    """Put contacts on a static list without asking who may (the caller decided: a person's
    request above, or a scenario's step); how many were new. Each new member is an
    "entered" change."""
    present = members_present(segment, contact_ids)
    new = [i for i in contact_ids if i not in present]
    SegmentMember.objects.bulk_create(
        [SegmentMember(segment=segment, contact_id=i, since=now) for i in new],
        ignore_conflicts=True,
        batch_size=ID_BATCH,
    )
    SegmentChange.objects.bulk_create(
        [SegmentChange(segment=segment, contact_id=i, kind="entered", at=now) for i in new],
        batch_size=ID_BATCH,
    )
    return len(new)


def members_present(segment: Segment, contact_ids: list[int]) -> set[int]:
    """Which of `contact_ids` are on the segment now (asked in batches: an import may name
    more contacts than a statement takes parameters)."""
    present: set[int] = set()
    for start in range(0, len(contact_ids), ID_BATCH):
        batch = contact_ids[start : start + ID_BATCH]
        present.update(
            SegmentMember.objects.filter(segment=segment, contact_id__in=batch).values_list(
                "contact_id", flat=True
            )
        )
    return present


def members_add_filtered(*, actor: Any, segment: Segment, contacts: Any) -> int:
    """Put every contact of a (scoped) queryset on a static list, in SQL."""
    check_static(actor, segment)
    with transaction.atomic():
        now = timezone.now()
        fresh = contacts.exclude(
            Exists(SegmentMember.objects.filter(segment=segment, contact_id=OuterRef("pk")))
        )
        _insert_select(
            SegmentChange,
            ("segment_id", "contact_id", "kind", "at"),
            fresh,
            (segment.pk, "pk", "entered", now),
        )
        added = _adopt_entered(segment, snapshot_id=None, now=now)
    return added


@transaction.atomic
def member_remove(*, actor: Any, segment: Segment, contact: Contact) -> bool:
    """Take a contact off a static list (a "left" change); whether it was on it."""
    check_static(actor, segment)
    deleted, _rows = SegmentMember.objects.filter(segment=segment, contact=contact).delete()
    if deleted:
        SegmentChange.objects.create(
            segment=segment, contact=contact, kind="left", at=timezone.now()
        )
    return bool(deleted)


# --- refresh ---------------------------------------------------------------------------------


def _insert_select(
    model: Any, columns: tuple[str, ...], queryset: Any, values: tuple[Any, ...]
) -> int:
    """INSERT INTO model (columns) SELECT values FROM queryset: rows made in the database.
    A value that is "pk" is the selected row's id, an F() one of its columns; others are
    constants."""
    annotations = {}
    selected = []
    for i, value in enumerate(values):
        if value == "pk":
            selected.append("pk")
            continue
        if isinstance(value, F):
            selected.append(str(value.name))  # type: ignore[attr-defined]  # F has no stub for it
            continue
        alias = f"_v{i}"
        annotations[alias] = Value(value, output_field=_output(value))
        selected.append(alias)
    rows = queryset.order_by().annotate(**annotations).values_list(*selected)
    sql, params = rows.query.sql_with_params()
    table = model._meta.db_table
    targets = ", ".join(connection.ops.quote_name(model._meta.get_field(n).column) for n in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({targets}) {sql}", params)
        return int(cursor.rowcount)


def _output(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return model_fields.DateTimeField()
    if isinstance(value, int):
        return model_fields.BigIntegerField()
    return model_fields.CharField()


def _adopt_entered(segment: Segment, *, snapshot_id: int | None, now: dt.datetime) -> int:
    """Members for the "entered" changes just written (of this snapshot, or unattached).

    Read from the changes, not from the contacts: asked from the contacts' side, SQLite
    checked every contact against every change of the moment (an index on segment and time,
    not contact) — at a million contacts with 100,000 entering, hours; this is one pass over
    the new changes with a lookup each in the members' unique index."""
    fresh = (
        SegmentChange.objects.filter(
            segment=segment, kind="entered", at=now, snapshot_id=snapshot_id
        )
        .exclude(
            Exists(SegmentMember.objects.filter(segment=segment, contact_id=OuterRef("contact_id")))
        )
        .values("contact_id")
        .distinct()
    )
    return _insert_select(
        SegmentMember,
        ("segment_id", "contact_id", "since"),
        fresh,
        (segment.pk, F("contact_id"), now),
    )


def may_refresh(actor: Any, segment: Segment) -> bool:
    """Whether `actor` may ask for a refresh now (those who may change the segment)."""
    return visibility.can(actor, "change", segment)


@transaction.atomic
def segment_refresh(*, segment: Segment, now: dt.datetime | None = None) -> SegmentSnapshot:
    """Record who is in the segment now: a snapshot with its size, and one change row per
    contact who entered or left since the last refresh (a static list: the hand-made
    changes since then). Membership is the rule's over every contact; viewers see their
    part of it. Idempotent: a second refresh with nothing changed records no one."""
    now = now or timezone.now()
    segment = Segment.objects.select_for_update().get(pk=segment.pk)
    snapshot = SegmentSnapshot.objects.create(segment=segment, at=now, size=0, entered=0, left=0)
    if segment.is_dynamic:
        matching = Contact.objects.filter(selectors.segment_filter(segment, user=None, now=now))
        in_before = Exists(SegmentMember.objects.filter(segment=segment, contact_id=OuterRef("pk")))
        snapshot.entered = _insert_select(
            SegmentChange,
            ("segment_id", "contact_id", "kind", "at", "snapshot_id"),
            matching.exclude(in_before),
            (segment.pk, "pk", "entered", now, snapshot.pk),
        )
        gone = Contact.objects.filter(in_before).exclude(Exists(matching.filter(pk=OuterRef("pk"))))
        snapshot.left = _insert_select(
            SegmentChange,
            ("segment_id", "contact_id", "kind", "at", "snapshot_id"),
            gone,
            (segment.pk, "pk", "left", now, snapshot.pk),
        )
        left_ids = SegmentChange.objects.filter(snapshot=snapshot, kind="left").values("contact_id")
        SegmentMember.objects.filter(segment=segment, contact_id__in=left_ids).delete()
        _adopt_entered(segment, snapshot_id=snapshot.pk, now=now)
    else:
        pending = SegmentChange.objects.filter(segment=segment, snapshot__isnull=True)
        snapshot.entered = pending.filter(kind="entered").count()
        snapshot.left = pending.filter(kind="left").count()
        pending.update(snapshot=snapshot)
    snapshot.size = SegmentMember.objects.filter(segment=segment).count()
    snapshot.save(update_fields=["size", "entered", "left"])
    Segment.objects.filter(pk=segment.pk).update(size=snapshot.size, refreshed_at=now)
    return snapshot


def refresh_all(*, now: dt.datetime | None = None) -> int:
    """Refresh every segment (after the analytics refresh); how many. A segment whose rule no
    longer holds (a custom field was deleted) is skipped, not fatal."""
    done = 0
    for segment in Segment.objects.order_by("pk"):
        try:
            segment_refresh(segment=segment, now=now)
        except RuleError:
            continue
        done += 1
    return done
