"""Text matching for search: PostgreSQL full-text search (stemmed, so "retrain" finds
"retraining") where available, case-insensitive containment elsewhere (SQLite)."""

from functools import reduce
from operator import or_

from django.db import connection
from django.db.models import Q


def matching(queryset, fields, text):
    """`queryset` filtered to rows where any of `fields` matches `text`."""
    text = (text or "").strip()
    if not text:
        return queryset.none()
    contains = reduce(or_, (Q(**{f"{f}__icontains": text}) for f in fields))
    if connection.vendor != "postgresql":
        return queryset.filter(contains)
    from django.contrib.postgres.search import SearchQuery, SearchVector

    vector = SearchVector(*fields, config="english")
    query = SearchQuery(text, config="english", search_type="websearch")
    return queryset.annotate(_search=vector).filter(Q(_search=query) | contains)


def snippet(text, words, width=160):
    """A short extract of `text` around the first of `words` found (case-insensitive)."""
    text = " ".join((text or "").split())
    lowered = text.lower()
    hits = [lowered.find(w.lower()[:5]) for w in words if w and lowered.find(w.lower()[:5]) >= 0]
    start = max(0, min(hits) - width // 3) if hits else 0
    cut = text[start:start + width]
    return ("…" if start else "") + cut + ("…" if start + width < len(text) else "")
