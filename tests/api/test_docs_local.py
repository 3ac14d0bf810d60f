"""The interactive API docs work without internet access: Swagger UI comes from our static files."""

import pytest

pytestmark = pytest.mark.django_db


def test_docs_page_uses_local_static_files(client, users):
    client.force_login(users["admin"])

    response = client.get("/api/v1/docs")

    html = response.content.decode()
    assert response.status_code == 200
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
