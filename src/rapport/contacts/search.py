"""Prefix search over names, e-mails and phones, fast at a million contacts on both backends.

Each contact's searchable words live in `SearchTerm` (case-folded, one row a word), indexed on
(term, contact). A query walks that index in order and stops at the page size, so the cost
depends on the page, not on the table.
"""

import re
from collections.abc import Iterable

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet

from rapport.contacts.models import Contact, SearchTerm
from rapport.contacts.normalize import phone_search_digits

MAX_TERM = 64
_WORD = re.compile(r"[\w'’-]+", re.UNICODE)
_PHONEISH = re.compile(r"^[+\d][\d\s().-]*$")


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


def reindex(contact: Contact) -> None:
    """Rewrite one contact's search terms from its current names, e-mails and phones."""
    emails = list(contact.emails.values_list("email", flat=True))
    phones = list(contact.phones.values_list("number", flat=True))
    wanted = contact_terms(contact, emails, phones)
    SearchTerm.objects.filter(contact=contact).delete()
    SearchTerm.objects.bulk_create(SearchTerm(contact=contact, term=t) for t in sorted(wanted))


def query_words(q: str) -> list[str]:
    """Turn what someone typed into the prefixes to look up."""
    q = (q or "").replace("\x00", "").strip()[:200]
    if not q:
        return []
    if _PHONEISH.match(q) and sum(ch.isdigit() for ch in q) >= 3:
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


# A search drives from the term index and takes at most this many candidates, best-matching
# (shortest term) first; a query that matches more is too broad to page through anyway, and
# the UI asks for more letters. Below the cap the result is exact.
CANDIDATE_CAP = 5000


def search(contacts: QuerySet[Contact], q: str) -> QuerySet[Contact]:
    """Contacts of `contacts` (already scoped to the viewer) matching every word's prefix."""
    words = query_words(q)
    if not words:
        # Blank means "no search"; something typed that holds no searchable word finds nobody.
        return contacts if not (q or "").replace("\x00", "").strip() else contacts.none()
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
