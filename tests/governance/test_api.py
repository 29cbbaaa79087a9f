"""The API as a whole: its schema, its reference page, throttling, sessions and CSRF."""

import re
import secrets

import yaml
from django.test import Client


def test_the_schema_is_openapi_3_and_covers_every_endpoint(client, db):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) >= {
        "/api/v1/areas/",
        "/api/v1/notices/",
        "/api/v1/categories/",
        "/api/v1/issues/",
        "/api/v1/issues/{id}/transitions/",
        "/api/v1/commitments/",
        "/api/v1/meetings/",
        "/api/v1/meetings/{id}/",
        "/api/v1/funnel/{code}/",
        "/api/v1/tokens/",
    }
    assert "tokenAuth" in schema["components"]["securitySchemes"]
    issue = schema["components"]["schemas"]["Issue"]["properties"]
    assert not {"reporter", "household", "recorded_by", "mediator"} & set(issue)


def test_the_reference_page_loads_swagger_ui_from_our_own_static_files(client, db):
    response = client.get("/api/")
    assert response.status_code == 200
    html = response.content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    assert all(re.search(r'src="/static/', attributes) for attributes, _ in scripts)
    assert all(not body.strip() for _, body in scripts), "no inline script under our CSP"
    assert 'src="/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"' in html
    assert 'data-schema-url="/api/schema/"' in html
    assert "<style" not in html
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_anonymous_callers_are_throttled_with_a_json_429(settings, db):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "user": None},
    }
    # An address of its own (documentation range), so no earlier run's count in Redis applies.
    caller = Client(REMOTE_ADDR=f"2001:db8::{secrets.token_hex(2)}:{secrets.token_hex(2)}")
    statuses = [caller.get("/api/v1/categories/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = caller.get("/api/v1/categories/")
    assert refused.json()["detail"] and int(refused.headers["Retry-After"]) > 0


def test_the_browser_session_works_and_must_send_its_csrf_token(people, report):
    issue = report()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(people.stranger)
    url = f"/api/v1/issues/{issue.pk}/transitions/"
    assert browser.get("/api/v1/issues/").status_code == 200
    refused = browser.post(url, {"action": "support"}, content_type="application/json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    browser.get(issue.get_absolute_url())  # the page sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    done = browser.post(
        url, {"action": "support"}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert done.status_code == 200 and done.json()["supporters_count"] == 1
