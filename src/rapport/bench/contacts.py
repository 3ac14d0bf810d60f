"""Contact search and the contact list page, as admin and as a sales manager.

Rapport's figure goes through the REST API (Django test client, Bearer token) when
/api/v1/contacts is installed, otherwise through the same selector → search → paginate path the
API and the list page call. The baseline is hand-written SQL for the database being measured
(FTS5 on SQLite; the term index or the walk over the search document on PostgreSQL) doing the
same work on the same indexes, so the ratio is the price of the framework and the visibility
rule. Before timing, each benchmark checks that Rapport and its baseline return the same
contacts in the same order, query by query and page by page.
"""

import random
import re
from collections.abc import Callable
from functools import partial
from typing import Any

from django.db import connection
from django.test import Client
from django.urls import Resolver404, resolve

from rapport.accounts.models import ApiToken, User
from rapport.bench.harness import Bench, Result, benchmark, p95, timings_ms
from rapport.contacts.models import Contact
from rapport.contacts.search import (
    FEW,
    FTS_TABLE,
    FULLTEXT_CAP,
    NARROW,
    WIDE,
    WORDS_DOCUMENT,
    query_words,
    uses_fulltext,
    words_query,
)
from rapport.contacts.selectors import (
    CONTACT_ORDERINGS,
    ContactFilters,
    contacts_for,
    filter_contacts,
)
from rapport.core import permissions
from rapport.core.pagination import paginate
from rapport.core.text import search_fold

SEARCH_TARGET_MS = 20.0
LIST_TARGET_MS = 30.0
PAGE = 50
API_PATH = "/api/v1/contacts"
COLUMNS = "id, first_name, last_name, email, phone, city, lifecycle_stage, owner_id, created_at"


def api_installed() -> bool:
    try:
        resolve(API_PATH)
    except Resolver404:
        return False
    return True


def search_queries(n: int, seed: int = 11) -> list[str]:
    """What people type: surname prefixes (Cyrillic and Latin), phone fragments, e-mail starts."""
    rng = random.Random(seed)
    top = Contact.objects.order_by("-id").values_list("id", flat=True).first() or 0
    queries: list[str] = []
    while len(queries) < n and top:
        contact = (
            Contact.objects.filter(id__gte=rng.randint(1, top))
            .order_by("id")
            .values("first_name", "last_name", "email", "phone")
            .first()
        )
        if contact is None:
            continue
        kind = len(queries) % 4
        if kind == 0 and contact["last_name"]:
            queries.append(contact["last_name"][: rng.randint(3, 6)])
        elif kind == 1 and contact["last_name"]:
            queries.append(f"{contact['last_name'][:4]} {contact['first_name'][:2]}")
        elif kind == 2 and contact["phone"]:
            national = (
                contact["phone"][4:] if contact["phone"][1:3] == "38" else contact["phone"][3:]
            )
            queries.append("0" + national[: rng.randint(4, 7)])
        elif kind == 3 and contact["email"]:
            queries.append(contact["email"][: rng.randint(4, 9)])
    return queries


class Runner:
    """Rapport's way of answering a list or search for one user."""

    def __init__(self, user: User) -> None:
        self.user = user
        self.api = api_installed()
        if self.api:
            _, raw = ApiToken.issue(user=user, name="benchmark")
            self.client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    def search(self, q: str) -> list[int]:
        """The ids of the first page of contacts found for `q`."""
        if self.api:
            response = self.client.get(API_PATH, {"q": q, "limit": str(PAGE)})
            assert response.status_code == 200, response.content[:300]
            return [item["id"] for item in response.json()["items"]]
        contacts = filter_contacts(contacts_for(self.user), ContactFilters(q=q))
        page = paginate(contacts, ordering=CONTACT_ORDERINGS["-created"], limit=PAGE, cursor=None)
        return [contact.pk for contact in page.items]

    def page(self, cursor: str | None) -> tuple[list[int], str | None]:
        """The ids of one page of the list, and the cursor of the next."""
        if self.api:
            params: dict[str, str | int] = {"limit": PAGE}
            if cursor:
                params["cursor"] = cursor
            response = self.client.get(API_PATH, params)
            assert response.status_code == 200, response.content[:300]
            body = response.json()
            return [item["id"] for item in body["items"]], body["next"]
        page = paginate(
            contacts_for(self.user),
            ordering=CONTACT_ORDERINGS["-created"],
            limit=PAGE,
            cursor=cursor,
        )
        return [contact.pk for contact in page.items], page.next


def _owner_clause(user: User) -> tuple[str, list[int]]:
    if permissions.reach(user, "contacts", "view") != "team":
        return "", []
    ids = user.colleague_ids
    return f" AND owner_id IN ({', '.join('%s' for _ in ids)})", list(ids)


def raw_search(user: User) -> Callable[[str], list[int]]:
    """Hand-written SQL for the database being measured: the ids of the first page."""
    return _raw_search_fts(user) if uses_fulltext() else _raw_search_terms(user)


def _raw_search_fts(user: User) -> Callable[[str], list[int]]:
    owner_sql, owner_params = _owner_clause(user)
    # The scope is checked on each FTS5 match, newest first, before the cap (as Rapport does).
    scope_sql = owner_sql.replace(" AND owner_id", " AND s.owner_id")

    def run(q: str) -> list[int]:
        words = query_words(q)
        # The same FTS5 lookup Rapport makes, written by hand in one statement (a typed
        # phone number is one digit token, as the documents hold it).
        if len(words) == 1 and words[0].isdigit():
            tokens = words
        else:
            tokens = list(dict.fromkeys(re.findall(r"[^\W_]+", search_fold(q))))[:8]
        match = " AND ".join(f'"{w}"*' for w in tokens)
        scope = (
            f" AND EXISTS (SELECT 1 FROM contacts_contact s WHERE s.id = {FTS_TABLE}.rowid"  # noqa: S608
            f"{scope_sql})"
            if owner_sql
            else ""
        )
        sql = (
            f"SELECT {COLUMNS} FROM contacts_contact WHERE id IN (SELECT rowid FROM "  # noqa: S608
            f"{FTS_TABLE} WHERE {FTS_TABLE} MATCH %s{scope} ORDER BY rowid DESC LIMIT %s)"
        )
        params: list[Any] = [match, *owner_params, FULLTEXT_CAP]
        sql += owner_sql + " ORDER BY created_at DESC, id DESC LIMIT %s"
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, *owner_params, PAGE + 1])
            return [row[0] for row in cursor.fetchall()[:PAGE]]

    return run


def _like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _raw_search_terms(user: User) -> Callable[[str], list[int]]:
    """PostgreSQL: the first word (longest first) with at most NARROW terms, failing one the
    longest with at most WIDE, gives the candidates from the term index; more than FEW of
    them, the word index gives the contacts with every word (up to a quarter of the
    candidates), else their documents are checked for the other words; the page is sorted
    from the exact ids. No word that narrow: the walk, every word checked on the document."""
    owner_sql, owner_params = _owner_clause(user)

    def entries(cursor: Any, word: str, cap: int) -> list[int] | None:
        cursor.execute(
            "SELECT contact_id FROM contacts_searchterm WHERE term::text LIKE %s LIMIT %s",
            [_like(word) + "%", cap + 1],
        )
        rows = cursor.fetchall()
        return None if len(rows) > cap else [row[0] for row in rows]

    def by_terms(cursor: Any, words: list[str]) -> tuple[list[int] | None, list[str]]:
        """The first narrow word's contacts (failing one, the longest word's up to WIDE), and
        the words left to check."""
        candidates: list[int] | None = None
        wide: list[int] | None = None
        checks: list[str] = []
        for i, word in enumerate(words):
            if candidates is not None:
                checks.append(word)
                continue
            found = entries(cursor, word, WIDE if i == 0 and len(words) > 1 else NARROW)
            if found == []:
                return [], []
            if found is not None and len(found) <= NARROW:
                candidates = list(set(found))
            else:
                wide = list(set(found)) if found is not None else wide
                checks.append(word)
        if candidates is None and wide is not None:
            candidates, checks = wide, checks[1:]
        return candidates, checks

    def run(q: str) -> list[int]:
        words = query_words(q)
        with connection.cursor() as cursor:
            candidates, checks = by_terms(cursor, words)
            if candidates == []:
                return []
            if candidates is not None and checks and len(candidates) > FEW:
                cursor.execute(
                    f"SELECT id FROM contacts_contact WHERE {WORDS_DOCUMENT} @@ %s::tsquery "  # noqa: S608
                    "LIMIT %s",
                    [words_query(words), len(candidates) // 4 + 1],
                )
                found = [row[0] for row in cursor.fetchall()]
                if len(found) <= len(candidates) // 4:
                    candidates, checks = found, []
            where, params = ["TRUE"], list[Any]()
            if candidates is not None and checks:
                cursor.execute(
                    "SELECT id FROM contacts_contact WHERE id = ANY(%s::bigint[]) AND "  # noqa: S608
                    + " AND ".join("strpos(search_document, %s) > 0" for _ in checks),
                    [candidates, *(f" {word}" for word in checks)],
                )
                candidates, checks = [row[0] for row in cursor.fetchall()], []
            if candidates is not None:
                where.append("id = ANY(%s::bigint[])")
                params.append(candidates)
            for word in checks:
                where.append("strpos(search_document, %s) > 0")
                params.append(f" {word}")
            cursor.execute(
                f"SELECT {COLUMNS} FROM contacts_contact WHERE {' AND '.join(where)}"  # noqa: S608
                f"{owner_sql} ORDER BY created_at DESC, id DESC LIMIT %s",
                [*params, *owner_params, PAGE + 1],
            )
            return [row[0] for row in cursor.fetchall()[:PAGE]]

    return run


def raw_page_rows(
    user: User, limit: int = PAGE
) -> Callable[[tuple[Any, int] | None], tuple[list[tuple[Any, ...]], tuple[Any, int] | None]]:
    """One page of `user`'s contacts after the (created_at, id) key, and the next page's key."""
    owner_sql, owner_params = _owner_clause(user)

    def run(after: tuple[Any, int] | None) -> tuple[list[tuple[Any, ...]], tuple[Any, int] | None]:
        where, params = "1 = 1", []
        if after:
            where = "(created_at < %s OR (created_at = %s AND id < %s))"
            params = [after[0], after[0], after[1]]
        sql = (
            f"SELECT {COLUMNS} FROM contacts_contact WHERE {where}{owner_sql} "  # noqa: S608
            "ORDER BY created_at DESC, id DESC LIMIT %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, *owner_params, limit + 1])
            rows = cursor.fetchall()
        last = rows[limit - 1] if len(rows) > limit else None
        return rows[:limit], (last[8], last[0]) if last else None

    return run


def raw_page(user: User) -> Callable[[tuple[Any, int] | None], tuple[list[int], Any]]:
    """One page of the list by hand: its ids, and the sort key to continue after."""
    rows = raw_page_rows(user)

    def run(after: tuple[Any, int] | None) -> tuple[list[int], tuple[Any, int] | None]:
        page, key = rows(after)
        return [row[0] for row in page], key

    return run


def _same_answers(
    label: str, rapport: Callable[[Any], Any], baseline: Callable[[Any], Any], inputs: list[Any]
) -> None:
    """Rapport and the baseline must return the same ids for every input before either is
    timed: a fast wrong answer is no result."""
    for x in inputs:
        ours, theirs = rapport(x), baseline(x)
        assert ours == theirs, f"{label}: Rapport and baseline differ for {x!r}"


def _walk_ids(step: Callable[[Any], tuple[list[int], Any]], pages: int) -> list[int]:
    """The ids of the first `pages` pages, in order."""
    ids: list[int] = []
    cursor = None
    for _page in range(pages):
        page, cursor = step(cursor)
        ids.extend(page)
        if cursor is None:
            break
    return ids


def _pages(step: Callable[[Any], Any], pages: int) -> Callable[[int], None]:
    """Walk `pages` pages from the start, following each page's cursor."""

    def run(_: int) -> None:
        cursor = None
        for _page in range(pages):
            _, cursor = step(cursor)
            if cursor is None:
                break

    return run


BENCH_USERS = (("admin", "admin"), ("manager", "sales manager"))


@benchmark
def contact_search(bench: Bench) -> list[Result]:
    queries = search_queries(80)
    results = []
    for username, label in BENCH_USERS:
        user = User.objects.get(username=username)
        runner = Runner(user)
        baseline_search = raw_search(user)
        _same_answers(f"contact search, {label}", runner.search, baseline_search, queries)
        rapport = timings_ms(runner.search, queries)
        baseline = timings_ms(baseline_search, queries)
        via = "API" if runner.api else "selector"
        results.append(
            Result(
                metric=f"contact search p95, {label} ({via}, {len(queries)} queries)",
                rapport=p95(rapport),
                baseline=p95(baseline),
                unit="ms",
                target=SEARCH_TARGET_MS,
            )
        )
    return results


@benchmark
def contact_list(bench: Bench) -> list[Result]:
    results = []
    depth = 10
    for username, label in BENCH_USERS:
        user = User.objects.get(username=username)
        runner = Runner(user)
        by_hand = raw_page(user)
        _same_answers(
            f"contact list, {label}",
            partial(_walk_ids, runner.page),
            partial(_walk_ids, by_hand),
            [depth],
        )
        # Per page: walk ten pages, twenty times, and take each walk's mean per page.
        rapport = [t / depth for t in timings_ms(_pages(runner.page, depth), range(20))]
        baseline = [t / depth for t in timings_ms(_pages(by_hand, depth), range(20))]
        via = "API" if runner.api else "selector"
        results.append(
            Result(
                metric=f"contact list page p95, {label} ({via}, {PAGE} rows, pages 1-{depth})",
                rapport=p95(rapport),
                baseline=p95(baseline),
                unit="ms",
                target=LIST_TARGET_MS,
            )
        )
    return results
