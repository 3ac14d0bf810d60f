"""The header's global search: one query over contacts, companies, leads, deals, orders and
complaints.

Layout-level navigation that spans apps, so it lives in `web`. It defines no matching of its
own: each group is the app's own list (`listed(request)`, the function the list page and its
export use) filtered by `?q=`, so it is scoped to what the viewer may see, finds what that
list finds, and its "See all" link opens that list with the same query.
"""

from collections.abc import Callable
from copy import copy
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from rapport.contacts.views import companies, contacts
from rapport.core.http import Request
from rapport.core.pagination import capped_count
from rapport.sales.views import leads, orders, pipeline
from rapport.service.views import complaints

GROUP_SIZE = 5
COUNT_CAP = 100
MIN_LENGTH = 2
MAX_LENGTH = 100

Listed = Callable[[Request], tuple[QuerySet[Any], list[str]]]


@dataclass(frozen=True)
class Kind:
    key: str
    label: Promise
    list_url: str
    listed: Listed
    related: tuple[str, ...] = ()


KINDS = (
    Kind("contacts", _("Contacts"), "contacts:contact_list", contacts.listed, ("company",)),
    Kind("companies", _("Companies"), "contacts:company_list", companies.listed),
    Kind("leads", _("Leads"), "sales:lead_list", leads.listed),
    Kind("deals", _("Deals"), "sales:deal_list", pipeline.listed_deals, ("contact", "stage")),
    Kind("orders", _("Orders"), "sales:order_list", orders.listed, ("contact",)),
    Kind("complaints", _("Complaints"), "service:complaint_list", complaints.listed, ("contact",)),
)


@dataclass
class Group:
    kind: Kind
    rows: list[Any]
    count: int
    exact: bool
    see_all: str


def query_of(request: Request) -> str:
    """What was typed, without NULs and surrounding space, at most MAX_LENGTH characters."""
    return request.GET.get("q", "").replace("\x00", "").strip()[:MAX_LENGTH]


def groups_for(request: Request, q: str) -> list[Group]:
    """Each kind's first GROUP_SIZE matches for `q`, in its list's order; empty kinds left out."""
    scoped = copy(request)
    scoped.GET = QueryDict(urlencode({"q": q}))  # only the query: no other list filter
    found = []
    for kind in KINDS:
        rows, ordering = kind.listed(scoped)
        if kind.related:
            rows = rows.select_related(*kind.related)
        first = list(rows.order_by(*ordering)[:GROUP_SIZE])
        if not first:
            continue
        count, exact = (
            capped_count(rows, cap=COUNT_CAP) if len(first) == GROUP_SIZE else (len(first), True)
        )
        see_all = f"{reverse(kind.list_url)}?{urlencode({'q': q})}"
        found.append(Group(kind, first, count, exact, see_all))
    return found


@login_required
def search(request: Request) -> HttpResponse:
    q = query_of(request)
    context: dict[str, Any] = {"q": q, "min_length": MIN_LENGTH, "groups": []}
    if len(q) >= MIN_LENGTH:
        context["groups"] = groups_for(request, q)
    context["total"] = sum(g.count for g in context["groups"])
    context["exact"] = all(g.exact for g in context["groups"])
    if request.htmx:
        return render(request, "web/search.html#results", context)
    return render(request, "web/search.html", context)
