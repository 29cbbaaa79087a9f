import os

import pytest
from django.conf import settings
from django.urls import path


def test_health_reports_database_and_cache(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "ok"}


@pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="runs on the production stack (REDIS_URL set)"
)
def test_on_the_production_stack_cache_and_broker_are_redis():
    from governance.celery import app

    assert settings.CACHES["default"]["BACKEND"] == "governance.cache.ResilientRedisCache"
    assert settings.CELERY_TASK_ALWAYS_EAGER is False
    with app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=3)
        assert connection.connected


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="runs on PostgreSQL (DATABASE_URL set)",
)
def test_on_the_production_stack_the_database_is_postgresql(db):
    from django.db import connection

    assert connection.vendor == "postgresql"


def _database_gone(request):
    from django.db import OperationalError

    raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


def _bug(request):
    raise ZeroDivisionError


urlpatterns = [path("gone/", _database_gone), path("bug/", _bug)]
handler500 = "governance.views.server_error"


@pytest.mark.urls(__name__)
def test_an_unreachable_database_answers_503_with_retry_after_not_500(client, db):
    from governance import urls

    assert urls.handler500 == handler500, "the portal's URLconf names the same handler"
    client.raise_request_exception = False
    response = client.get("/gone/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "请一分钟后再试" in response.content.decode()
    assert "try again in a minute" in response.content.decode()


@pytest.mark.urls(__name__)
def test_any_other_failure_is_still_a_500(client, db):
    client.raise_request_exception = False
    response = client.get("/bug/")
    assert response.status_code == 500
