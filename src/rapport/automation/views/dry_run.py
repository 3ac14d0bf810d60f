"""The dry run beside a scenario's flow: pick a contact (the contact picker) and the version,
and see what would happen to them and why (dryrun.py; nothing is written)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from rapport.automation.dryrun import dry_run, visible_contact
from rapport.automation.views.pages import _scenarios
from rapport.core.http import Request, get_visible_or_404
from rapport.core.params import parse_id


@login_required
@require_GET
def dry_run_view(request: Request, pk: int) -> HttpResponse:
    scenario = get_visible_or_404(_scenarios(request), pk)
    contact = visible_contact(request.user, parse_id(request.GET.get("contact")))
    version = "draft" if request.GET.get("version") == "draft" else "published"
    result = (
        dry_run(scenario, contact, request.user, timezone.now(), version)
        if contact is not None
        else None
    )
    name = "automation/dry_run.html" if request.htmx else "automation/dry_run_page.html"
    return render(
        request,
        name,
        {"scenario": scenario, "result": result, "asked": bool(request.GET.get("contact"))},
        # a contact one may not see is refused; HTMX swaps only successful answers
        status=422 if result is None and request.GET.get("contact") and not request.htmx else 200,
    )
