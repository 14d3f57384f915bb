"""Filters shared by the engagement list page and the API."""

import django_filters

from .models import AuditEvent, Engagement, Organisation


def _visible_clients(request):
    if request is None:
        return Organisation.objects.none()
    return Organisation.objects.visible_to(request.user).filter(kind=Organisation.Kind.CLIENT)


class EngagementFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", label="Title")
    status = django_filters.ChoiceFilter(choices=Engagement.Status.choices, empty_label="Any")
    format = django_filters.ChoiceFilter(choices=Engagement.Format.choices, empty_label="Any")
    client = django_filters.ModelChoiceFilter(queryset=_visible_clients, empty_label="Any")

    class Meta:
        model = Engagement
        fields = ["q", "status", "format", "client"]


class AuditEventFilter(django_filters.FilterSet):
    engagement = django_filters.NumberFilter(field_name="engagement_id")
    verb = django_filters.CharFilter()

    class Meta:
        model = AuditEvent
        fields = ["engagement", "verb"]
