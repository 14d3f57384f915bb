"""Filters shared by the clause library and Contracts pages and the API lists."""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef

from .models import Clause, SowDocument, SowVersion


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


def _final_jobs():
    from .models import RenderJob

    return RenderJob.objects.filter(sow_version=OuterRef("pk"), variant=RenderJob.Variant.FINAL)


class ContractFilter(django_filters.FilterSet):
    """The Contracts page: approved and signed versions. Engagement is a title search, not a
    list of every engagement (a portfolio of hundreds would make the form the page's cost)."""

    q = django_filters.CharFilter(field_name="sow__engagement__title", lookup_expr="icontains",
                                  label="Engagement")
    engagement = django_filters.NumberFilter(field_name="sow__engagement_id",
                                             widget=forms.HiddenInput)
    signed = django_filters.ChoiceFilter(
        label="Signed", empty_label="Any", method="filter_signed",
        choices=[("yes", "Signed"), ("no", "Approved, not yet signed")])
    pdf = django_filters.ChoiceFilter(
        label="PDF", empty_label="Any", method="filter_pdf",
        choices=[("ready", "Ready to download"), ("rendering", "Rendering"),
                 ("none", "Not rendered")])

    class Meta:
        model = SowVersion
        fields = ["q", "engagement", "signed", "pdf"]

    def filter_signed(self, queryset, name, value):
        return queryset.filter(status="signed" if value == "yes" else "approved")

    def filter_pdf(self, queryset, name, value):
        jobs = _final_jobs()
        if value == "ready":
            return queryset.filter(Exists(jobs.filter(status="succeeded")))
        if value == "rendering":
            return queryset.filter(Exists(jobs.filter(status__in=["queued", "running"])))
        return queryset.filter(~Exists(jobs.exclude(status="failed")))
