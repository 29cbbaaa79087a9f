import os

import pytest
from django.conf import settings


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
