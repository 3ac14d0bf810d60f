"""Importing contacts from a table: validate, normalise, deduplicate, then write in bulk.

Built for a million rows on SQLite with two cores (`python -m rapport.bench.imports`):
- rows are cleaned in chunks by worker processes (e-mail and phone checks are the cost),
  with provably equivalent fast paths for plain addresses and E.164 numbers (fastnorm.py);
  the workers also build each new contact's rows ready to insert (plain tuples, the search
  document, the audit text), so the parent, SQLite's single writer, mostly just writes;
- duplicates are found in memory against sets of the database's e-mails, phones and
  external ids loaded with one query each, and against earlier rows of the same file;
- new contacts, their e-mails, phones, tags, search index entries (search.write_index) and
  audit entries are inserted with executemany (SQLite) or COPY (PostgreSQL) in batches of
  FLUSH_ROWS, while workers clean the next rows; on SQLite a big import writes without the
  random-key indexes and rebuilds them before committing (see _Writer).
Existing contacts matched by external id, then e-mail, then phone are updated through the ORM.

Where the time of the writing process goes (SQLite, CPU seconds from per-step timers and
cProfile on the 2-core machine, /tmp scripts not kept). Before, per 200k rows: SearchTerm
inserts 4.1–4.7, contacts insert 2.3–2.8 (growing faster than linearly as its 10 indexes
outgrew the cache), FTS 1.3–2.2, audit rows with a copy of every field 1.0, e-mails, phones
and tags 2.0, building rows and unpickling worker results ≈ 4, cyclic GC ≈ a quarter of all.
Now, per 1M rows: inserts ≈ 30 (contacts 7.5, FTS 7, e-mails 4, phones 4, audit 4, tags
3), rebuilding the random-key indexes ≈ 7, commit ≈ 3, reading, dispatching and
deduplicating ≈ 9; cleaning ≈ 28 µs a row in the worker. Figures: bench/imports.py.
"""

import gc
import os
from collections.abc import Iterator
from dataclasses import asdict
from itertools import islice
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rapport.contacts import search
from rapport.contacts.import_referrals import Referrals, link_new_contacts, real_id
from rapport.contacts.import_rows import (
    AUDIT,
    CONTACT_COLUMNS,
    CUSTOM,
    EMAILS,
    GENDER_WORDS,
    PHONES,
    RECORD,
    REFERRER,
    ROW,
    TAGS,
    TERMS,
    VALUES,
    Clean,
    Invalid,
    Setup,
    _variable_positions,
    clean_chunk,
    constant_columns,
)
from rapport.contacts.models import (
    Contact,
    ContactEmail,
    ContactPhone,
    CustomField,
    Gender,
    LifecycleStage,
    Tag,
)
from rapport.contacts.services.contacts import snapshot
from rapport.core import permissions, visibility
from rapport.core.audit import diff
from rapport.core.bulk import bulk_insert, map_in_workers, reserve_ids
from rapport.core.cells import choice_lookup
from rapport.core.imports import Counts, FieldSpec, ImportContext, Importer
from rapport.core.models import AuditEntry
from rapport.core.tabular import COMMON_ALIASES

CHUNK = 20_000  # rows a worker cleans at once
POOL_THRESHOLD = CHUNK  # smaller files are cleaned in-process (starting workers costs ~1 s)
# Cleaning processes beside the writing one. The writer (SQLite's single writer) is the
# critical path, so each core but its own gets a cleaner: on 2 cores one worker took a 1M-row
# import from 56.9 s to 51.1 s against two workers, which took CPU from the writer
# (measured back to back on a quiet machine). 0 cleans in this process.
WORKERS = min(4, max(1, (os.cpu_count() or 2) - 1))
IN_FLIGHT = 4  # chunks queued ahead, bounding memory
IMPORT_CACHE_KIB = 1_000_000  # SQLite page cache while importing
FLUSH_ROWS = 50_000  # new contacts written at once
# From this many new contacts on, SQLite drops the indexes of the filled tables whose keys
# arrive in random order (e-mails, phones, names, cities) and builds them again before
# committing (see _Writer). Random inserts into a B-tree bigger than the page cache cost a
# page read and write each; indexes led by an increasing or nearly constant column (ids, the
# import's time, its owner, content type, stage, tag) only grow at their right edge and stay
# cheap. Dropping all 22 and rebuilding them measured 12.6 s CPU at 1M rows.
REBUILD_INDEXES_FROM = FLUSH_ROWS
BULK_TABLES = (
    "contacts_contact", "contacts_contactemail", "contacts_contactphone",
    "contacts_contact_tags", "core_auditentry",
)  # fmt: skip
APPENDING_COLUMNS = frozenset(
    {
        "contact_id", "object_id", "subject_contact_id", "content_type_id", "actor_id",
        "created_at", "owner_id", "company_id", "referred_by_id", "lifecycle_stage", "tag_id",
    }
)  # fmt: skip

CONTACT_FIELDS = [
    "first_name", "last_name", "middle_name", "email", "emails", "phone", "phones",
    "birth_date", "gender", "language", "city", "country", "address", "tags", "external_id",
    "owner", "notes", "source", "lifecycle_stage", "referred_by",
]  # fmt: skip
REFERRED_BY_ALIASES = ("referrer", "referred by", "recommended by")


def _cleaned(
    setup: Setup, rows: Iterator[tuple[int, list[str]]], workers: int
) -> Iterator[list[tuple[Any, ...] | Invalid]]:
    """Cleaned chunks in file order; in worker processes once the file is big enough."""
    payload = asdict(setup)
    first = list(islice(rows, POOL_THRESHOLD))
    if len(first) < POOL_THRESHOLD or workers < 1:
        yield clean_chunk(payload, first)
        while chunk := list(islice(rows, CHUNK)):
            yield clean_chunk(payload, chunk)
        return

    def chunks() -> Iterator[list[tuple[int, list[str]]]]:
        for i in range(0, len(first), CHUNK):
            yield first[i : i + CHUNK]
        while chunk := list(islice(rows, CHUNK)):
            yield chunk

    yield from map_in_workers(
        "rapport.contacts.import_rows:clean_chunk",
        payload,
        chunks(),
        workers=workers,
        in_flight=IN_FLIGHT,
    )


class _Writer:
    """Buffers new contacts and inserts them, with everything they need, in bulk.

    On SQLite, once an import proves big (REBUILD_INDEXES_FROM new contacts), the secondary
    indexes of the filled tables are dropped before the first insert and built again in
    `finish`. This is safe: the import is one transaction and SQLite's DDL is transactional,
    so a failure or a rollback (errors found later, a crash) brings the indexes back with
    everything else; other connections keep reading the committed schema meanwhile. Unique
    indexes are rebuilt too, so they still check what the import wrote (a violation fails
    the import, which the in-memory deduplication prevents).
    """

    def __init__(self, ctx: ImportContext, setup: Setup) -> None:
        self.ctx = ctx
        self.stamp = setup.stamp
        self.columns = ["id", *(CONTACT_COLUMNS[1 + i] for i in setup.variable)]
        self.constants = constant_columns(setup)
        self.tag_ids: dict[str, int] = {}
        self.contact_type = ContentType.objects.get_for_model(Contact).pk
        self.actor_id = getattr(ctx.actor, "pk", None)
        self.pending: list[tuple[Any, ...]] = []  # Clean's layout
        # row → the id of the contact it created, kept when the file names referrers
        self.row_ids: dict[int, int] = {}
        self.track_rows = "referred_by" in setup.fields
        self.dropped: list[str] | None = None  # CREATE statements of dropped indexes

    def add(self, item: tuple[Any, ...]) -> None:
        self.pending.append(item)
        if len(self.pending) >= FLUSH_ROWS:
            self.flush()

    def _tags(self, names: set[str]) -> None:
        missing = names - self.tag_ids.keys()
        if not missing:
            return
        Tag.objects.bulk_create([Tag(name=n) for n in sorted(missing)], ignore_conflicts=True)
        self.tag_ids.update(Tag.objects.filter(name__in=missing).values_list("name", "id"))

    def _drop_indexes(self) -> None:
        assert connection.in_atomic_block  # the rollback of a failed import restores them
        marks = ", ".join("%s" for _ in BULK_TABLES)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "  # noqa: S608
                f"AND tbl_name IN ({marks}) ORDER BY name",
                list(BULK_TABLES),
            )
            found = []
            for name, sql in cursor.fetchall():
                cursor.execute("SELECT name FROM pragma_index_info(%s) ORDER BY seqno", [name])
                if cursor.fetchone()[0] not in APPENDING_COLUMNS:
                    found.append((name, sql))
            for name, _sql in found:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        self.dropped = [sql for _name, sql in found]

    def finish(self) -> None:
        """Write what is buffered and rebuild dropped indexes (before any update runs)."""
        self.flush()
        if self.dropped is None:
            return
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA threads")
            threads = cursor.fetchone()[0]
            cursor.execute("PRAGMA threads = 2")  # the workers are done: sort on both cores
            for sql in self.dropped:
                cursor.execute(sql)
            cursor.execute(f"PRAGMA threads = {int(threads)}")
        self.dropped = None

    def flush(self) -> None:
        items, self.pending = self.pending, []
        if not items:
            return
        if (
            self.dropped is None
            and len(items) >= REBUILD_INDEXES_FROM
            and connection.vendor == "sqlite"
        ):
            self._drop_indexes()
        ids = reserve_ids(Contact, len(items))
        pairs = list(zip(ids, items, strict=True))
        if self.track_rows:
            self.row_ids.update((item[ROW], cid) for cid, item in pairs)
        self._tags({t for item in items for t in item[TAGS]})
        tag_ids = self.tag_ids
        bulk_insert(
            Contact._meta.db_table,
            self.columns,
            [(cid, *item[RECORD]) for cid, item in pairs],
            constants=self.constants,
        )
        bulk_insert(
            ContactEmail._meta.db_table,
            ["contact_id", "email", "is_primary"],
            [(cid, email, i == 0) for cid, item in pairs for i, email in enumerate(item[EMAILS])],
            constants={"kind": "personal"},
        )
        bulk_insert(
            ContactPhone._meta.db_table,
            ["contact_id", "number", "is_primary"],
            [(cid, number, i == 0) for cid, item in pairs for i, number in enumerate(item[PHONES])],
            constants={"kind": "mobile"},
        )
        search.write_index([(cid, item[TERMS]) for cid, item in pairs])
        bulk_insert(
            Contact.tags.through._meta.db_table,
            ["contact_id", "tag_id"],
            [(cid, tag_ids[t]) for cid, item in pairs for t in item[TAGS]],
        )
        bulk_insert(
            AuditEntry._meta.db_table,
            ["object_id", "subject_contact_id", "changes", "object_repr"],
            [(cid, cid, *item[AUDIT]) for cid, item in pairs],
            constants={
                "content_type_id": self.contact_type, "actor_id": self.actor_id,
                "action": AuditEntry.Action.CREATE.value, "at": self.stamp,
            },
        )  # fmt: skip


def _source(ctx: ImportContext) -> str:
    filename, job = ctx.options.get("filename"), ctx.options.get("job")
    if job:
        return _("import #%(job)s of %(file)s") % {"job": job, "file": filename or "—"}
    return _("import of %(file)s") % {"file": filename} if filename else _("import")


class ContactImporter(Importer):
    kind = "contacts"
    label = "Contacts"
    required = [["first_name", "last_name"]]

    def fields(self) -> list[FieldSpec]:
        specs = [
            FieldSpec(
                name,
                str(getattr(Contact._meta.get_field(name), "verbose_name", name))
                if name not in {"emails", "phones", "owner", "tags"}
                else name,
                tuple(COMMON_ALIASES.get(name, ()))
                + (REFERRED_BY_ALIASES if name == "referred_by" else ()),
                multiple=name in {"emails", "phones", "tags"},
            )
            for name in CONTACT_FIELDS
        ]
        specs.extend(
            FieldSpec(f"custom.{f.key}", f.label, (f.key,))
            for f in CustomField.objects.filter(entity=CustomField.Entity.CONTACT)
        )
        return specs

    def _setup(self, ctx: ImportContext) -> Setup:
        import phonenumbers

        owners = permissions.owners().values_list("username", "first_name", "last_name", "id")
        # Exports name owners by their full name; a name two users share is not a match.
        by_name: dict[str, list[int]] = {}
        for _username, first, last, pk in owners:
            if name := f"{first} {last}".strip().casefold():
                by_name.setdefault(name, []).append(pk)
        owner_lookup = {name: pks[0] for name, pks in by_name.items() if len(pks) == 1}
        owner_lookup.update({username.casefold(): pk for username, _f, _l, pk in owners})
        return Setup(
            fields=tuple(ctx.fields),
            region=settings.RAPPORT_DEFAULT_PHONE_REGION,
            language=translation.get_language() or settings.LANGUAGE_CODE,
            custom=tuple(
                dict(values)
                for values in CustomField.objects.filter(entity=CustomField.Entity.CONTACT).values(
                    "key", "label", "field_type", "choices", "required"
                )
            ),
            owners=owner_lookup,
            genders={**GENDER_WORDS, **choice_lookup(Gender.choices)},
            stages=choice_lookup(LifecycleStage.choices),
            default_owner=getattr(ctx.actor, "pk", None),
            countries=frozenset(phonenumbers.SUPPORTED_REGIONS),
            stamp=connection.ops.adapt_datetimefield_value(timezone.now()),
            variable=_variable_positions(ctx.fields),
            today=timezone.localdate(),
            source=_source(ctx),
        )

    def run(self, rows: Iterator[tuple[int, list[str]]], ctx: ImportContext) -> Counts:
        # The import holds millions of live objects (the deduplication maps, the rows of a
        # batch) and allocates tuples by the million, so the cyclic garbage collector would
        # walk everything again and again: 3.3 s of 12.5 s parent CPU at 200k rows, measured.
        # Nothing here makes reference cycles worth collecting; it is back on afterwards.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._run_tuned(rows, ctx)
        finally:
            if collecting:
                gc.enable()

    def _run_tuned(self, rows: Iterator[tuple[int, list[str]]], ctx: ImportContext) -> Counts:
        if connection.vendor != "sqlite":
            return self._run(rows, ctx)
        # A million contacts grow ~10 indexes by random keys; with SQLite's default page cache
        # they spill to disk mid-transaction and every insert waits on I/O. Give this
        # connection a bigger cache (1 GB, allocated only as used) while the import runs
        # (3 GB measured no faster). synchronous stays NORMAL: in WAL mode a commit does not
        # fsync then, and the 1M-row commit measured 3.5 s wall for 3.1 s CPU, so OFF could
        # save under half a second at the price of a database a power cut may corrupt.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            previous = cursor.fetchone()[0]
            cursor.execute(f"PRAGMA cache_size = {-IMPORT_CACHE_KIB}")
        try:
            return self._run(rows, ctx)
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {int(previous)}")

    def _run(self, rows: Iterator[tuple[int, list[str]]], ctx: ImportContext) -> Counts:
        setup = self._setup(ctx)
        required_custom = [f["key"] for f in setup.custom if f["required"]]
        # What the database holds, one query each: value → contact id.
        by_external = dict(
            Contact.objects.exclude(external_id=None).values_list("external_id", "id")
        )
        by_email = dict(ContactEmail.objects.values_list("email", "contact_id"))
        by_phone = dict(ContactPhone.objects.values_list("number", "contact_id"))
        restricted = visibility.scope(Contact.objects.all(), ctx.actor, "change")
        changeable: set[int] | None = None
        if restricted.query.where:  # the actor may change only some contacts
            changeable = set(restricted.values_list("id", flat=True))
        # Earlier rows of this file: value → row number.
        file_external: dict[str, int] = {}
        file_email: dict[str, int] = {}
        file_phone: dict[str, int] = {}
        referrals = None
        if "referred_by" in ctx.fields:
            visible = visibility.scope(Contact.objects.all(), ctx.actor)
            referrals = Referrals(
                by_external, by_email, by_phone,
                set(visible.values_list("id", flat=True)) if visible.query.where else None,
                file_external, file_email, file_phone,
            )  # fmt: skip
        counts = Counts()
        writer = _Writer(ctx, setup)
        updates: dict[int, Clean] = {}
        matched_rows: dict[int, int] = {}
        workers = int(ctx.options.get("workers", WORKERS))
        for chunk in _cleaned(setup, rows, workers):
            for item in chunk:
                if isinstance(item, Invalid):
                    for field_name, message in item.errors:
                        ctx.error(item.row, field_name, message)
                    continue
                row, values, emails, phones, custom = (
                    item[ROW],
                    item[VALUES],
                    item[EMAILS],
                    item[PHONES],
                    item[CUSTOM],
                )
                problems: list[tuple[str, str]] = []
                external = values.get("external_id")
                if external is not None and external in file_external:
                    problems.append(
                        (
                            "external_id",
                            _("Same external id as row %(r)d.") % {"r": file_external[external]},
                        )
                    )
                for email in emails:
                    if email in file_email:
                        problems.append(
                            (
                                "email",
                                _("%(v)s is also on row %(r)d.")
                                % {"v": email, "r": file_email[email]},
                            )
                        )
                for phone in phones:
                    if phone in file_phone:
                        problems.append(
                            (
                                "phone",
                                _("%(v)s is also on row %(r)d.")
                                % {"v": phone, "r": file_phone[phone]},
                            )
                        )
                match = by_external.get(external) if external is not None else None
                if match is None:
                    match = next((by_email[e] for e in emails if e in by_email), None)
                if match is None:
                    match = next((by_phone[p] for p in phones if p in by_phone), None)
                for email in emails:
                    holder = by_email.get(email)
                    if holder is not None and holder != match:
                        problems.append(
                            (
                                "email",
                                _("%(v)s already belongs to contact #%(id)d.")
                                % {"v": email, "id": holder},
                            )
                        )
                for phone in phones:
                    holder = by_phone.get(phone)
                    if holder is not None and holder != match:
                        problems.append(
                            (
                                "phone",
                                _("%(v)s already belongs to contact #%(id)d.")
                                % {"v": phone, "id": holder},
                            )
                        )
                if match is not None and match in matched_rows:
                    problems.append(
                        (
                            "external_id",
                            _("This row matches the same contact as row %(r)d.")
                            % {"r": matched_rows[match]},
                        )
                    )
                if match is not None and changeable is not None and match not in changeable:
                    problems.append(
                        (
                            "external_id",
                            _("This row matches contact #%(id)d, which you cannot change.")
                            % {"id": match},
                        )
                    )
                if match is None:
                    missing = [k for k in required_custom if k not in custom]
                    problems.extend((f"custom.{k}", _("This field is required.")) for k in missing)
                # Later rows are checked against this one even if it is invalid, so that a
                # repeated value is reported once, on the later row.
                if external is not None:
                    file_external.setdefault(external, row)
                for email in emails:
                    file_email.setdefault(email, row)
                for phone in phones:
                    file_phone.setdefault(phone, row)
                if problems:
                    for field_name, message in problems:
                        ctx.error(row, field_name, message)
                    continue
                if referrals is not None:
                    referrals.accept(row, match, item[REFERRER])
                if match is None:
                    counts.created += 1
                    if ctx.should_write:
                        writer.add(item)
                else:
                    updates[match] = Clean._make(item)
                    matched_rows[match] = row
            ctx.advance(len(chunk))
        links = referrals.resolve(ctx) if referrals is not None else {}
        if ctx.should_write:
            writer.finish()
        # The matched contacts' new referrers (a contact the file creates: its new id, or in
        # a dry run the row's placeholder, which differs from any stored referrer all the same)
        referrers = {
            node: real_id(referrer, writer.row_ids) if ctx.should_write else referrer
            for node, referrer in links.items()
            if node > 0
        }
        updated, unchanged = self._apply_updates(updates, ctx, referrers)
        counts.updated, counts.unchanged = updated, unchanged
        if ctx.should_write:
            link_new_contacts(links, writer.row_ids)
        return counts

    def _apply_updates(
        self, updates: dict[int, Clean], ctx: ImportContext, referrers: dict[int, int]
    ) -> tuple[int, int]:
        """Fill and overwrite the fields a row gives on the contacts it matched (and the
        referrer its referred_by cell named: `referrers`, contact id → referrer id)."""
        updated = unchanged = 0
        contacts = Contact.objects.prefetch_related("emails", "phones", "tags").in_bulk(
            list(updates)
        )
        for contact_id, item in updates.items():
            contact = contacts[contact_id]
            before = snapshot(contact)
            for key, value in item.values.items():
                if value not in (None, ""):
                    setattr(contact, key, value)
            if item.custom:
                contact.custom = {**contact.custom, **item.custom}
            if contact_id in referrers:
                contact.referred_by_id = referrers[contact_id]
            emails = [e.email for e in contact.emails.all()]
            phones = [p.number for p in contact.phones.all()]
            new_emails = [e for e in item.emails if e not in emails]
            new_phones = [p for p in item.phones if p not in phones]
            tags = sorted({t.name for t in contact.tags.all()} | set(item.tags))
            after = {
                **{f: getattr(contact, f) for f in before if f not in {"emails", "phones", "tags"}},
                "emails": before["emails"] + [f"{e} (personal)" for e in new_emails],
                "phones": before["phones"] + [f"{p} (mobile)" for p in new_phones],
                "tags": tags,
            }
            changes = diff(before, after)
            if not changes:
                unchanged += 1
                continue
            updated += 1
            if not ctx.should_write:
                continue
            if not contact.email and new_emails:
                contact.email = new_emails[0]
            if not contact.phone and new_phones:
                contact.phone = new_phones[0]
            contact.version += 1
            contact.save()
            ContactEmail.objects.bulk_create(
                ContactEmail(contact=contact, email=e, is_primary=not emails and i == 0)
                for i, e in enumerate(new_emails)
            )
            ContactPhone.objects.bulk_create(
                ContactPhone(contact=contact, number=p, is_primary=not phones and i == 0)
                for i, p in enumerate(new_phones)
            )
            if item.tags:
                Tag.objects.bulk_create([Tag(name=n) for n in item.tags], ignore_conflicts=True)
                contact.tags.add(*Tag.objects.filter(name__in=item.tags))
            search.reindex(contact)
            AuditEntry.objects.create(
                content_type=ContentType.objects.get_for_model(Contact),
                object_id=contact.pk,
                subject_contact_id=contact.pk,
                actor=ctx.actor if getattr(ctx.actor, "pk", None) else None,
                action=AuditEntry.Action.UPDATE,
                changes=changes,
                object_repr=str(contact)[:200],
            )
        return updated, unchanged
