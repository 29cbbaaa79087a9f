"""The pages `bench.run` measures, one locust run per page, picked with `--tags`.

    locust -f bench/locustfile.py --headless --tags issue_list -u 20 -r 20 --run-time 30s \
        --host http://127.0.0.1:8000

Tags: issue_list (a street's public issue list), issue_detail (a public issue), staff_queue
(the queue of a member of street staff, who logs in through /accounts/login/ first),
funnel (the district's funnel), healthz (the framework ceiling), dashboard and meeting (a
random path of BENCH_PATHS), submit_text and submit_photo (a resident's report through the
real form: GET the form, POST it with its CSRF token and submission key, with one photo or none),
ballot (the next owner's session: GET the meeting's session page, POST its ballot form with its
CSRF token and household; every owner votes once, and a user stops when no owner is left).

`bench.run` passes what the pages need through the environment:

    BENCH_STREETS        comma-separated street codes         (issue_list)
    BENCH_DISTRICT       the district code                     (funnel)
    BENCH_ISSUE_IDS      a file with one public issue id a line (issue_detail)
    BENCH_USERNAME, BENCH_PASSWORD  the street-staff account   (staff_queue)
    BENCH_PATHS          a file with one path a line            (dashboard, meeting, ballot)
    BENCH_VOTERS         a file with one owner's session id a line (ballot): each is used once
    BENCH_MOTION         the id of the open motion              (ballot)
    BENCH_SESSIONS       a file with one resident session id a line (submit_*): each user takes
                         one, so no login (and no login rate limit) is involved
    BENCH_SUBMIT_AREA, BENCH_CATEGORY  the resident's building code and a category code
    BENCH_PHOTO          a JPEG file                            (submit_photo)
    BENCH_RUN            a tag put in every submitted title, to count what was stored
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
from http.cookiejar import Cookie, DefaultCookiePolicy
from pathlib import Path

from locust import FastHttpUser, constant, constant_throughput, events, tag, task
from locust.exception import StopUser

# bench.run starts locust from the checkout (`python -m locust`): bench/ imports.
from bench.meetings import ballot_form

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


def _lines(variable: str) -> list[str]:
    path = os.environ.get(variable)
    if not path:
        return []
    with open(path, encoding="utf-8") as handle:
        return [line.strip() for line in handle if line.strip()]


ISSUE_IDS = _issue_ids()
PATHS = _lines("BENCH_PATHS")
SESSIONS = _lines("BENCH_SESSIONS")
SUBMIT_AREA = os.environ.get("BENCH_SUBMIT_AREA", "")
CATEGORY = os.environ.get("BENCH_CATEGORY", "")
RUN = os.environ.get("BENCH_RUN", "bench")
PHOTO = Path(os.environ["BENCH_PHOTO"]).read_bytes() if os.environ.get("BENCH_PHOTO") else b""
SUBMISSION_KEY_INPUT = re.compile(r'name="submission_key" value="([^"]+)"')
SUBMIT_TAGS = {"submit_text", "submit_photo"}
VOTERS = _lines("BENCH_VOTERS")
MOTION = os.environ.get("BENCH_MOTION", "")
_logged_in = 0
_sessions_taken = 0
_voters_taken = 0


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
        global _sessions_taken
        self.client.cookiejar.set_policy(LoopbackCookiePolicy())
        tags = _selected_tags(self.environment)
        if tags & SUBMIT_TAGS:
            session = SESSIONS[_sessions_taken % len(SESSIONS)]
            _sessions_taken += 1
            self.client.cookiejar.set_cookie(_cookie("sessionid", session))
            self.submitted = 0
        if "staff_queue" not in tags:
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

    @tag("dashboard")
    @task
    def dashboard(self) -> None:
        self._get(random.choice(PATHS), "dashboard")

    @tag("meeting")
    @task
    def meeting(self) -> None:
        self._get(random.choice(PATHS), "meeting")

    @tag("ballot")
    @task
    def ballot(self) -> None:
        """An owner's phone: the session page in, the ballot form of the open motion out."""
        global _voters_taken
        if _voters_taken >= len(VOTERS):
            raise StopUser()  # every owner has voted; a second ballot is not a load
        session = VOTERS[_voters_taken]
        _voters_taken += 1
        self.client.cookiejar.clear()
        self.client.cookiejar.set_cookie(_cookie("sessionid", session))
        path = random.choice(PATHS)
        with self.client.get(
            path, name="ballot form", allow_redirects=False, catch_response=True
        ) as page:
            text = page.text or ""
            token = CSRF_INPUT.search(text)
            form = ballot_form(text, MOTION)
            if page.status_code != 200 or token is None or form is None:
                page.failure(f"session page: HTTP {page.status_code}, no token or ballot form")
                return
        action, household = form
        with self.client.post(
            action,
            data={
                "csrfmiddlewaretoken": token[1],
                "household": household,
                "choice": random.choice(("yes", "yes", "no", "abstain")),
            },
            headers={"Referer": self.host + path},
            name="ballot",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302 or not (response.headers.get("Location") or "").endswith(
                path
            ):
                response.failure(f"HTTP {response.status_code}, not a redirect to the session")

    @tag("submit_text")
    @task
    def submit_text(self) -> None:
        self._submit(photo=False, name="issue submission (text)")

    @tag("submit_photo")
    @task
    def submit_photo(self) -> None:
        self._submit(photo=True, name="issue submission (photo)")

    def _submit(self, *, photo: bool, name: str) -> None:
        """What a resident's browser does: load the form, send it, follow nothing further."""
        with self.client.get(
            "/issues/report/",
            name="report form",
            allow_redirects=False,
            catch_response=True,
        ) as form:
            token = CSRF_INPUT.search(form.text or "")
            key = SUBMISSION_KEY_INPUT.search(form.text or "")
            if form.status_code != 200 or token is None or key is None:
                form.failure(f"report form: HTTP {form.status_code}, no token or key")
                return
        self.submitted += 1
        fields = {
            "csrfmiddlewaretoken": token[1],
            "submission_key": key[1],
            "title": f"{RUN} 路灯不亮 {self.submitted}",
            "description": "三号楼门口的路灯从昨晚起就不亮了，晚上出入很不方便。",
            "category": CATEGORY,
            "area": SUBMIT_AREA,
        }
        body, content_type = _multipart(fields, [("photos", "lamp.jpg", PHOTO)] if photo else [])
        with self.client.post(
            "/issues/report/",
            data=body,
            headers={
                "Content-Type": content_type,
                "Referer": self.host + "/issues/report/",
            },
            name=name,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302 or "/issues/" not in (
                response.headers.get("Location") or ""
            ):
                response.failure(f"HTTP {response.status_code}, not a redirect to the issue")

    @tag("healthz")
    @task
    def healthz(self) -> None:
        self._get("/healthz", "healthz")


def _cookie(name: str, value: str) -> Cookie:
    return Cookie(0, name, value, None, False, "127.0.0.1", False, False, "/", True, True, None,
                  False, None, None, {})  # fmt: skip


def _multipart(fields: dict, files: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    boundary = "----bench" + os.urandom(12).hex()
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n".encode()
        )
    for name, filename, content in files:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@events.test_start.add_listener
def _check(environment, **kwargs) -> None:
    tags = _selected_tags(environment)
    if "issue_list" in tags and not STREETS:
        raise SystemExit("BENCH_STREETS is empty.")
    if "issue_detail" in tags and not ISSUE_IDS:
        raise SystemExit("BENCH_ISSUE_IDS names no issue.")
    if tags & {"dashboard", "meeting", "ballot"} and not PATHS:
        raise SystemExit("BENCH_PATHS names no path.")
    if tags & SUBMIT_TAGS and not (SESSIONS and SUBMIT_AREA and CATEGORY):
        raise SystemExit("BENCH_SESSIONS, BENCH_SUBMIT_AREA and BENCH_CATEGORY are needed.")
    if "ballot" in tags and not (VOTERS and MOTION):
        raise SystemExit("BENCH_VOTERS and BENCH_MOTION are needed for the ballot.")
    if "submit_photo" in tags and not PHOTO:
        raise SystemExit("BENCH_PHOTO is needed for submit_photo.")
    if "staff_queue" in tags and not (USERNAME and PASSWORD):
        raise SystemExit("BENCH_USERNAME and BENCH_PASSWORD are needed for the staff queue.")
