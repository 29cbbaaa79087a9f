"""End-to-end tests in Debian's chromium, driven by Playwright, against a live server.

`playwright install` cannot download here (and must not be needed): we launch the system's
chromium. Locally the tests skip with a reason when it is missing; in CI (CI=true) they fail.
"""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium")
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


def pytest_collection_modifyitems(config, items):
    if CHROMIUM or os.environ.get("CI"):
        return
    skip = pytest.mark.skip(reason="needs Debian's chromium (apt-get install chromium)")
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def allow_orm_beside_playwright():
    # Playwright's sync API runs an event loop in this thread; the ORM calls our fixtures and
    # assertions make are still plain synchronous calls between page actions. Session-wide,
    # because the database is flushed after the function-scoped fixtures are gone.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    assert CHROMIUM, "chromium is not installed: apt-get install chromium"
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    }


@pytest.fixture
def screenshot_dir() -> Path | None:
    """`make screenshots` sets SCREENSHOT_DIR=docs/screenshots to refresh the README's pictures."""
    target = os.environ.get("SCREENSHOT_DIR")
    if not target:
        return None
    path = Path(target)
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def shoot(screenshot_dir):
    def take(page, name: str) -> None:
        if screenshot_dir is not None:
            page.screenshot(path=str(screenshot_dir / f"{name}.png"), full_page=True)

    return take


@pytest.fixture
def csp_violations():
    """Collects every console message about a blocked resource: the CSP must never fire."""
    messages: list[str] = []

    def watch(page):
        page.on(
            "console",
            lambda message: (
                messages.append(message.text)
                if "Content Security Policy" in message.text or "Refused to" in message.text
                else None
            ),
        )
        return page

    watch.messages = messages
    return watch


@pytest.fixture(autouse=True)
def close_browser_contexts(request):
    """Close every page the test opened. An open page keeps its keep-alive sockets to the live
    server, and each socket's thread keeps a database connection: left open across the session
    they use up PostgreSQL's connections before the concurrency tests need fifty."""
    yield
    if "browser" in request.fixturenames:
        for context in request.getfixturevalue("browser").contexts:
            context.close()
