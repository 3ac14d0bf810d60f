"""The public lead form: POST /forms/<slug>/ from any website, as HTML form or JSON.

Hardened because anyone on the internet can reach it: a body size limit, a honeypot field,
a per-address rate limit, and a submission key so a double click makes one lead.
"""

import datetime as dt
import hashlib
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from rapport.core import ratelimit
from rapport.core.text import loads_json
from rapport.sales.models import ATTRIBUTION_FIELDS, WebForm
from rapport.sales.services import lead_capture

MAX_BODY = 32 * 1024
RATE_LIMIT = 10  # submissions per address per window, all forms together
RATE_WINDOW = dt.timedelta(minutes=10)
HONEYPOT = "website_url"  # hidden from people; bots fill every field they see
FIELDS = [
    "first_name",
    "last_name",
    "email",
    "phone",
    "company_name",
    "message",
    *ATTRIBUTION_FIELDS,
]


def _cors(response: HttpResponse) -> HttpResponse:
    # Websites post here from their own origin; no cookies are read, so any origin may.
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Content-Type"
    return response


def _error(
    request: HttpRequest,
    form: WebForm | None,
    status: int,
    detail: str,
    errors: dict[str, list[str]] | None = None,
    values: dict[str, Any] | None = None,
) -> HttpResponse:
    if _wants_json(request):
        body = {
            "detail": detail,
            "errors": [
                {"field": field, "message": message}
                for field, messages in (errors or {}).items()
                for message in messages
            ],
        }
        return _cors(JsonResponse(body, status=status))
    return render(
        request,
        "sales/public_form.html",
        {"form": form, "errors": errors or {}, "detail": detail, "values": values or {}},
        status=status,
    )


def _wants_json(request: HttpRequest) -> bool:
    return request.content_type == "application/json" or "application/json" in request.headers.get(
        "Accept", ""
    )


def _client_ip(request: HttpRequest) -> str:
    return ratelimit.client_ip(request)  # honours RAPPORT_TRUSTED_PROXIES


@csrf_exempt
def public_form(request: HttpRequest, slug: str) -> HttpResponse:
    form = get_object_or_404(WebForm, slug=slug, is_active=True)
    if request.method == "OPTIONS":
        return _cors(HttpResponse(status=204))
    if request.method == "GET":
        return render(request, "sales/public_form.html", {"form": form, "errors": {}, "values": {}})
    if request.method != "POST":
        return _error(request, form, 405, _("Send the form with POST."))
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY:
        return _error(request, form, 413, _("The form is too large."))
    values: dict[str, Any]
    if request.content_type == "application/json":
        try:
            payload = loads_json(request.body or b"{}")
        except ValueError:  # not JSON, not UTF-8, or a lone surrogate
            return _error(request, form, 400, _("The body is not valid JSON."))
        if not isinstance(payload, dict):
            return _error(request, form, 400, _("Send a JSON object of field: value."))
        values = payload
    else:
        values = request.POST.dict()
    if values.get(HONEYPOT):
        # Pretend success so the bot learns nothing; store nothing.
        return _thanks(request, form)
    if not ratelimit.hit(
        # one budget per address across all forms: a bot cannot multiply it by the form count
        ratelimit.client_key("form", _client_ip(request)),
        limit=RATE_LIMIT,
        window=RATE_WINDOW,
    ):
        return _error(request, form, 429, _("Too many submissions; please try again later."))
    data = {f: values[f] for f in FIELDS if isinstance(values.get(f), str | int)}
    data = {k: str(v) for k, v in data.items()}
    key_source = json.dumps([form.slug, sorted(data.items()), _client_ip(request)])
    # A double click or a retried request within the hour makes one lead.
    hour = timezone.now().strftime("%Y%m%d%H")
    submission_key = hashlib.sha256(f"{key_source}:{hour}".encode()).hexdigest()
    try:
        lead_capture(
            data=data, source=form.source, form_slug=form.slug, submission_key=submission_key
        )
    except ValidationError as exc:
        return _error(
            request, form, 422, _("Please correct the marked fields."), exc.message_dict, values
        )
    return _thanks(request, form)


def _thanks(request: HttpRequest, form: WebForm) -> HttpResponse:
    if _wants_json(request):
        return _cors(
            JsonResponse({"detail": _("Thank you! We will be in touch soon.")}, status=201)
        )
    if form.redirect_url:
        return HttpResponseRedirect(form.redirect_url)
    return render(request, "sales/public_form_thanks.html", {"form": form}, status=201)
