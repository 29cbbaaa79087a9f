"""Every URL of the portal, asked by every role in every relation to its object: the allowed
answer where tests/access/matrix.py grants it, elsewhere a refusal (403, 404, 405, the login
page, or the page again with an error) that shows nothing of the object and no resident's name
or number. A URL without a row in the matrix fails `test_every_url_has_a_row_in_the_matrix`.

Set ACCESS_MATRIX_RECORD=<file> to write what each request got (one JSON line per request)
instead of asserting, when writing the rows of a new URL.
"""

from __future__ import annotations

import json
import os
import re

import pytest
from django.conf import settings
from django.contrib.messages import constants as message_levels
from django.db import transaction
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.access.matrix import MATRIX, NAMESPACES, SECRETS, TBD, UNNAMED, Entry
from tests.access.world import (
    NONE,
    OTHERS,
    OWN,
    PARENT,
    RELATIONS,
    ROLES,
    World,
    relation_of,
)

RECORD = os.environ.get("ACCESS_MATRIX_RECORD")
# Roles that manage no one: no answer to them, allowed or refused, may hold another person's
# name or mobile number (the reporter's, a claimant's, a booker's, a volunteer's).
SEES_NO_ONES_PERSONAL_DATA = (
    "anonymous",
    "stranger",
    "resident",
    "owner",
    "building_head",
    "public_supervisor",
)
# Roles that may not see the name or number of the residents of B1 (the owner, the tenant and
# the building head), other than their own: only staff who manage the building, its grid
# worker and the superuser may.
SEES_NO_NEIGHBOURS = (
    *SEES_NO_ONES_PERSONAL_DATA,
    "owners_committee",
    "property_firm",
    "party_branch",
)
ALLOWED, REFUSED, INVALID = "allowed", "refused", "invalid"


# --- Which URLs exist ----------------------------------------------------------------------


def url_names(resolver=None) -> dict[str, str]:
    """Every named URL pattern, walked recursively through includes (the API router's and
    Open311's too): name → route."""
    found: dict[str, str] = {}

    def walk(patterns, prefix: str, namespace: tuple[str, ...]) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace + ((pattern.namespace,) if pattern.namespace else ())
                walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                name = pattern.name or f"unnamed:{prefix}{pattern.pattern}"
                found.setdefault(":".join((*namespace, name)), prefix + str(pattern.pattern))

    walk((resolver or get_resolver()).url_patterns, "", ())
    return found


def _base(key: str) -> str:
    return key.split("[", 1)[0]


def missing_rows(names) -> list[str]:
    """URL names that neither have a row nor sit in a namespace the matrix covers whole."""
    rows = {_base(key) for key in MATRIX}
    return sorted(
        name
        for name in names
        if name not in rows
        and name.split(":", 1)[0] not in NAMESPACES
        and name.removeprefix("unnamed:") not in UNNAMED
    )


def stale_rows(names) -> list[str]:
    return sorted(key for key in MATRIX if _base(key) not in names)


def missing_rows_message(missing: list[str]) -> str:
    return (
        f"{len(missing)} URL pattern(s) have no row in the access matrix: {', '.join(missing)}. "
        "Add each to MATRIX in tests/access/matrix.py: the kind of object it shows, its URL "
        "arguments, and who may GET and POST it (docs/access-control.md says how)."
    )


def test_every_url_has_a_row_in_the_matrix():
    names = url_names()
    missing = missing_rows(names)
    assert not missing, missing_rows_message(missing)
    assert not stale_rows(names), f"rows for URLs that no longer exist: {stale_rows(names)}"


def test_a_new_url_without_a_row_fails_with_a_message_that_says_what_to_do():
    from django.http import HttpResponse
    from django.urls import include, path
    from django.urls.resolvers import RegexPattern
    from django.urls.resolvers import URLResolver as Resolver

    extra = [path("meetings/<int:pk>/", lambda request, pk: HttpResponse(), name="meeting")]
    urlconf = type(
        "urlconf",
        (),
        {"urlpatterns": [path("", include("governance.urls")), path("", include((extra, "x")))]},
    )
    names = url_names(Resolver(RegexPattern(r"^/"), urlconf))
    assert "x:meeting" in names
    missing = missing_rows(names)
    assert missing == ["x:meeting"]
    message = missing_rows_message(missing)
    assert "x:meeting" in message and "tests/access/matrix.py" in message
    assert "docs/access-control.md" in message


def test_the_world_holds_an_object_of_every_kind_the_matrix_asks_about(world):
    kinds = {entry.kind for entry in MATRIX.values() if entry.kind}
    held = set(world.objects) | {f"own:{kind}" for kind in world.owned}
    assert kinds <= held, f"build these in tests/access/world.py: {sorted(kinds - held)}"


def test_no_row_is_left_undecided():
    undecided = [key for key, entry in MATRIX.items() if TBD in (entry.get, entry.post)]
    assert not undecided, f"rows that neither GET nor POST: {undecided}"


# --- Asking ------------------------------------------------------------------------------------


def cases(world: World, entry: Entry, role: str) -> list[tuple[str, object, str | None]]:
    """(relation, object, its marker) for every relation of this role to the entry's kind of
    object that the world holds."""
    if entry.kind is None:
        return [(NONE, None, None)]
    if entry.kind.startswith("own:"):
        kind = entry.kind.removeprefix("own:")
        mine = world.owned[kind].get(role)
        other = next(obj for owner, obj in world.owned[kind].items() if owner != role)
        found = [(OTHERS, other, world.marker_of(other))]
        if mine is not None:
            found.insert(0, (OWN, mine, world.marker_of(mine)))
        return found
    found = []
    for relation, area_code in RELATIONS[role].items():
        obj = world.find(entry.kind, area_code, descend=relation != PARENT)
        if obj is not None:
            found.append((relation, obj, world.marker_of(obj)))
    return found


def _client(world: World, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world.people[role])
    return client


def _refused_in_words(response) -> bool:
    """The page came back with an error message instead of doing it (a POST refused by the
    service after the page let the person in)."""
    storage = getattr(response.wsgi_request, "_messages", None)
    queued = getattr(storage, "_queued_messages", [])
    return any(message.level >= message_levels.ERROR for message in queued)


def _to_login(response) -> bool:
    location = response.headers.get("Location", "")
    return response.status_code == 302 and (
        location.startswith(resolve_url(settings.LOGIN_URL)) or "/admin/login/" in location
    )


def classify(response) -> str:
    """Refused: 401, 403, 404, 405, the login page, or an error message instead of the deed.
    Invalid: the form or service refused the body (400, 415, 422)."""
    if response.status_code in (401, 403, 404, 405) or _to_login(response):
        return REFUSED
    if response.status_code in (400, 415, 422):
        return INVALID
    if _refused_in_words(response):
        return REFUSED
    return ALLOWED


def ask(client: Client, method: str, url: str, data: dict, *, as_json: bool = False):
    """One request in a savepoint rolled back afterwards, so no answer changes the next."""
    with transaction.atomic():
        if method == "GET":
            response = client.get(url, data)
        elif as_json:
            response = client.post(url, json.dumps(data), content_type="application/json")
        else:
            response = client.post(url, data)
        transaction.set_rollback(True)
    # A message the page queued ("志愿者钱 is checked in.") would show on the next page this
    # client gets, whoever that page is for.
    client.cookies.pop("messages", None)
    return response


def _record(**row) -> None:
    with open(RECORD, "a", encoding="utf-8") as out:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")


def hidden_from(world: World, role: str) -> list[str]:
    """Markers of the objects this role may not see (matrix.SECRETS)."""
    hidden = []
    for kind, row in SECRETS.items():
        readers = MATRIX[row].readers or MATRIX[row].post
        for code, obj in world.objects[kind].items():
            relation = relation_of(role, world.areas[code], world.areas)
            if not readers.allows(role, relation):
                hidden.append(world.marker_of(obj))
    # Another person's messages and tokens (the superuser administers tokens).
    for kind, seen_by_superuser in (("notification", False), ("api_token", True)):
        for owner, obj in world.owned[kind].items():
            if owner != role and not (seen_by_superuser and role == "superuser"):
                hidden.append(world.marker_of(obj))
    return hidden


def check(world: World, key: str, entry: Entry, role: str) -> list[str]:
    failures = []
    hidden = hidden_from(world, role)
    neighbours = [
        value
        for person, values in world.personal_of.items()
        if person != role and role in SEES_NO_NEIGHBOURS
        for value in values
    ]
    client = _client(world, role)
    for relation, obj, mark in cases(world, entry, role):
        url = reverse(_base(key), kwargs=entry.kwargs(obj))
        may_see = entry.readers is not None and entry.readers.allows(role, relation)
        for method, access in (("GET", entry.get), ("POST", entry.post)):
            if method == "POST" and access is None and entry.get is not None:
                continue  # a page that takes no POST: nothing to write to
            data = entry.data(world, obj, role) if method == "POST" else entry.query
            response = ask(client, method, url, data, as_json=entry.json)
            assert response.status_code < 500, (key, role, relation, method, response.status_code)
            got = classify(response)
            expected = ALLOWED if access is not None and access.allows(role, relation) else REFUSED
            where = f"{method} {url} as {role} ({relation})"
            if RECORD:
                _record(
                    key=key,
                    method=method,
                    role=role,
                    relation=relation,
                    got=got,
                    status=response.status_code,
                )
                continue
            if entry.any_answer or (got == INVALID and expected == ALLOWED and entry.invalid_ok):
                pass
            elif got == INVALID and expected == ALLOWED:
                failures.append(
                    f"{where}: allowed, but the row's body was refused ({response.status_code}): "
                    "give the row a valid `data`"
                )
            elif got != expected:
                failures.append(f"{where}: expected {expected}, got {response.status_code}")
            elif (
                got == ALLOWED
                and method == "GET"
                and response.status_code not in entry.ok
                and not entry.any_answer
            ):
                failures.append(f"{where}: allowed but answered {response.status_code}")
            body = b"".join(response) if response.streaming else response.content
            text = body.decode("utf-8", "replace")
            leaked = [secret for secret in hidden if secret in text]
            # What the request itself sent (a neighbour's name typed into a form) may come back.
            leaked += [value for value in neighbours if value in text and value not in str(data)]
            if leaked:
                failures.append(f"{where}: shows what this role may not see: {leaked}")
            if got != ALLOWED or role in SEES_NO_ONES_PERSONAL_DATA:
                if got != ALLOWED and mark and not may_see and mark in text:
                    failures.append(f"{where}: the refusal shows {mark}")
                shown = [value for value in world.personal if value in text]
                if shown:
                    failures.append(f"{where}: shows personal data {shown}")
    return failures


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("key", sorted(MATRIX))
def test_each_role_gets_what_the_matrix_says(world, db, key, role):
    failures = check(world, key, MATRIX[key], role)
    assert not failures, "\n".join(failures)


# --- The admin, as one namespace ---------------------------------------------------------------


def admin_urls() -> list[str]:
    """Every URL of the admin: named ones reversed with the model's app and id 1, unnamed ones
    (the admin's old-style redirects) filled in with 1."""
    urls = []
    for name, route in url_names().items():
        if not name.startswith("admin:"):
            continue
        if ":unnamed:" in name:
            urls.append("/" + re.sub(r"<[^>]+>", "1", route).lstrip("^").rstrip("$"))
            continue
        args = {
            group or angle: None
            for group, angle in re.findall(r"\(\?P<(\w+)>|<(?:\w+:)?(\w+)>", route)
        }
        app = name.removeprefix("admin:").split("_", 1)[0]
        app = "communities" if app == "app" else app  # admin:app_list names no model
        values = {"app_label": app, "object_id": "1", "content_type_id": "1", "url": "x"}
        urls.append(reverse(name, kwargs={arg: values.get(arg, "1") for arg in args}))
    return urls


# Pages of the admin that answer before anyone logs in, and show nothing: its login form, its
# logout, and the tree widget's JavaScript translations.
ADMIN_OPEN = ("/admin/login/", "/admin/logout/", "/admin/communities/area/jsi18n/")


@pytest.mark.parametrize("role", [role for role in ROLES if role != "superuser"])
def test_the_admin_sends_everyone_but_the_superuser_to_its_login(world, db, role):
    client = _client(world, role)
    leaked = []
    for url in admin_urls():
        response = client.get(url)
        text = response.content.decode("utf-8", "replace")
        if any(value in text for value in world.personal):
            leaked.append(f"{url}: shows personal data")
        if url not in ADMIN_OPEN and not _to_login(response):
            leaked.append(f"{url}: {response.status_code}")
    assert not leaked, leaked


def test_the_superuser_reaches_every_admin_page(world, db):
    client = _client(world, "superuser")
    client.raise_request_exception = False
    broken = []
    for url in admin_urls():
        response = ask(client, "GET", url, {})
        if response.status_code >= 500 or _to_login(response):
            broken.append(f"{url}: {response.status_code}")
    assert not broken, broken
