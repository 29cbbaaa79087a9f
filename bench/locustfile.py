"""The pages `bench.run` measures, one locust run per page, picked with `--tags`.

    locust -f bench/locustfile.py --headless --tags issue_list -u 20 -r 20 --run-time 30s \
        --host http://127.0.0.1:8000

Tags: issue_list (a street's public issue list), issue_detail (a public issue), staff_queue
(the queue of a member of street staff, who logs in through /accounts/login/ first),
funnel (the district's funnel) and healthz (the framework ceiling).

`bench.run` passes what the pages need through the environment:

    BENCH_STREETS        comma-separated street codes         (issue_list)
    BENCH_DISTRICT       the district code                     (funnel)
    BENCH_ISSUE_IDS      a file with one public issue id a line (issue_detail)
    BENCH_USERNAME, BENCH_PASSWORD  the street-staff account   (staff_queue)
    BENCH_RATE           requests per second per user; 0 (default) sends the next request
                         as soon as the last one is answered

A redirect or any status but 200 counts as a failure: a staff queue that sends the user back to
the login page must not pass for a fast page. The statistics are reset once every user has
logged in, so password hashing at the start does not count against the staff queue.
"""

from __future__ import annotations

import os
import random
import re
from http.cookiejar import DefaultCookiePolicy

from locust import FastHttpUser, constant, constant_throughput, events, tag, task

RATE = float(os.environ.get("BENCH_RATE", "0") or 0)
STREETS = [code for code in os.environ.get("BENCH_STREETS", "").split(",") if code]
DISTRICT = os.environ.get("BENCH_DISTRICT", "429999")
USERNAME = os.environ.get("BENCH_USERNAME", "")
PASSWORD = os.environ.get("BENCH_PASSWORD", "")
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _issue_ids() -> list[int]:
    path = os.environ.get("BENCH_ISSUE_IDS")
    if not path:
        return []
    with open(path, encoding="utf-8") as handle:
        return [int(line) for line in handle if line.strip()]


ISSUE_IDS = _issue_ids()
_logged_in = 0


class LoopbackCookiePolicy(DefaultCookiePolicy):
    """With DEBUG off the portal marks its cookies Secure, and the benchmark speaks plain HTTP
    to 127.0.0.1 (no TLS proxy in front): send them anyway, as the proxy would."""

    def return_ok_secure(self, cookie, request) -> bool:
        return True


def _selected_tags(environment) -> set[str]:
    options = environment.parsed_options
    return set(getattr(options, "tags", None) or [])


class PortalUser(FastHttpUser):
    wait_time = constant_throughput(RATE) if RATE > 0 else constant(0)
    # Keep-alive like a browser; one connection per simulated user.
    concurrency = 1

    def on_start(self) -> None:
        self.client.cookiejar.set_policy(LoopbackCookiePolicy())
        if "staff_queue" not in _selected_tags(self.environment):
            return
        self._log_in()

    def _log_in(self) -> None:
        global _logged_in
        page = self.client.get("/accounts/login/", name="login form")
        match = CSRF_INPUT.search(page.text or "")
        if match is None:
            raise RuntimeError("No CSRF token on the login page.")
        with self.client.post(
            "/accounts/login/",
            data={"login": USERNAME, "password": PASSWORD, "csrfmiddlewaretoken": match[1]},
            name="login",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"login answered {response.status_code}, not a redirect")
                return
        _logged_in += 1
        if _logged_in == self.environment.runner.target_user_count:
            # Every user is in: measure from here on, without the logins.
            self.environment.runner.stats.reset_all()

    def _get(self, path: str, name: str) -> None:
        with self.client.get(
            path, name=name, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")

    @tag("issue_list")
    @task
    def issue_list(self) -> None:
        street = random.choice(STREETS)
        # Most people read the first page; some leaf on.
        page = "" if random.random() < 0.8 else f"?page={random.randint(2, 10)}"
        self._get(f"/areas/{street}/issues/{page}", "issue list")

    @tag("issue_detail")
    @task
    def issue_detail(self) -> None:
        self._get(f"/issues/{random.choice(ISSUE_IDS)}/", "issue detail")

    @tag("staff_queue")
    @task
    def staff_queue(self) -> None:
        self._get("/staff/issues/", "staff queue")

    @tag("funnel")
    @task
    def funnel(self) -> None:
        self._get(f"/areas/{DISTRICT}/funnel/", "funnel")

    @tag("healthz")
    @task
    def healthz(self) -> None:
        self._get("/healthz", "healthz")


@events.test_start.add_listener
def _check(environment, **kwargs) -> None:
    tags = _selected_tags(environment)
    if "issue_list" in tags and not STREETS:
        raise SystemExit("BENCH_STREETS is empty.")
    if "issue_detail" in tags and not ISSUE_IDS:
        raise SystemExit("BENCH_ISSUE_IDS names no issue.")
    if "staff_queue" in tags and not (USERNAME and PASSWORD):
        raise SystemExit("BENCH_USERNAME and BENCH_PASSWORD are needed for the staff queue.")
