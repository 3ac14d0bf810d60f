"""URLs under /api/v1/: the ninja endpoints, then a JSON 404 for anything else."""

from django.urls import re_path

from rapport.api.main import api
from rapport.core.api.errors import not_found, with_json_405

app_name = "api"
urlpatterns = [
    *with_json_405(api.urls[0]),
    re_path(r"^(?P<rest>.*)$", not_found, name="not_found"),
]
