"""Lead search: each word typed is the start of a word of the lead's names, e-mail, company
name or phone number, in any script and case.

Both sides compare folded text (core.text.search_fold: case, diacritics, apostrophes, the
Ukrainian/Russian letter pairs). SQLite answers from the FTS5 table `sales_lead_fts`, which
triggers keep in step with the leads, folding each field (migrations sales/0003, 0006); over
a million leads a search scanning the columns took 1–4 s (measured on the large demo set),
the index answers in milliseconds. PostgreSQL finds the candidates through a trigram index
of the folded text (migrations sales/0004, 0006) and keeps those where a word starts with
what was typed.
"""

import re

from django.db import connection
from django.db.models import Func, QuerySet, TextField, Value
from django.db.models.functions import Concat

from rapport.contacts.search import (
    FULLTEXT_CAP,
    MAX_TERM,
    PHONEISH,
    TOKEN,
    fold,
    fulltext_ids,
)
from rapport.core.lookups import ids_in
from rapport.sales.models import Lead

FTS_TABLE = "sales_lead_fts"


def _folded_text() -> Func:
    """PostgreSQL: a lead's searchable text, folded: the expression of the trigram index
    lead_search_trgm (migration sales/0006), so `LIKE '%word%'` on it is answered there."""
    return Func(
        Concat(
            "first_name", Value(" "), "last_name", Value(" "), "email", Value(" "),
            "company_name", Value(" "), "phone", output_field=TextField(),
        ),
        function="rapport_search_fold",
        output_field=TextField(),
    )  # fmt: skip


def _phone_digits(q: str) -> str | None:
    """A typed phone number as the digits the index holds (national form without its 0)."""
    if PHONEISH.match(q) and sum(ch.isdigit() for ch in q) >= 3:
        return re.sub(r"\D", "", q).lstrip("0")[:MAX_TERM] or None
    return None


def search_leads(leads: QuerySet[Lead], q: str) -> QuerySet[Lead]:
    """`leads` (already scoped to the viewer) matching every word of `q`."""
    q = q.replace("\x00", "").strip()[:200]
    if not q:
        return leads
    digits = _phone_digits(q)
    tokens = [digits] if digits else list(dict.fromkeys(TOKEN.findall(fold(q))))[:8]
    if not tokens:
        return leads.none()  # something typed, but no word in it: nobody
    if connection.vendor == "sqlite":
        # The newest matches among the leads the viewer may see (scoped, then capped).
        return leads.filter(
            ids_in("pk", fulltext_ids(tokens, FULLTEXT_CAP, FTS_TABLE, within=leads))
        )
    leads = leads.alias(search_text=_folded_text())
    if digits:
        return leads.filter(search_text__contains=digits)
    for word in tokens:
        leads = leads.filter(
            search_text__contains=word, search_text__regex=rf"(^|\W){re.escape(word)}"
        )
    return leads
