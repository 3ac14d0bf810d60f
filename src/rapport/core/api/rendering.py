"""How the API writes JSON: one encoder for ninja's renderer and for answers built ready-made.

`rendered(body)` is for a hot endpoint whose body is already in its documented shape (built
from typed rows by the app's own serializer): it skips ninja's second pass, validating the
dicts into the response schema and dumping them back, and renders exactly what that pass
would have (a test compares the bytes; the OpenAPI document still names the schema).
"""

import datetime as dt
import json
from typing import Any

from django.http import HttpResponse
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

CONTENT_TYPE = "application/json; charset=utf-8"


class ApiJSONEncoder(NinjaJSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime):
            # Full precision and an explicit offset (DjangoJSONEncoder cuts to milliseconds,
            # which breaks round-trips like `?since=<occurred_at of the last row>`).
            return o.isoformat()
        return super().default(o)


class ApiRenderer(JSONRenderer):
    encoder_class = ApiJSONEncoder
    json_dumps_params = {"ensure_ascii": False}


def render_json(data: Any) -> str:
    return json.dumps(data, cls=ApiJSONEncoder, ensure_ascii=False)


def rendered(body: Any, *, status: int = 200) -> HttpResponse:
    """`body` as the API's renderer writes it, without validating it against a schema again."""
    return HttpResponse(render_json(body), status=status, content_type=CONTENT_TYPE)
