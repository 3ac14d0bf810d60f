"""Companies (accounts): list with name search, detail with their contacts, create and edit."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from rapport.contacts import selectors, services
from rapport.contacts.filters import COMPANY_FILTERS
from rapport.contacts.forms import CompanyForm
from rapport.contacts.models import Company, CustomField
from rapport.core import visibility
from rapport.core.http import Request, apply_errors, get_visible_or_404
from rapport.core.pagination import InvalidCursor, capped_count, paginate

PAGE_SIZE = 50
COUNT_CAP = 1000


def _page(queryset: Any, ordering: list[str], cursor: str | None) -> Any:
    try:
        return paginate(queryset, ordering=ordering, limit=PAGE_SIZE, cursor=cursor)
    except InvalidCursor:
        return paginate(queryset, ordering=ordering, limit=PAGE_SIZE, cursor=None)


ORDERING = ["name", "id"]


def _query(request: Request) -> str:
    return request.GET.get("q", "").replace("\x00", "").strip()[:200]


def listed(request: Request) -> tuple[QuerySet[Company], list[str]]:
    """The companies the list shows (visible to the viewer, filtered) and their order."""
    return COMPANY_FILTERS.apply(selectors.companies_for(request.user), request.GET), ORDERING


@login_required
def company_list(request: Request) -> HttpResponse:
    parsed = COMPANY_FILTERS.parse(request.GET)
    companies = COMPANY_FILTERS.filter(selectors.companies_for(request.user), parsed)
    ordering = ORDERING
    cursor = request.GET.get("cursor") or None
    page = _page(companies.select_related("owner"), ordering, cursor)
    context: dict[str, Any] = {"page": page, "filter_fields": COMPANY_FILTERS.bar(parsed)}
    if request.htmx and cursor:
        return render(request, "contacts/companies/list.html#rows", context)
    context["count"], context["exact"] = capped_count(companies, cap=COUNT_CAP)
    if request.htmx and request.htmx.target == "company-results":
        return render(request, "contacts/companies/list.html#results", context)
    context["can_create"] = visibility.can_create(request.user, "companies")
    return render(request, "contacts/companies/list.html", context)


@login_required
def company_options(request: Request) -> HttpResponse:
    """<option>s of visible companies whose name contains ?q=, for the company picker."""
    q = request.GET.get("q", "").replace("\x00", "").strip()[:200]
    companies = (
        selectors.companies_for(request.user).filter(name__icontains=q).order_by("name", "id")[:20]
        if q
        else Company.objects.none()
    )
    return render(request, "web/options.html", {"objects": companies, "q": q, "blank": True})


@login_required
def company_detail(request: Request, pk: int) -> HttpResponse:
    company = get_visible_or_404(selectors.companies_for(request.user).select_related("owner"), pk)
    contacts = selectors.contacts_for(request.user).filter(company=company).select_related("owner")
    cursor = request.GET.get("cursor") or None
    page = _page(contacts, ["last_name", "first_name", "id"], cursor)
    context = {"company": company, "page": page}
    if request.htmx and cursor:
        return render(request, "contacts/companies/detail.html#rows", context)
    context.update(
        can_change=visibility.can(request.user, "change", company),
        custom_values=[
            (f, company.custom.get(f.key))
            for f in CustomField.objects.filter(entity=CustomField.Entity.COMPANY)
        ],
    )
    return render(request, "contacts/companies/detail.html", context)


def _save(request: Request, form: CompanyForm, company: Company | None) -> Company | None:
    if not form.is_valid():
        return None
    try:
        if company is None:
            return services.company_create(actor=request.user, data=form.service_data())
        return services.company_update(
            actor=request.user, company=company, data=form.service_data()
        )
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except ValidationError as exc:
        apply_errors(form, exc)
        return None


@login_required
def company_create(request: Request) -> HttpResponse:
    if not visibility.can_create(request.user, "companies"):
        raise PermissionDenied
    form = CompanyForm(request.POST or None, initial={"owner": request.user.pk})
    if request.method == "POST":
        company = _save(request, form, None)
        if company is not None:
            messages.success(request, _("Company %(name)s created.") % {"name": company.name})
            return redirect("contacts:company_detail", pk=company.pk)
    return render(request, "contacts/companies/form.html", {"form": form})


@login_required
def company_edit(request: Request, pk: int) -> HttpResponse:
    company = get_visible_or_404(selectors.companies_for(request.user), pk)
    if not visibility.can(request.user, "change", company):
        raise PermissionDenied
    initial = {name: getattr(company, name) or "" for name in CompanyForm.FIELDS}
    initial["owner"] = company.owner_id
    form = CompanyForm(request.POST or None, initial=initial, custom=company.custom)
    if request.method == "POST":
        saved = _save(request, form, company)
        if saved is not None:
            messages.success(request, _("Changes saved."))
            return redirect("contacts:company_detail", pk=company.pk)
    return render(request, "contacts/companies/form.html", {"form": form, "company": company})
