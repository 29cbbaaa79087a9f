"""Chinese first, English complete: every string a user sees has a Chinese translation."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
CATALOGUE = BASE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
SOURCES = ["governance", "communities", "deliberation", "volunteers", "templates", "manage.py"]


def test_the_committed_catalogue_has_no_missing_or_fuzzy_translation():
    catalogue = polib.pofile(str(CATALOGUE))
    assert not catalogue.untranslated_entries()
    assert not catalogue.fuzzy_entries()


@pytest.mark.skipif(
    shutil.which("xgettext") is None, reason="needs GNU gettext (apt-get install gettext)"
)
def test_no_string_in_the_code_is_missing_from_the_catalogue(tmp_path):
    for name in SOURCES:
        source = BASE_DIR / name
        target = tmp_path / name
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, target)
    shutil.copytree(BASE_DIR / "locale", tmp_path / "locale")
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        env={
            "PATH": "/usr/bin:/bin",
            "DEBUG": "true",
            "ENV_FILE": "/dev/null",
            "PYTHONPATH": str(tmp_path),
        },
    )
    fresh = polib.pofile(str(tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    missing = [entry.msgid for entry in fresh.untranslated_entries()]
    assert not missing, "Translate these in locale/zh_Hans/LC_MESSAGES/django.po:\n" + "\n".join(
        missing
    )
