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
