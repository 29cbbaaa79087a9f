"""Log-in and code-verification limits hold across processes: they count in Redis, so failed
attempts made through one app server count on every other.

The per-account log-in limit (5 failures in 5 minutes, ACCOUNT_RATE_LIMITS) is tried from a
separate Python process with its own database and its own Redis connection; the invitation-code
limit (10 wrong codes an hour) from two cache clients, as two app servers would hold them. Both
run against the real Redis of REDIS_URL and are skipped without it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.core.cache import cache
from django.urls import reverse

from communities.models import Residency
from tests.factories import UserFactory

BASE_DIR = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL", "")
PASSWORD = "a-long-test-passphrase"

needs_redis = pytest.mark.skipif(
    not REDIS_URL.startswith("redis"), reason="counts in Redis only (REDIS_URL set)"
)


@pytest.fixture
def shared_cache(settings):
    """The production cache: Redis, with the portal's resilient client."""
    settings.CACHES = {
        "default": {
            "BACKEND": "governance.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "rate-limit-test",
        }
    }
    cache.clear()
    yield cache
    cache.clear()


def _fail_logins_in_another_process(login: str, attempts: int, address: str) -> None:
    """Another app server: its own interpreter, database and Redis connection; it posts wrong
    passwords for `login` through the log-in page."""
    script = textwrap.dedent(
        f"""
        import django
        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.test import Client
        from django.test.utils import setup_test_environment
        settings.CACHES["default"]["KEY_PREFIX"] = "rate-limit-test"
        setup_test_environment()
        call_command("migrate", verbosity=0, run_syncdb=True)
        client = Client(REMOTE_ADDR={address!r})
        for _ in range({attempts}):
            response = client.post("/accounts/login/", {{"login": {login!r}, "password": "wrong"}})
            assert response.status_code in (200, 400), response.status_code
        print("done")
        """
    )
    env = {
        **os.environ,
        "ENV_FILE": "/dev/null",
        "DEBUG": "true",
        "DATABASE_URL": "sqlite://:memory:",
        "REDIS_URL": REDIS_URL,
        "DJANGO_SETTINGS_MODULE": "governance.settings",
        "ALLOWED_HOSTS": "testserver",
    }
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0 and "done" in result.stdout, result.stderr[-3000:]


def _log_in(client, login: str, password: str = PASSWORD):
    return client.post(reverse("account_login"), {"login": login, "password": password})


@needs_redis
@pytest.mark.django_db
def test_failed_log_ins_on_another_app_server_lock_the_account_here_too(client, shared_cache):
    UserFactory(username="resident")
    client.defaults["REMOTE_ADDR"] = "10.0.0.2"

    _fail_logins_in_another_process("resident", attempts=5, address="10.0.0.1")
    refused = _log_in(client, "resident")

    assert "_auth_user_id" not in client.session
    assert refused.status_code in (200, 400, 429)
    shared_cache.clear()
    assert _log_in(client, "resident").status_code == 302, "the right password works once reset"


@pytest.mark.django_db
def test_the_limit_counts_every_spelling_of_a_mobile_number_as_one_account(client):
    cache.clear()
    UserFactory(username="resident", phone="+8613812345678")
    spellings = [
        "13812345678",
        "138 1234 5678",
        "+86 138-1234-5678",
        "0086 13812345678",
        "１３８１２３４５６７８",
    ]
    for number, spelling in enumerate(spellings):
        client.defaults["REMOTE_ADDR"] = f"10.0.1.{number}"  # a different address each time
        _log_in(client, spelling, "wrong")

    client.defaults["REMOTE_ADDR"] = "10.0.1.99"
    _log_in(client, "(138) 1234-5678")

    assert "_auth_user_id" not in client.session
    cache.clear()


@pytest.mark.django_db
def test_a_mobile_number_still_logs_in_when_under_the_limit(client):
    UserFactory(username="resident", phone="+8613812345678")
    assert _log_in(client, "138 1234 5678").status_code == 302
    assert "_auth_user_id" in client.session


@needs_redis
@pytest.mark.django_db
def test_wrong_invitation_codes_count_across_app_servers(client, settings, shared_cache, tree):
    resident = UserFactory()
    client.force_login(resident)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    url = reverse("communities:invitation_claim")

    for _ in range(5):  # app server A
        assert client.post(url, {"code": "WRONGCODE1"}).status_code == 400
    # App server B: a new Redis client of its own (a settings change drops every cache client).
    settings.CACHES = {"default": {**settings.CACHES["default"], "OPTIONS": {"socket_timeout": 2}}}
    for _ in range(5):
        assert client.post(url, {"code": "WRONGCODE1"}).status_code == 400
    refused = client.post(url, {"code": "WRONGCODE1"})

    assert refused.status_code == 400
    assert "Too many wrong codes. Try again in an hour." in refused.content.decode()
    assert not Residency.objects.filter(user=resident).exists()
