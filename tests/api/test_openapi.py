"""The OpenAPI document is valid OpenAPI and renders in Swagger UI (no key twice)."""

import json

import pytest
from openapi_spec_validator import validate

from tests.api.conftest import API


def _reject_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    keys = [key for key, _value in pairs]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        raise ValueError(f"duplicated keys {repeated}")
    return dict(pairs)


@pytest.fixture
def document(client) -> bytes:
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    return response.content


def test_the_document_has_no_key_twice(document):
    # Swagger UI reads the JSON as YAML, which refuses a key given twice ("duplicated
    # mapping key"); json.loads alone would keep the last one silently.
    schema = json.loads(document, object_pairs_hook=_reject_duplicates)

    responses = schema["paths"]["/api/v1/contacts/{contact_id}"]["patch"]["responses"]
    assert sorted(responses) == ["200", "400", "401", "403", "404", "405", "409", "422"]


def test_the_document_is_valid_openapi(document):
    validate(json.loads(document))


def _models(annotation, found: set) -> None:
    """Every pydantic model `annotation` names, however nested (list[Page[Item]] | None)."""
    import typing

    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in found:
            return
        found.add(annotation)
        for field in annotation.model_fields.values():
            _models(field.annotation, found)
        return
    for arg in typing.get_args(annotation):
        _models(arg, found)


def test_no_two_schemas_of_the_api_share_a_name():
    # The document keys its components by class name: a second `CategoryOut` (complaint
    # categories) silently replaced the catalog's, so POST /categories answered off-schema.
    from rapport.api.main import api

    found: set = set()
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for model in [*operation.models, *(operation.response_models or {}).values()]:
                    _models(model, found)
    modules: dict[str, set[str]] = {}
    for model in found:
        modules.setdefault(model.__name__, set()).add(f"{model.__module__}.{model.__qualname__}")
    clashes = {
        name: where
        for name, where in modules.items()
        if len(where) > 1 and "ninja" not in str(where)
    }
    assert clashes == {}
