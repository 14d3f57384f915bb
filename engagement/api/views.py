from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from common.api import VersionedMixin
from common.pagination import WindowCountPagination
from engagement import selectors, services
from engagement.filtersets import AuditEventFilter, EngagementFilter
from engagement.models import ReadinessBaseline, StaffingAssignment
from engagement.rules import RulesPermission

from .ladder_views import EngagementLadderMixin
from .serializers import (
    AuditEventSerializer,
    EngagementCreateSerializer,
    EngagementDetailSerializer,
    EngagementListSerializer,
    EngagementSerializer,
    EngagementUpdateSerializer,
    OrganisationSerializer,
    TransitionSerializer,
)


class EngagementViewSet(VersionedMixin, EngagementLadderMixin, mixins.ListModelMixin,
                        mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Engagements where your organisation is the client or the vendor."""

    serializer_class = EngagementSerializer
    filterset_class = EngagementFilter
    pagination_class = WindowCountPagination
    permission_classes = [IsAuthenticated, RulesPermission]
    action_permissions = {"create": "engagement.add_engagement",
                          "partial_update": "engagement.change_engagement",
                          "transition": "engagement.transition_engagement"}

    def get_queryset(self):
        qs = selectors.engagement_list(user=self.request.user)
        if self.action != "list":
            qs = qs.prefetch_related(
                Prefetch("staffing", queryset=StaffingAssignment.objects.select_related("user")),
                Prefetch("baselines", queryset=ReadinessBaseline.objects.all()),
            )
        return qs

    def get_serializer_class(self):
        return EngagementSerializer if self.action == "list" else EngagementDetailSerializer

    def list(self, request, *args, **kwargs):
        # Plain values, written by a serializer with no per-row field machinery: the same
        # JSON as EngagementSerializer (a test compares them) at about the cost of the rows.
        rows = self.get_queryset()
        if self.filterset_class.base_filters.keys() & request.query_params.keys():
            # Without a filter in the query the filterset's form would only cost time.
            rows = self.filter_queryset(rows)
        rows = rows.values(*EngagementListSerializer.VALUES)
        page = self.paginate_queryset(rows)
        if page is None:
            return Response(EngagementListSerializer(rows, many=True).data)
        return self.get_paginated_response(EngagementListSerializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        engagement = self.get_object()
        return self.versioned(self.get_serializer(engagement).data, engagement.version)

    @extend_schema(request=EngagementCreateSerializer,
                   responses={201: EngagementDetailSerializer})
    def create(self, request):
        data = EngagementCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        engagement = services.engagement_create(actor=request.user, **data.validated_data)
        engagement = self.get_queryset().get(pk=engagement.pk)
        return Response(EngagementDetailSerializer(engagement).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(
        request=EngagementUpdateSerializer, responses={200: EngagementDetailSerializer},
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=False,
                                     description="The ETag (version) you read.")],
    )
    def partial_update(self, request, pk=None):
        engagement = self.get_object()
        data = EngagementUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        expected = self.expected_version(fields, noun="engagement")
        services.engagement_update(actor=request.user, engagement=engagement, data=fields,
                                   expected_version=expected)
        return self.retrieve(request, pk=pk)

    @extend_schema(request=TransitionSerializer, responses={200: EngagementDetailSerializer})
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        engagement = self.get_object()
        data = TransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.engagement_transition(actor=request.user, engagement=engagement,
                                       to=data.validated_data["to"],
                                       reason=data.validated_data["reason"],
                                       acknowledge_warnings=data.validated_data[
                                           "acknowledge_warnings"])
        return self.retrieve(request, pk=pk)


class OrganisationViewSet(viewsets.ReadOnlyModelViewSet):
    """Your organisation and those you share an engagement with."""

    serializer_class = OrganisationSerializer

    def get_queryset(self):
        return selectors.organisations_visible(user=self.request.user)


class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    """The append-only audit log of the engagements you can see, newest first."""

    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter

    def get_queryset(self):
        return selectors.audit_events_for(user=self.request.user)

