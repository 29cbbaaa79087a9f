"""Production settings come from the environment and refuse to start when they are unsafe."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]

PRODUCTION = {
    "ENV_FILE": "/dev/null",
    "DEBUG": "false",
    "SECRET_KEY": "x" * 30 + "a-production-like-secret-key-0123456789-abcdefghij",
    "ALLOWED_HOSTS": "portal.example.gov.cn",
    "DATABASE_URL": "sqlite:////tmp/deploy-check.sqlite3",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}
# What docs/deploy.md tells an operator to put in /etc/portal/portal.env (nothing is contacted
# by the checks, so the addresses need not answer).
DEPLOY_MD = {
    **PRODUCTION,
    "DATABASE_URL": "postgres://portal:PASSWORD@127.0.0.1:5432/portal",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/1",
    "EMAIL_URL": "smtp+tls://portal%40example.gov.cn:PASSWORD@smtp.example.gov.cn:587",
    "DEFAULT_FROM_EMAIL": "portal@example.gov.cn",
    "PORTAL_URL": "https://portal.example.gov.cn",
    "STATIC_ROOT": "/tmp/deploy-check/static",
    "MEDIA_ROOT": "/tmp/deploy-check/media",
    "IMPORTS_ROOT": "/tmp/deploy-check/imports",
    "BEHIND_TLS_PROXY": "true",
    "TRUSTED_PROXY_COUNT": "1",
}


def _manage(*args, **overrides):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(PRODUCTION)
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_deploy_checks_pass_with_a_production_environment():
    result = _manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_deploy_checks_pass_with_the_environment_deploy_md_describes():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **DEPLOY_MD)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_deploy_checks_warn_when_rate_limits_would_count_per_process():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", REDIS_URL=None)
    assert result.returncode != 0
    assert "governance.W001" in result.stdout + result.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_the_site_refuses_to_start_without(missing):
    result = _manage("check", **{missing: None})
    assert result.returncode != 0
    assert f"{missing} must be set" in result.stderr


def test_debug_is_off_unless_asked_for(settings):
    from django.conf import settings as live

    # Tests run under pytest-django, which forces DEBUG off; the default is checked above.
    assert live.TIME_ZONE == "Asia/Shanghai"
    assert live.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _ in live.LANGUAGES] == ["zh-hans", "en"]


def test_the_policy_allows_no_inline_code_and_the_check_says_so_if_it_ever_does(settings):
    from governance.checks import no_inline_code_allowed

    assert no_inline_code_allowed(None) == []
    settings.CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": {
            **settings.CONTENT_SECURITY_POLICY["DIRECTIVES"],
            "style-src": ["'self'", "'unsafe-inline'"],
        }
    }
    assert [error.id for error in no_inline_code_allowed(None)] == ["governance.E001"]
