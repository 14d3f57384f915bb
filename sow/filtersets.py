"""Filters shared by the clause library page and the API lists."""

import django_filters

from .models import Clause, SowDocument


class ClauseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search title, key and text")
    category = django_filters.CharFilter()

    class Meta:
        model = Clause
        fields = ["q", "category"]

    def search(self, queryset, name, value):
        return queryset.search(value, user=self.request.user)


class SowFilter(django_filters.FilterSet):
    engagement = django_filters.NumberFilter(field_name="engagement_id")

    class Meta:
        model = SowDocument
        fields = ["engagement"]
