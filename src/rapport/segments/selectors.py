"""Reads of segments and their members, always scoped to what the viewer may see.

Members are contacts: whoever looks at a segment sees only the members their role lets them
see (a sales manager, their team's customers), through the contacts' own scope.
"""

import contextlib
import datetime as dt
import json
import time
from collections.abc import Iterator, Mapping
from typing import Any

from django.db import OperationalError, connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from rapport.contacts.models import Contact
from rapport.contacts.selectors import contacts_for
from rapport.core import visibility
from rapport.core.visibility import Action
from rapport.segments import compiler
from rapport.segments.catalog import field_catalog
from rapport.segments.messages import word
from rapport.segments.models import Segment, SegmentMember, SegmentSnapshot
from rapport.segments.rules import FieldSpec, Node, RuleError, parse

MAX_RULE_CHARS = 64_000
SAMPLE_SIZE = 10
PREVIEW_SECONDS = 10.0  # a preview that counts longer is stopped (and told to narrow down)

SEGMENT_ORDERINGS: dict[str, list[str]] = {
    "name": ["name", "id"],
    "-created": ["-created_at", "-id"],
}


def segments_for(user: Any, action: Action = "view") -> QuerySet[Segment]:
    return visibility.scope(Segment.objects.all(), user, action)


def parse_rule(rule: Any, fields: Mapping[str, FieldSpec] | None = None) -> Node:
    """The validated tree of a rule from outside; RuleError names what is wrong."""
    try:
        size = len(json.dumps(rule, ensure_ascii=False))
    except (TypeError, ValueError):
        raise RuleError("rule", "not_a_node") from None
    if size > MAX_RULE_CHARS:
        raise RuleError("rule", "too_large", {"max": MAX_RULE_CHARS})
    return parse(rule, field_catalog() if fields is None else fields)


def _resolver(user: Any, given: Mapping[str, FieldSpec] | None) -> compiler.SegmentResolver:
    """Finds the segments a rule names: those `user` may see (None: any, for refreshes).
    The field catalog (two queries and a few hundred translated labels: most of a preview's
    time outside the database) is built only once a dynamic segment's rule needs parsing."""
    segments = Segment.objects.all() if user is None else segments_for(user)
    catalog: list[Mapping[str, FieldSpec]] = [] if given is None else [given]

    def fields() -> Mapping[str, FieldSpec]:
        if not catalog:
            catalog.append(field_catalog())
        return catalog[0]

    def resolve(segment_id: int, path: str) -> compiler.SegmentRef:
        segment = segments.filter(pk=segment_id).first()
        if segment is None:
            raise RuleError(path, "unknown_segment", {"id": segment_id})
        if not segment.is_dynamic:
            return compiler.SegmentRef(segment.pk, None, segment.name)
        try:
            return compiler.SegmentRef(segment.pk, parse(segment.rule, fields()), segment.name)
        except RuleError as exc:
            raise RuleError(
                path, "segment_invalid", {"name": segment.name, "reason": word(exc)}
            ) from None

    return resolve


def rule_filter(
    node: Node,
    *,
    user: Any,
    now: dt.datetime | None = None,
    fields: Mapping[str, FieldSpec] | None = None,
    segment_id: int | None = None,
) -> Q:
    """The filter on contacts selecting `node`'s members (segments it names resolved as
    `user` sees them). `segment_id`: the segment the rule belongs to (naming it is a cycle)."""
    ctx = compiler.context(now or timezone.now(), _resolver(user, fields))
    stack = () if segment_id is None else (segment_id,)
    return compiler.compile_rule(node, ctx, stack)


def segment_filter(segment: Segment, *, user: Any, now: dt.datetime | None = None) -> Q:
    """The filter on contacts selecting the segment's members now."""
    if not segment.is_dynamic:
        return Q(Exists(SegmentMember.objects.filter(segment=segment, contact_id=OuterRef("pk"))))
    fields = field_catalog()
    node = parse(segment.rule, fields)
    return rule_filter(node, user=user, now=now, fields=fields, segment_id=segment.pk)


def members_for(user: Any, segment: Segment) -> QuerySet[Contact]:
    """The segment's members `user` may see."""
    return contacts_for(user).filter(segment_filter(segment, user=user))


def snapshots(segment: Segment) -> QuerySet[SegmentSnapshot]:
    return SegmentSnapshot.objects.filter(segment=segment)


@contextlib.contextmanager
def statement_timeout(seconds: float) -> Iterator[None]:
    """Stops a runaway statement: PostgreSQL's statement_timeout, or on SQLite a progress
    handler that interrupts the statement once the time is up (both raise an
    OperationalError the caller turns into a "too slow" answer)."""
    if connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL statement_timeout = %s", [int(seconds * 1000)])
            yield
        return
    connection.ensure_connection()
    raw = connection.connection
    deadline = time.monotonic() + seconds
    raw.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
    try:
        yield
    finally:
        raw.set_progress_handler(None, 0)


def preview(user: Any, node: Node) -> tuple[int, list[Contact]]:
    """How many contacts `user` may see match the rule, and the newest few of them."""
    contacts = contacts_for(user).filter(rule_filter(node, user=user))
    try:
        with statement_timeout(PREVIEW_SECONDS):
            count = contacts.count()
            sample = list(contacts.order_by("-created_at", "-id")[:SAMPLE_SIZE])
    except OperationalError as exc:  # the database's "canceled" / "interrupted"
        if "interrupt" in str(exc) or "cancel" in str(exc):
            raise RuleError("rule", "too_slow") from None
        raise
    return count, sample
