"""The API reference page runs Swagger UI under the portal's strict CSP, and staff make a
token in their profile and use it, in a real browser."""

import pytest

from tests.browser.conftest import DESKTOP
from tests.browser.test_accessibility import _log_in, _violations

pytestmark = pytest.mark.browser


def test_the_reference_renders_every_endpoint_with_the_csp_enforced(
    live_server, browser, db, csp_violations, shoot
):
    context = browser.new_context(viewport=DESKTOP, locale="en-US")
    page = csp_violations(context.new_page())
    page.goto(f"{live_server.url}/api/")
    page.wait_for_selector(".swagger-ui .opblock-tag", timeout=15_000)
    tags = page.locator(".swagger-ui .opblock-tag").all_inner_texts()
    assert {"areas", "issues", "commitments", "funnel"} <= {tag.split("\n")[0] for tag in tags}
    shoot(page, "api-reference-desktop-en")
    assert csp_violations.messages == []
    context.close()


def test_the_reference_page_and_the_token_page_pass_axe(live_server, browser, people):
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN", bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/api/")
    page.wait_for_selector(".swagger-ui .opblock-tag", timeout=15_000)
    assert _violations(page) == []
    page.locator(".opblock-summary-control").first.click()
    page.wait_for_selector(".swagger-ui .parameters", timeout=5_000)
    assert _violations(page) == []
    _log_in(page, live_server, people.community_staff.username)
    page.goto(f"{live_server.url}/me/tokens/")
    page.fill("#id_name", "12345 热线")
    page.locator("main form button[type=submit]").last.click()
    secret = page.input_value("#new-secret")
    assert secret.startswith("ngp_")
    assert _violations(page) == []
    context.close()
