import shutil
import tempfile

import pytest
from django.db import transaction
from django.test.utils import override_settings

from tests.access.world import build_world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The world is built once for the module inside a transaction that is rolled back at the
    end; each test runs in a savepoint inside it (pytest-django's `db`), so what one test
    writes is gone before the next, and other modules never see the world."""
    media = tempfile.mkdtemp(prefix="access-media-")
    with (
        django_db_blocker.unblock(),
        override_settings(
            MEDIA_ROOT=f"{media}/media",
            IMPORTS_ROOT=f"{media}/imports",
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        ),
    ):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            shutil.rmtree(media, ignore_errors=True)
