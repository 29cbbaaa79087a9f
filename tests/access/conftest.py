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
            world = build_world()
            world.media = media
            yield world
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            shutil.rmtree(media, ignore_errors=True)


@pytest.fixture(autouse=True)
def media_in_a_temporary_folder(request, settings):
    """The world's uploads stay where the world put them (tests/conftest.py would give each
    test an empty folder of its own)."""
    if "world" in request.fixturenames:
        media = request.getfixturevalue("world").media
        settings.MEDIA_ROOT = f"{media}/media"
        settings.IMPORTS_ROOT = f"{media}/imports"
