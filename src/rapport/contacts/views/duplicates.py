"""Finding duplicate contacts on demand and merging them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from rapport.contacts import selectors, services
from rapport.core.http import Request
from rapport.core.params import parse_id

MAX_MERGE = 10


@login_required
def duplicate_list(request: Request) -> HttpResponse:
    groups = services.duplicate_groups(contacts=selectors.contacts_for(request.user))
    can_merge = [services.mergeable(request.user, group) for group in groups]
    return render(
        request,
        "contacts/duplicates/list.html",
        {"groups": list(zip(groups, can_merge, strict=True))},
    )


def _ids(raw: list[str]) -> list[int]:
    ids: list[int] = []
    for part in ",".join(raw).split(","):
        number = parse_id(part)
        if number is not None and number not in ids:
            ids.append(number)
    return ids[:MAX_MERGE]


@login_required
def duplicate_merge(request: Request) -> HttpResponse:
    """Pick the contact to keep among ?ids=…; POST merges the others into it."""
    ids = _ids(request.GET.getlist("ids") + request.POST.getlist("ids"))
    contacts = list(
        selectors.contact_detail_queryset(request.user).filter(pk__in=ids).order_by("pk")
    )
    if len(contacts) < 2 or len(contacts) != len(ids):
        raise Http404
    if not services.mergeable(request.user, contacts):
        raise PermissionDenied
    error = ""
    if request.method == "POST":
        keep = next((c for c in contacts if str(c.pk) == request.POST.get("keep")), None)
        if keep is None:
            error = _("Choose the contact to keep.")
        else:
            winner = keep
            try:
                losers = [c for c in contacts if c.pk != keep.pk]
                services.merge_check(actor=request.user, winner=keep, losers=losers)
                for loser in contacts:
                    if loser.pk != keep.pk:
                        winner = services.contact_merge(
                            actor=request.user, winner=winner, loser=loser
                        )
            except PermissionError as exc:
                raise PermissionDenied(str(exc)) from exc
            messages.success(
                request,
                _("Merged %(n)d contacts into %(name)s.")
                % {"n": len(contacts), "name": winner.full_name},
            )
            return redirect("contacts:contact_detail", pk=winner.pk)
    return render(
        request,
        "contacts/duplicates/merge.html",
        {"contacts": contacts, "ids": ",".join(str(c.pk) for c in contacts), "error": error},
    )
