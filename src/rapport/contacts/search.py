"""Prefix search over names, e-mails and phones, fast at a million contacts on both backends.

A contact's searchable words (folded names, e-mails and their parts, phone digit
strings: `contact_terms`) are stored once, in the form each backend answers best, and
`write_index` writes them (`reindex` for one contact, imports in bulk), so callers never
branch on the database:

- SQLite: an FTS5 table (`contacts_search_fts`, one document of terms per contact, rowid =
  contact id). It intersects the prefixes of several words and hands back the newest matches
  first in well under a millisecond. Phone digits are tokens of the document too, so a typed
  number is a prefix query like any word. Its prefix indexes (2, 3 and 4 characters) earn
  their cost: over the 1M documents of the large demo set they take 12.2 s to fill instead of
  8.7 s without, and keep a prefix query's p95 at 1.8 ms instead of 100 ms (2026-11-24). One
  of a single letter too (migration 0006): a lone letter typed next to a word ("rugile.p",
  "Ivan P") merged the lists of every term starting with it, 18-33 ms of CPU, 2-3 ms with it,
  for an index 11 % bigger (2026-12-01).
  No `SearchTerm` rows are kept here: at ~7 a contact, inserting them was ≈ 4.5 s of CPU
  per 200k imported contacts, about a quarter of the import's writing process (measured),
  for a copy of what the document already holds.
- PostgreSQL: `SearchTerm` rows (one a word), read through a pattern-ops index on (term,
  contact), for words few contacts have; and the same terms as one string in the contact's
  row (`Contact.search_document`), tested row by row while walking the list's own index for
  words many have ("mar", "+38067"), which stops after a page (see `_search_terms`). A search
  of several words whose candidates are many ANDs them in a GIN index of the documents' words
  (migration 0012, see FEW) instead of checking each candidate's row.

Words are folded (core.text.search_fold: case, diacritics, apostrophes, the Ukrainian and
Russian letter pairs) in the index and in the query alike. Search scopes, then caps: only
contacts the viewer may see count towards a cap (SQLite) or a page (PostgreSQL).

Loaders that produce per-word rows (the demo generator) write them to `SearchTerm` and call
`sync_fulltext`, which on SQLite turns them into documents and empties the table again, and
on PostgreSQL writes the contacts' `search_document` from them (the demo loader writes each
document with its contact's row instead, with `document`).
"""

import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import IntegerField, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import StrIndex

from rapport.contacts.models import Contact, SearchTerm
from rapport.contacts.normalize import phone_search_digits
from rapport.core.lookups import ids_in
from rapport.core.text import search_fold

MAX_TERM = 64
PHONEISH = re.compile(r"^[+\d][\d\s().-]*$")
TOKEN = re.compile(r"[^\W_]+", re.UNICODE)  # what FTS5's unicode61 tokenizer calls a token
fold = search_fold  # what the index holds and queries are compared in: see core.text


def words_of(text: str) -> list[str]:
    """The folded words of `text`, as the index holds them (apostrophes fold away first, so
    "Лук'ян" is one word; a hyphen or a dot separates words)."""
    return [word[:MAX_TERM] for word in TOKEN.findall(fold(text))]


def terms_for(*, names: Iterable[str], emails: Iterable[str], phones: Iterable[str]) -> set[str]:
    terms: set[str] = set()
    for name in names:
        if name:
            terms.update(words_of(name))
    for email in emails:
        if email:
            email = fold(email)
            terms.add(email[:MAX_TERM])
            terms.update(words_of(email.split("@", 1)[0]))
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


def uses_fulltext() -> bool:
    return connection.vendor == "sqlite"


def page_by_keys(q: str) -> bool:
    """Whether a page of this search should read its ids before its rows (paginate's
    `keys_first`). SQLite: its up to FULLTEXT_CAP matches are all sorted to find a page.
    PostgreSQL: the exact ids of the matches (see _search_terms) are sorted from the search
    index on the contact's id alone (migration 0010), and a walk reads whole rows only for
    the page; given candidates still to be checked, keys alone once made the planner walk the
    whole date index (747 ms at 1M contacts for a pair of words 19 contacts have)."""
    return bool(query_words(q))


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
        # One statement for the whole batch (an import writes thousands of contacts at once).
        raw.execute(
            "UPDATE contacts_contact c SET search_document = d.terms "
            "FROM unnest(%s::bigint[], %s::text[]) AS d(id, terms) WHERE c.id = d.id",
            [[cid for cid, _ in docs], [document(terms) for _, terms in docs]],
        )


def document(terms: Iterable[str]) -> str:
    """PostgreSQL: the `Contact.search_document` of these terms: each preceded by a space,
    so that `LIKE '% word%'` is "a term starts with word"."""
    return "".join(f" {term}" for term in terms)


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
    """Index the terms a bulk loader staged in SearchTerm rows.

    SQLite: into FTS5 documents, then the rows are dropped. PostgreSQL keeps the rows and
    writes each contact's `search_document` from them. Without `contact_ids`, every staged
    contact is (re)indexed; with them, only those.
    """
    if not uses_fulltext():
        _write_documents(contact_ids)
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


def _write_documents(contact_ids: Iterable[int] | None) -> None:
    """PostgreSQL: `Contact.search_document` from the contacts' SearchTerm rows, in SQL."""
    where, params = "", []
    if contact_ids is not None:
        where, params = "WHERE contact_id = ANY(%s)", [list(contact_ids)]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE contacts_contact c SET search_document = d.terms FROM (SELECT contact_id, "  # noqa: S608
            f"' ' || string_agg(term, ' ') AS terms FROM contacts_searchterm {where} "
            "GROUP BY contact_id) d WHERE c.id = d.contact_id",
            params,
        )


def fulltext_ids(
    tokens: Iterable[str],
    limit: int,
    table: str = FTS_TABLE,
    within: QuerySet[Any] | None = None,
) -> list[int]:
    """SQLite: the newest `limit` rows of an FTS5 `table` (contacts', or leads') whose document
    has a word starting with each token, among the rows of `within` when it is given.

    The scope is applied before the cap: the index hands its matches newest first and each is
    checked against `within` (by its primary key) until `limit` of them are in, so a manager's
    broad search finds their own customers rather than the newest of everybody's.
    """
    match = " AND ".join(f'"{token[:MAX_TERM]}"*' for token in tokens)
    sql, params = f"SELECT rowid FROM {table} WHERE {table} MATCH %s", [match]  # noqa: S608
    if within is not None and within.query.has_filters():
        # The FTS5 row being matched, as the outer reference of the scope check.
        rowid = RawSQL(f"{table}.rowid", (), output_field=IntegerField())  # noqa: S611
        try:
            scoped, scope_params = within.filter(pk=rowid).values("pk").query.sql_with_params()
        except EmptyResultSet:
            return []
        sql += f" AND EXISTS ({scoped})"
        params.extend(scope_params)
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} ORDER BY rowid DESC LIMIT %s", [*params, limit])
        return [row[0] for row in cursor.fetchall()]


def having_prefixes(contacts: QuerySet[Contact], prefixes: list[str]) -> QuerySet[Contact]:
    """`contacts` with a word starting with each prefix (up to CANDIDATE_CAP of them)."""
    if uses_fulltext():
        tokens = [t for p in prefixes for t in TOKEN.findall(fold(p))]
        if not tokens:
            return contacts
        return contacts.filter(ids_in("pk", fulltext_ids(tokens, CANDIDATE_CAP, within=contacts)))
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
    words = words_of(q)
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


# With FTS5 a search takes the newest matches among the contacts the viewer may see, at most
# this many: what the default (newest first) list shows, and 1000 of them keep the sort of a
# broad query ("ol") by another order to a few milliseconds. Below the cap the result is exact.
FULLTEXT_CAP = 1000
CANDIDATE_CAP = 5000  # the same for duplicate detection (`having_prefixes`)
# PostgreSQL: a word matching at most this many index terms is narrow: its contacts are read
# from the term index (as ids), then scoped, checked for the other words and sorted. A broader
# one is tested on each contact met while walking the list's own index, which stops after a
# page: 51 / (share of contacts matching) rows. Both cost about a row visit per contact read,
# so they break even near sqrt(51 × contacts): ~7,000 at a million; 5,000 is 0.5 % of them,
# a walk of ~10,000 rows at worst.
NARROW = 5000
# PostgreSQL, several words none of which is narrow: the longest one's contacts are still read
# from the term index when it has at most this many entries, and the other words checked on
# them, rather than walking for a pair few contacts have ("vilma k": 7,191 and 219,050 entries,
# 480 contacts together: a walk of 200,000 rows; intersecting both entry lists hashed all
# 226,000 of them, 106-170 ms at 1M; its 4,182 contacts checked on their rows, 20 ms, and
# 7.7 ms from the covering index of migration 0010).
WIDE = 20_000
# PostgreSQL, several words whose candidates (above) are more than this many contacts: the
# contacts with every word come from the word index (migration 0012), which ANDs the words
# before a row is read, rather than each candidate's row being checked (≈ 2.5 µs a candidate
# from the covering index): "Jona Ži", 9,981 candidates, 41 ms → 2.6 ms at 1M. A contact it
# finds is a heap page read (≈ 12 µs, out of the OS cache), so it is asked for at most a
# quarter of the candidates; more, and the rows are checked after all.
FEW = 1000
# What the word index (migration 0012) is built over: the document's terms, and their first
# one and two letters, as the lexemes of a tsvector.
WORDS_DOCUMENT = "rapport_search_words(search_document)"
SHORT_WORD = 2  # a word this short is a lexeme of the word index of its own, not a prefix


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
        # them instead of walking a million-row sort index looking for them (see ids_in).
        return contacts.filter(ids_in("pk", fulltext_ids(tokens, FULLTEXT_CAP, within=contacts)))
    return _search_terms(contacts, words)


def _term_entries(word: str, cap: int) -> tuple[int, list[int] | None]:
    """PostgreSQL: how many term index entries start with `word`, counted up to `cap` + 1
    (NARROW + 1 at least), and the contact of each (a contact may have several) when there
    are at most NARROW.

    Counted first, the contacts read only when they will be used: most words probed are too
    broad to be read (see NARROW, WIDE), and reading an entry costs the driver's CPU as well
    as PostgreSQL's. At 1M contacts, "jona" (17,122 entries) took 7.0 ms to read and 2.9 ms to
    count; a broad "zi", up to 5,001: 2.0 ms and 1.0 ms (2026-12-03)."""
    # the same statement counts them and reads them: its limit must hold every narrow word's
    sql, params = _entries_sql(word, max(cap, NARROW) + 1)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({sql}) entries", params)  # noqa: S608
        count = cursor.fetchone()[0]
        if count == 0 or count > NARROW:
            return count, [] if count == 0 else None
        return count, _read_ids(cursor, sql, params)


def _entry_ids(word: str, limit: int) -> list[int]:
    """PostgreSQL: the contact of each of the first `limit` term index entries starting
    with `word` (the caller has counted them: see _term_entries)."""
    sql, params = _entries_sql(word, limit)
    with connection.cursor() as cursor:
        return _read_ids(cursor, sql, params)


def _entries_sql(word: str, limit: int) -> tuple[str, tuple[Any, ...]]:
    entries = SearchTerm.objects.filter(prefix_q("term", word)).values_list("contact_id")
    return entries[:limit].query.sql_with_params()


def _read_ids(cursor: Any, sql: str, params: tuple[Any, ...]) -> list[int]:
    """The ids a statement selects, read by the driver: the ORM's iteration cost ≈ 1 µs of
    CPU a row."""
    cursor.execute(sql, params)
    return [cid for (cid,) in cursor.fetchall()]


def words_query(words: Iterable[str]) -> str:
    """PostgreSQL: the tsquery of "a term starting with each word" over the word index: a
    short word is a lexeme of its own, a longer one a prefix (quoted as tsquery's input
    syntax wants: a quote doubled, a backslash escaped)."""
    quoted = [(word.replace("\\", "\\\\").replace("'", "''"), len(word)) for word in words]
    return " & ".join(
        f"'{word}'" if length <= SHORT_WORD else f"'{word}':*" for word, length in quoted
    )


def _word_index_ids(words: list[str], cap: int) -> list[int] | None:
    """PostgreSQL: the contacts having a term starting with each word, from the word index
    (migration 0012), or None when there are more than `cap` of them."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM contacts_contact WHERE {WORDS_DOCUMENT} @@ %s::tsquery LIMIT %s",  # noqa: S608
            [words_query(words), cap + 1],
        )
        rows = cursor.fetchall()
    return None if len(rows) > cap else [cid for (cid,) in rows]


def _document_has(contacts: QuerySet[Contact], words: list[str]) -> QuerySet[Contact]:
    """PostgreSQL: `contacts` whose search document has a term starting with each word.

    strpos(), not LIKE '% word%': the planner estimated a LIKE on the document from its
    histogram (42 rows for "ruta", which 4,150 contacts have) and sorted a sequential scan of
    all 1M contacts (1.4 s); for strpos() it assumes a third match, and walks."""
    for i, word in enumerate(words):
        found = StrIndex("search_document", Value(f" {word}"))
        contacts = contacts.alias(**{f"_has_word_{i}": found}).filter(**{f"_has_word_{i}__gt": 0})
    return contacts


def _search_terms(contacts: QuerySet[Contact], words: list[str]) -> QuerySet[Contact]:
    """PostgreSQL: contacts with a term starting with each word; exact, no cap.

    The contacts of the first narrow word, longest first (see NARROW; failing one, of the
    longest word if it has at most WIDE entries) are read from the term index; more than FEW
    of them, the contacts with every word come from the word index; else the other words
    are checked on those candidates' documents in a query of their own, so that the page's
    query gets the exact ids that match. Given candidates still to be checked, the
    planner guessed a third of them would match and walked the whole date index for a pair
    19 contacts have ("тимо до": 3,740 candidates, 548 ms at 1M); given a subquery, it
    guessed a prefix's share from statistics and walked 50,000 contacts for a phone number
    that has 49 (956 ms). With no word narrow enough, every word is checked while walking
    the list's own index.
    """
    candidates: set[int] | None = None
    wide: tuple[str, int] | None = None  # the longest word and its entries, at most WIDE
    unread: list[str] = []
    for i, word in enumerate(words):
        if candidates is not None:
            unread.append(word)
            continue
        # Several words: the longest is counted up to WIDE, the fallback if none is narrow.
        longest = i == 0 and len(words) > 1
        count, entries = _term_entries(word, WIDE if longest else NARROW)
        if count == 0:
            return contacts.none()
        if entries is not None:  # at most NARROW
            candidates = set(entries)
        else:
            if longest and count <= WIDE:
                wide = (word, count)
            unread.append(word)
    if candidates is None and wide is not None:
        # More than NARROW entries, so many contacts: the word index first (see FEW), the
        # longest word's contacts read only if it finds more than a quarter of its entries.
        ids = _word_index_ids(words, wide[1] // 4)
        if ids is not None:
            return contacts.filter(ids_in("pk", ids))
        return _checked(contacts, set(_entry_ids(*wide)), unread[1:])
    if candidates is None:
        return _document_has(contacts, words)
    if unread and len(candidates) > FEW:  # see FEW
        ids = _word_index_ids(words, len(candidates) // 4)
        if ids is not None:
            return contacts.filter(ids_in("pk", ids))
    return _checked(contacts, candidates, unread)


def _checked(
    contacts: QuerySet[Contact], candidates: set[int], unread: list[str]
) -> QuerySet[Contact]:
    """PostgreSQL: `contacts` among the candidates, their documents checked for the unread
    words in a query of their own (see _search_terms)."""
    # `ids_in`: thousands of ids through the ORM's IN cost ≈ 20 µs of CPU each to prepare.
    if unread and candidates:
        matching = _document_has(Contact.objects.filter(ids_in("pk", candidates)), unread)
        candidates = set(matching.values_list("pk", flat=True))
    return contacts.filter(ids_in("pk", candidates))
