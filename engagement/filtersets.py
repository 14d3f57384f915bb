"""Filters shared by list pages and the API (one definition per list)."""

import django_filters

from . import selectors
from .models import (
    AcceptanceCriterion,
    ApprovalRequest,
    AuditEvent,
    Engagement,
    Milestone,
    Organisation,
)


def _visible_clients(request):
    if request is None:
        return Organisation.objects.none()
    return Organisation.objects.visible_to(request.user).filter(kind=Organisation.Kind.CLIENT)


class EngagementFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", label="Title")
    status = django_filters.ChoiceFilter(choices=Engagement.Status.choices, empty_label="Any")
    format = django_filters.ChoiceFilter(choices=Engagement.Format.choices, empty_label="Any")
    client = django_filters.ModelChoiceFilter(queryset=_visible_clients, empty_label="Any")
    sort = django_filters.OrderingFilter(
        fields=(("title", "title"), ("start_date", "start"), ("status", "status"),
                ("contract_value", "value"), ("format", "format")),
        field_labels={"title": "Title", "start_date": "Start date", "status": "Status",
                      "contract_value": "Value", "format": "Format"},
        label="Sort by", empty_label="Newest first")

    class Meta:
        model = Engagement
        fields = ["q", "status", "format", "client"]


class AuditEventFilter(django_filters.FilterSet):
    engagement = django_filters.NumberFilter(field_name="engagement_id")
    verb = django_filters.CharFilter()

    class Meta:
        model = AuditEvent
        fields = ["engagement", "verb"]


class MilestoneFilter(django_filters.FilterSet):
    engagement = django_filters.NumberFilter(field_name="engagement_id")
    status = django_filters.ChoiceFilter(choices=Milestone.Status.choices)
    stream = django_filters.ChoiceFilter(choices=Milestone.Stream.choices)

    class Meta:
        model = Milestone
        fields = ["engagement", "status", "stream"]


class CriterionFilter(django_filters.FilterSet):
    milestone = django_filters.NumberFilter(field_name="milestone_id")
    engagement = django_filters.NumberFilter(field_name="milestone__engagement_id")
    status = django_filters.ChoiceFilter(choices=AcceptanceCriterion.Status.choices)

    class Meta:
        model = AcceptanceCriterion
        fields = ["milestone", "engagement", "status"]


class ApprovalRequestFilter(django_filters.FilterSet):
    engagement = django_filters.NumberFilter(field_name="engagement_id")
    kind = django_filters.ChoiceFilter(choices=ApprovalRequest.Kind.choices)
    status = django_filters.ChoiceFilter(choices=ApprovalRequest.Status.choices)
    mine = django_filters.BooleanFilter(method="filter_mine",
                                        label="Only requests you can turn a key on now")

    class Meta:
        model = ApprovalRequest
        fields = ["engagement", "kind", "status", "mine"]

    def filter_mine(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(pk__in=selectors.approvals_inbox(user=self.request.user)
                               .values("pk"))
