"""Lead search: each word typed is the start of a word of the lead's names, e-mail, company
name or phone number, in any script and case.

SQLite answers from the FTS5 table `sales_lead_fts`, which triggers keep in step with the
leads (migration sales/0003); over a million leads a search scanning the columns took 1–4 s
(measured on the large demo set), the index answers in milliseconds. PostgreSQL finds the
candidates through a trigram index of the folded text (migration sales/0004) and keeps those
where a word starts with what was typed (its `~*` folds case in every script).
"""

import re

from django.db import connection
from django.db.models import Q, QuerySet, TextField, Value
from django.db.models.functions import Concat, Lower

from rapport.contacts.search import FULLTEXT_CAP, MAX_TERM, PHONEISH, TOKEN, fold, fulltext_ids
from rapport.sales.models import Lead

FTS_TABLE = "sales_lead_fts"


def _folded_text() -> Lower:
    """PostgreSQL: a lead's searchable text, lower-cased: the expression of the trigram index
    lead_search_trgm (migration sales/0004), so `LIKE '%word%'` on it is answered there."""
    return Lower(
        Concat(
            "first_name", Value(" "), "last_name", Value(" "), "email", Value(" "),
            "company_name", Value(" "), "phone", output_field=TextField(),
        )
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
    if connection.vendor == "sqlite":
        tokens = [digits] if digits else list(dict.fromkeys(TOKEN.findall(fold(q))))[:8]
        if not tokens:
            return leads.none()
        return leads.filter(pk__in=fulltext_ids(tokens, FULLTEXT_CAP, FTS_TABLE))
    leads = leads.alias(search_text=_folded_text())
    if digits:
        return leads.filter(search_text__contains=digits)
    for word in TOKEN.findall(q)[:8]:
        start_of_a_word = rf"(^|\W){re.escape(word)}"  # PostgreSQL's ~* folds every script
        leads = leads.filter(search_text__contains=word.lower()).filter(
            Q(first_name__iregex=start_of_a_word)
            | Q(last_name__iregex=start_of_a_word)
            | Q(email__iregex=start_of_a_word)
            | Q(company_name__iregex=start_of_a_word)
        )
    return leads
