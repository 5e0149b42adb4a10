"""The OpenAPI 3 schema validates, and its documentation page loads without a CDN or inline script."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate


@pytest.mark.django_db
def test_the_schema_validates_as_openapi_3(client):
    response = client.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    validate(schema)
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/people/" in schema["paths"] and "post" in schema["paths"]["/api/v1/people/"]
    assert schema["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"


@pytest.mark.django_db
def test_the_documentation_page_is_offline_and_csp_clean(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>" not in html and "<style>" not in html
    assert "http://" not in html and "https://" not in html
    assert "swagger-ui-bundle.js" in html
    script = client.get("/api/v1/docs/", {"script": ""})
    assert script.status_code == 200
    assert "/api/v1/schema/" in script.content.decode()
