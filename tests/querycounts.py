"""Query-count measurement shared by every query-count test: a page or endpoint is fetched at
each data size and must cost the same number of queries at all of them."""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def measure(fn):
    """(number of queries, response) of one request, which must answer 200."""
    with CaptureQueriesContext(connection) as ctx:
        response = fn()
    assert response.status_code == 200, (response.status_code, getattr(response, "url", ""))
    return len(ctx.captured_queries), response


def count_queries(fn):
    return measure(fn)[0]


def counts_at_sizes(grow, fetch, sizes=(5, 50), check=None):
    """Query counts of `fetch` after growing the data to each size (grow(n) is idempotent).

    `check(response, n)`, when given, asserts what the response shows at size n, so a page that
    stops showing the data cannot pass by getting cheaper.
    """
    counts = []
    for n in sizes:
        grow(n)
        count, response = measure(fetch)
        if check is not None:
            check(response, n)
        counts.append(count)
    return counts
