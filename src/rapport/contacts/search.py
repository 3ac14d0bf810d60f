"""Prefix search over names, e-mails and phones, fast at a million contacts on both backends.

A contact's searchable words (case-folded names, e-mails and their parts, phone digit
strings: `contact_terms`) are stored once, in the form each backend answers best, and
`write_index` writes them (`reindex` for one contact, imports in bulk), so callers never
branch on the database:

- SQLite: an FTS5 table (`contacts_search_fts`, one document of terms per contact, rowid =
  contact id). It intersects the prefixes of several words and hands back the newest matches
  first in well under a millisecond. Phone digits are tokens of the document too, so a typed
  number is a prefix query like any word. Its prefix indexes (2, 3 and 4 characters) earn
  their cost: over the 1M documents of the large demo set they take 12.2 s to fill instead of
  8.7 s without, and keep a prefix query's p95 at 1.8 ms instead of 100 ms (2026-11-24).
  No `SearchTerm` rows are kept here: at ~7 a contact, inserting them was ≈ 4.5 s of CPU
  per 200k imported contacts, about a quarter of the import's writing process (measured),
  for a copy of what the document already holds.
- PostgreSQL: `SearchTerm` rows (one a word), read through a pattern-ops index on (term,
  contact).

Loaders that produce per-word rows (the demo generator) write them to `SearchTerm` and call
`sync_fulltext`, which on SQLite turns them into documents and empties the table again.
"""

import re
from collections.abc import Iterable

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet

from rapport.contacts.models import Contact, SearchTerm
from rapport.contacts.normalize import phone_search_digits

MAX_TERM = 64
_WORD = re.compile(r"[\w'’-]+", re.UNICODE)
PHONEISH = re.compile(r"^[+\d][\d\s().-]*$")


def fold(text: str) -> str:
    # casefold() handles every script (ß → ss, Cyrillic and Lithuanian lower-case properly).
    return text.casefold()


def terms_for(*, names: Iterable[str], emails: Iterable[str], phones: Iterable[str]) -> set[str]:
    terms: set[str] = set()
    for name in names:
        for word in _WORD.findall(fold(name or "")):
            terms.add(word[:MAX_TERM])
    for email in emails:
        if email:
            email = fold(email)
            terms.add(email[:MAX_TERM])
            local = email.split("@", 1)[0]
            for word in re.split(r"[._+-]", local):
                if word:
                    terms.add(word[:MAX_TERM])
    for phone in phones:
        if phone:
            terms.update(phone_search_digits(phone))
    return terms


def contact_terms(contact: Contact, emails: Iterable[str], phones: Iterable[str]) -> set[str]:
    return terms_for(
        names=[contact.first_name, contact.last_name, contact.middle_name],
        emails=emails,
        phones=phones,
    )


FTS_TABLE = "contacts_search_fts"
TOKEN = re.compile(r"[^\W_]+", re.UNICODE)  # what FTS5's unicode61 tokenizer calls a token


def uses_fulltext() -> bool:
    return connection.vendor == "sqlite"


def write_index(docs: Iterable[tuple[int, Iterable[str]]], *, replace: bool = False) -> None:
    """Store the search terms of contacts given as (id, terms): THE writer of the index.

    `replace` drops what the contacts had first (an update); without it they must be new.
    Imports pass terms as one space-separated string, which is taken as is.
    """
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the driver's cursor: no per-row Django overhead in bulk
        if uses_fulltext():
            docs = [(cid, t if isinstance(t, str) else " ".join(t)) for cid, t in docs]
            if replace:
                raw.executemany(
                    f"DELETE FROM {FTS_TABLE} WHERE rowid = ?",  # noqa: S608
                    [(cid,) for cid, _ in docs],
                )
            raw.executemany(f"INSERT INTO {FTS_TABLE} (rowid, terms) VALUES (?, ?)", docs)  # noqa: S608
            return
        docs = [(cid, t.split() if isinstance(t, str) else list(t)) for cid, t in docs]
        if replace:
            SearchTerm.objects.filter(contact_id__in=[cid for cid, _ in docs]).delete()
        with raw.copy("COPY contacts_searchterm (contact_id, term) FROM STDIN") as copy:
            for cid, terms in docs:
                for term in terms:
                    copy.write_row((cid, term))


def reindex(contact: Contact) -> None:
    """Rewrite one contact's search terms from its current names, e-mails and phones."""
    emails = list(contact.emails.values_list("email", flat=True))
    phones = list(contact.phones.values_list("number", flat=True))
    write_index([(contact.pk, sorted(contact_terms(contact, emails, phones)))], replace=True)


def indexed_terms(contact_id: int) -> set[str]:
    """The terms the index holds for a contact (for checks and tests), on either backend."""
    if uses_fulltext():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT terms FROM {FTS_TABLE} WHERE rowid = %s", [contact_id])  # noqa: S608
            row = cursor.fetchone()
        return set(row[0].split()) if row else set()
    return set(SearchTerm.objects.filter(contact_id=contact_id).values_list("term", flat=True))


def indexed_count() -> int:
    """How many contacts the index holds terms for."""
    if uses_fulltext():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {FTS_TABLE}")  # noqa: S608
            return int(cursor.fetchone()[0])
    return SearchTerm.objects.values("contact_id").distinct().count()


def sync_fulltext(contact_ids: Iterable[int] | None = None) -> None:
    """SQLite: index the terms a bulk loader staged in SearchTerm rows, then drop the rows.

    Without `contact_ids`, every staged contact is (re)indexed; with them, only those.
    PostgreSQL reads SearchTerm itself, so there this does nothing.
    """
    if not uses_fulltext():
        return
    select = "SELECT contact_id, group_concat(term, ' ') FROM contacts_searchterm"
    with connection.cursor() as cursor:
        if contact_ids is None:
            cursor.execute(
                f"DELETE FROM {FTS_TABLE} WHERE rowid IN "  # noqa: S608
                "(SELECT DISTINCT contact_id FROM contacts_searchterm)"
            )
            cursor.execute(f"INSERT INTO {FTS_TABLE} (rowid, terms) {select} GROUP BY contact_id")
            cursor.execute("DELETE FROM contacts_searchterm")  # whole table: SQLite truncates
            return
        ids = list(contact_ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid IN ({marks})", chunk)  # noqa: S608
            cursor.execute(
                f"INSERT INTO {FTS_TABLE} (rowid, terms) {select} "
                f"WHERE contact_id IN ({marks}) GROUP BY contact_id",
                chunk,
            )
            cursor.execute(f"DELETE FROM contacts_searchterm WHERE contact_id IN ({marks})", chunk)  # noqa: S608


def fulltext_ids(tokens: Iterable[str], limit: int, table: str = FTS_TABLE) -> list[int]:
    """SQLite: the newest `limit` rows of an FTS5 `table` (contacts', or leads') whose document
    has a word starting with each token."""
    match = " AND ".join(f'"{token[:MAX_TERM]}"*' for token in tokens)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rowid FROM {table} WHERE {table} MATCH %s "  # noqa: S608
            "ORDER BY rowid DESC LIMIT %s",
            [match, limit],
        )
        return [row[0] for row in cursor.fetchall()]


def having_prefixes(contacts: QuerySet[Contact], prefixes: list[str]) -> QuerySet[Contact]:
    """`contacts` with a word starting with each prefix (up to CANDIDATE_CAP of them)."""
    if uses_fulltext():
        tokens = [t for p in prefixes for t in TOKEN.findall(fold(p))]
        return contacts.filter(pk__in=fulltext_ids(tokens, CANDIDATE_CAP)) if tokens else contacts
    for prefix in prefixes:
        contacts = contacts.filter(
            pk__in=SearchTerm.objects.filter(prefix_q("term", fold(prefix))).values("contact_id")
        )
    return contacts


def query_words(q: str) -> list[str]:
    """Turn what someone typed into the prefixes to look up."""
    q = (q or "").replace("\x00", "").strip()[:200]
    if not q:
        return []
    if PHONEISH.match(q) and sum(ch.isdigit() for ch in q) >= 3:
        return [re.sub(r"\D", "", q)[:MAX_TERM]]
    words = [w[:MAX_TERM] for w in _WORD.findall(fold(q))]
    if "@" in q:
        words = [fold(q.strip())[:MAX_TERM]]
    return sorted(set(words), key=len, reverse=True)[:5]


def prefix_q(field: str, prefix: str) -> Q:
    """`field` starts with `prefix`, in the form each backend answers from a plain index."""
    if connection.vendor == "sqlite":
        # SQLite compares TEXT bytewise (UTF-8 order = code point order), so a range on the
        # B-tree does it; LIKE would be case-insensitive and could not use the index.
        upper = prefix[:-1] + chr(min(ord(prefix[-1]) + 1, 0x10FFFF))
        return Q(**{f"{field}__gte": prefix, f"{field}__lt": upper})
    # PostgreSQL: LIKE 'prefix%' uses the varchar_pattern_ops index Django adds for the column.
    return Q(**{f"{field}__startswith": prefix})


# A search takes at most this many candidates (the newest contacts with FTS5, the first terms
# in order otherwise); a query that matches more is too broad to page through anyway, and
# the UI asks for more letters. Below the cap the result is exact.
CANDIDATE_CAP = 5000
# With FTS5 the candidates are the newest matches, which is what the default (newest first)
# list shows; 1000 of them keep the sort of a broad query ("ol") to a few milliseconds.
FULLTEXT_CAP = 1000


def search(contacts: QuerySet[Contact], q: str) -> QuerySet[Contact]:
    """Contacts of `contacts` (already scoped to the viewer) matching every word's prefix."""
    words = query_words(q)
    if not words:
        # Blank means "no search"; something typed that holds no searchable word finds nobody.
        return contacts if not (q or "").replace("\x00", "").strip() else contacts.none()
    if uses_fulltext():
        # A typed phone number is one digit string (query_words joins "+380 67 12…"), the
        # same token the document holds for the number; other queries are FTS5's tokens.
        phone = len(words) == 1 and words[0].isdigit()
        tokens = words if phone else list(dict.fromkeys(TOKEN.findall(fold(q))))[:8]
        if not tokens:
            return contacts.none()
        # The ids go in as values, not a subquery: knowing how few they are, SQLite sorts
        # them instead of walking a million-row sort index looking for them (85 ms → 2 ms).
        return contacts.filter(pk__in=fulltext_ids(tokens, FULLTEXT_CAP))
    driver, *others = words
    candidates = (
        SearchTerm.objects.filter(prefix_q("term", driver))
        .order_by("term", "contact_id")
        .values("contact_id")[:CANDIDATE_CAP]
    )
    contacts = contacts.filter(pk__in=candidates)
    for word in others:
        contacts = contacts.filter(
            Exists(SearchTerm.objects.filter(prefix_q("term", word), contact_id=OuterRef("pk")))
        )
    return contacts
