"""Rapport's REST API: one NinjaAPI at /api/v1/ assembled from each app's router."""

from typing import Any

from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema
from ninja.parser import Parser

from rapport.accounts.api import me_router, notifications_router
from rapport.activities.api import router as activities_router
from rapport.analytics.api import customers_router
from rapport.analytics.api import router as analytics_router
from rapport.api.auth import API_AUTH
from rapport.api.idempotency import HEADER, WRITE_METHODS, idempotent
from rapport.automation.api import events_router
from rapport.automation.api import router as scenarios_router
from rapport.campaigns.api import messages_router
from rapport.campaigns.api import router as campaigns_router
from rapport.campaigns.messenger_api import router as contact_messengers_router
from rapport.catalog.api import categories_router, products_router
from rapport.contacts.api import companies_router, existing_ref
from rapport.contacts.api import router as contacts_router
from rapport.core.api import errors
from rapport.core.api.rendering import ApiRenderer
from rapport.core.text import loads_json
from rapport.sales.api import (
    calls_router,
    deals_router,
    leads_router,
    lost_reasons_router,
    orders_router,
    pipelines_router,
    sources_router,
)
from rapport.segments.api import router as segments_router
from rapport.service.api import analytics_router as service_analytics_router
from rapport.service.api import categories_router as complaint_categories_router
from rapport.service.api import causes_router as root_causes_router
from rapport.service.api import router as complaints_router
from rapport.service.survey_api import router as survey_analytics_router
from rapport.timeline.api import router as interactions_router

DESCRIPTION = """\
Rapport's REST API. Authenticate with `Authorization: Bearer <token>` (create one with
`rapport token create USERNAME` or on your profile page).

* Lists are paged by cursor: `?limit=` (at most 200) and `?cursor=` (the previous page's
  `next`); `?count=true` adds a count that stops at 1000 (`count_exact` says whether it did).
* Every 4xx answer is `{"detail": "...", "errors": [{"field": "...", "message": "..."}]}`;
  invalid input is a 422 naming the field.
* Writes accept an `Idempotency-Key` header: a retry with the same key and body gets the
  first answer again; the same key with another body is a 409. Answers are kept for 24 hours.
* Times are ISO 8601 with an offset; money is `{"amount": "123.45", "currency": "EUR"}`.
"""


class StrictJSONParser(Parser):
    """JSON bodies that the database can store; NUL-free query strings."""

    def parse_body(self, request: HttpRequest) -> Any:
        # A lone surrogate ("\\ud800") parses but cannot be stored as UTF-8; refused here
        # (as an unparseable body) instead of failing in the database.
        return loads_json(request.body)

    def parse_querydict(
        self, data: MultiValueDict, list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        parsed = super().parse_querydict(data, list_fields, request)
        return {
            key: [v.replace("\x00", "") for v in value]
            if isinstance(value, list)
            else value.replace("\x00", "")
            for key, value in parsed.items()
        }


_ERROR_RESPONSES = {
    "400": "The body is not JSON (or not valid UTF-8).",
    "401": "Not signed in, or the API token is missing, not valid or revoked.",
    "403": "Your role or ownership does not allow this change.",
    "404": "No such record (or you may not see it).",
    "405": "This method is not allowed here.",
    "409": "A conflict: duplicate value, stale version, or a reused Idempotency-Key.",
    "422": "Invalid input; `errors` names each field.",
}


class RapportAPI(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        _document_common_behaviour(schema)
        return schema


def _document_common_behaviour(schema: OpenAPISchema) -> None:
    """Every operation may answer 401 (and writes 409, 422) in the error shape, and every
    write accepts an Idempotency-Key; say so once here rather than on each endpoint."""
    error_ref = {"$ref": "#/components/schemas/ErrorOut"}
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault(
        "FieldError",
        {
            "type": "object",
            "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            "required": ["field", "message"],
        },
    )
    components.setdefault(
        "ErrorOut",
        {
            "type": "object",
            "properties": {
                "detail": {"type": "string"},
                "errors": {"type": "array", "items": {"$ref": "#/components/schemas/FieldError"}},
            },
            "required": ["detail"],
        },
    )
    for path, path_item in schema.get("paths", {}).items():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            # ninja keys the responses an endpoint declares by int (404), OpenAPI by string
            # ("404"): with both, the same code appeared twice once serialised, and Swagger UI
            # refused the document ("duplicated mapping key"). One string key per code, the
            # endpoint's own description winning over the generic one below.
            operation["responses"] = {str(c): r for c, r in operation["responses"].items()}
            codes = ["401", "405", "422"] + (["404"] if "{" in path else [])
            if "requestBody" in operation:
                codes.append("400")
            if method.upper() in WRITE_METHODS:
                codes += ["403", "404", "409"]
                operation.setdefault("parameters", []).append(
                    {
                        "name": HEADER,
                        "in": "header",
                        "required": False,
                        "description": "Makes a retried write safe: the first answer is replayed.",
                        "schema": {"type": "string", "pattern": r"^[!-~]{1,200}$"},
                    }
                )
            for code in codes:
                operation["responses"].setdefault(
                    code,
                    {
                        "description": _ERROR_RESPONSES[code],
                        "content": {"application/json": {"schema": error_ref}},
                    },
                )


api = RapportAPI(
    title="Rapport API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=API_AUTH,
    parser=StrictJSONParser(),
    renderer=ApiRenderer(),
)
errors.install(api, describe_existing=existing_ref)
api.add_decorator(idempotent, mode="view")
api.add_router("contacts", contacts_router)
api.add_router("contacts", contact_messengers_router)  # contacts/{id}/messengers, viber-link
api.add_router("companies", companies_router)
api.add_router("interactions", interactions_router)
api.add_router("products", products_router)
api.add_router("categories", categories_router)
api.add_router("leads", leads_router)
api.add_router("pipelines", pipelines_router)
api.add_router("deals", deals_router)
api.add_router("orders", orders_router)
api.add_router("sources", sources_router)
api.add_router("lost-reasons", lost_reasons_router)
api.add_router("calls", calls_router)
api.add_router("activities", activities_router)
api.add_router("me", me_router)
api.add_router("notifications", notifications_router)
api.add_router("complaints", complaints_router)
api.add_router("root-causes", root_causes_router)
api.add_router("complaint-categories", complaint_categories_router)
api.add_router("analytics", analytics_router)
api.add_router("analytics", service_analytics_router)  # analytics/root-causes
api.add_router("analytics", survey_analytics_router)  # analytics/exit-reasons, nps, trip-feedback
api.add_router("customers", customers_router)
api.add_router("segments", segments_router)
api.add_router("campaigns", campaigns_router)
api.add_router("messages", messages_router)
api.add_router("scenarios", scenarios_router)
api.add_router("events", events_router)
