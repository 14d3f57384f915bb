"""Page-number pagination whose page and total come from one query."""

from django.core.paginator import Page
from django.db.models import Count, Window
from rest_framework.pagination import PageNumberPagination

from .inputs import parse_id

TOTAL = "_window_total"


class WindowCountPagination(PageNumberPagination):
    """The same pages and JSON as the project's page-number pagination (config.rest), but the
    page's rows carry the total as COUNT(*) OVER (), so a list costs one query instead of a
    count and a page. For `.values()` querysets. A page past the end, or a page given as
    "last", goes the usual way (a count, then 404 or the last page)."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        page_size = self.get_page_size(request)
        number = parse_id(request.query_params.get(self.page_query_param, "1") or "1")
        if not page_size or not number:  # "last", junk or 0: the usual way
            return super().paginate_queryset(queryset, request, view)
        start = (number - 1) * page_size
        rows = list(queryset.annotate(**{TOTAL: Window(Count("pk"))})[start:start + page_size])
        if not rows:
            return super().paginate_queryset(queryset, request, view)
        paginator = self.django_paginator_class(queryset, page_size)
        paginator.count = rows[0][TOTAL]  # the cached property, known without a query
        for row in rows:
            del row[TOTAL]
        self.page = Page(rows, number, paginator)
        if paginator.num_pages > 1 and self.template is not None:
            self.display_page_controls = True
        self.request = request
        return rows
