"""Row locks take only the rows they mean to.

On PostgreSQL `select_for_update()` locks every table in the query's FROM clause: with
`select_related("area")` or a filter across a relation, locking an issue also locks its area
FOR UPDATE, and every insert that references that area (a report, a funnel counter) then waits
at COMMIT for its foreign-key check. A report and an acceptance in the same compound deadlocked
that way in the Redis drill. So a locking query that joins must say `of=("self",)`.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("communities", "deliberation", "volunteers", "governance")
LOOKUPS = {
    "exact",
    "iexact",
    "in",
    "gt",
    "gte",
    "lt",
    "lte",
    "isnull",
    "startswith",
    "istartswith",
    "contains",
    "icontains",
    "range",
    "date",
}


def _chain(call: ast.Call) -> list[ast.Call]:
    """The calls of one method chain, from the outermost inwards."""
    calls, node = [], call
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        calls.append(node)
        node = node.func.value
    return calls


def _joins(call: ast.Call) -> bool:
    name = call.func.attr
    if name == "select_related":
        return True
    if name in {"filter", "exclude", "get", "get_or_create"}:
        for keyword in call.keywords:
            parts = (keyword.arg or "").split("__")
            if len(parts) > 2 or (len(parts) == 2 and parts[1] not in LOOKUPS):
                return True
    return False


def _unscoped_locks(tree: ast.AST):
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
    inner = {id(call) for node in calls for call in _chain(node)[1:]}
    for node in calls:
        if id(node) in inner:
            continue
        chain = _chain(node)
        locks = [
            call
            for call in chain
            if call.func.attr == "select_for_update"
            and not any(keyword.arg == "of" for keyword in call.keywords)
        ]
        if locks and any(_joins(call) for call in chain):
            yield locks[0].lineno


def test_every_locking_query_that_joins_locks_only_its_own_rows():
    offenders = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(), filename=str(path))
            offenders += [f"{path.relative_to(ROOT)}:{line}" for line in _unscoped_locks(tree)]
    assert not offenders, (
        "select_for_update() in a query that joins locks the joined rows too; "
        f'add of=("self",): {sorted(set(offenders))}'
    )


def test_the_check_sees_a_lock_that_joins():
    source = 'Issue.objects.select_for_update().select_related("area").get(pk=1)'
    assert list(_unscoped_locks(ast.parse(source))) == [1]
    scoped = 'Issue.objects.select_for_update(of=("self",)).select_related("area").get(pk=1)'
    assert list(_unscoped_locks(ast.parse(scoped))) == []
    across = "Summons.objects.select_for_update().filter(organization__memberships__in=q)"
    assert list(_unscoped_locks(ast.parse(across))) == [1]
    plain = "Skill.objects.select_for_update().filter(user=u, name__iexact=n).first()"
    assert list(_unscoped_locks(ast.parse(plain))) == []
