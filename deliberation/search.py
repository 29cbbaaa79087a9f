"""Searching issues in Chinese without a Chinese tokenizer.

A service stores `search_terms(title, description)` in `Issue.search_text`: every CJK run cut
into overlapping bigrams ("小区路灯不亮" → "小区 区路 路灯 灯不 不亮") and every Latin/digit run
lowercased, space-separated. What a resident types is cut the same way, so "路灯" is one token
and found by an exact token match:

* PostgreSQL: full-text search with the `simple` configuration, served by the GIN index
  `deliberation_issue_search_gin` (migration 0002) on exactly the expression `SearchVector`
  generates: `to_tsvector('simple'::regconfig, COALESCE("search_text", ''))`.
* SQLite: the FTS5 external-content table `deliberation_issue_fts` (migration 0002), kept in
  sync by triggers.
* Any other database: one `LIKE` (substring) per term, unindexed and a little looser: "3"
  also finds "13", and a single ideograph is found anywhere, not only at a token's start.
"""

from __future__ import annotations

import re
import unicodedata

from django.db import connections
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

MAX_QUERY_TERMS = 16

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(f"([{_CJK}]+)|([a-z0-9]+)")


def _tokens(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).lower()
    tokens: list[str] = []
    for match in _RUN.finditer(text):
        cjk, word = match.groups()
        if word:
            tokens.append(word)
        elif len(cjk) == 1:
            tokens.append(cjk)
        else:
            tokens.extend(cjk[i : i + 2] for i in range(len(cjk) - 1))
    return tokens


def _unique(tokens: list[str]) -> list[str]:
    return list(dict.fromkeys(tokens))


def search_terms(*texts: str) -> str:
    """What to store in `Issue.search_text` for the given texts (title, description, …).

    NFKC-normalised and lowercased; each run of CJK ideographs becomes its overlapping bigrams
    (a lone ideograph stays as itself), each run of ASCII letters and digits one word; everything
    else only separates runs. Tokens are de-duplicated, first occurrence first, and joined by
    single spaces: search_terms("小区路灯不亮") == "小区 区路 路灯 灯不 不亮".
    """
    return " ".join(_unique([token for text in texts if text for token in _tokens(text)]))


def query_terms(query: str) -> list[str]:
    """The terms of what a user typed, tokenised like `search_terms`, at most 16 of them."""
    return _unique(_tokens(query or ""))[:MAX_QUERY_TERMS]


def _is_single_ideograph(term: str) -> bool:
    return len(term) == 1 and _RUN.fullmatch(term).group(1) is not None


def _tsquery(terms: list[str]) -> str:
    parts = []
    for term in terms:
        quoted = "'" + term.replace("'", "''") + "'"
        parts.append(quoted + ":*" if _is_single_ideograph(term) else quoted)
    return " & ".join(parts)


def _fts5_query(terms: list[str]) -> str:
    parts = []
    for term in terms:
        quoted = '"' + term.replace('"', '""') + '"'
        parts.append(quoted + "*" if _is_single_ideograph(term) else quoted)
    return " AND ".join(parts)


def matching(queryset: QuerySet, query: str) -> QuerySet:
    """The issues of `queryset` whose search_text holds every term of `query`.

    Terms are whole tokens: "路灯" finds "小区路灯不亮", and "路灯 3号楼" needs "路灯", "3" and
    "号楼" all present. A single ideograph typed on its own (a query such as "灯") cannot equal
    a bigram, so it is matched as a prefix: it finds issues with a token that *starts* with it
    ("灯不亮…", "路灯坏了" → token "灯坏") or a lone "灯", but not one where it only ends a
    CJK run ("小区路灯" has "路灯" and no token starting with 灯). An empty query (no terms)
    returns the queryset unchanged.
    """
    terms = query_terms(query)
    if not terms:
        return queryset
    vendor = connections[queryset.db].vendor
    if vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector

        return queryset.alias(search_vector=SearchVector("search_text", config="simple")).filter(
            search_vector=SearchQuery(_tsquery(terms), config="simple", search_type="raw")
        )
    if vendor == "sqlite":
        return queryset.filter(
            pk__in=RawSQL(
                "SELECT rowid FROM deliberation_issue_fts WHERE deliberation_issue_fts MATCH %s",
                [_fts5_query(terms)],
            )
        )
    for term in terms:
        queryset = queryset.filter(search_text__contains=term)
    return queryset
