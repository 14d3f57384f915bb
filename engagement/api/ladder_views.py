"""API for the ladder, criteria, RACI and two-key approvals. Viewsets stay thin: input
serializer → service → output serializer."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from common.api import VersionedMixin, if_match_version
from engagement import selectors, services
from engagement.filtersets import ApprovalRequestFilter, CriterionFilter, MilestoneFilter
from engagement.models import (
    AcceptanceCriterion,
    Approval,
    ApprovalRequest,
    ChangeRequest,
    Evidence,
    Milestone,
)

from .ladder_serializers import (
    ApprovalRequestSerializer,
    CriterionCreateSerializer,
    CriterionSerializer,
    DecisionSerializer,
    LadderGenerateSerializer,
    LadderSerializer,
    MilestoneSerializer,
    MilestoneTransitionSerializer,
    MilestoneWriteSerializer,
    RaciSerializer,
    VerifySerializer,
)


def warnings_by_milestone(engagement_ids):
    """Warn-rules for whole ladders (one query), keyed by milestone id."""
    ladders = {}
    for m in Milestone.objects.filter(engagement_id__in=engagement_ids).select_related(
            "engagement").only("id", "engagement", "position", "stream", "ownership_mode",
                               "is_transition", "start_week", "end_week", "title"):
        ladders.setdefault(m.engagement_id, []).append(m)
    out = {}
    for milestones in ladders.values():
        for pk, message in services.ladder_warnings(milestones[0].engagement, milestones):
            if pk is not None:
                out.setdefault(pk, []).append(message)
    return out


class MilestoneViewSet(VersionedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       viewsets.GenericViewSet):
    """Milestones of the engagements you can see, in ladder order, with their criteria."""

    serializer_class = MilestoneSerializer
    filterset_class = MilestoneFilter

    def get_queryset(self):
        return Milestone.objects.visible_to(self.request.user).select_related(
            "engagement").prefetch_related(
            Prefetch("criteria", queryset=AcceptanceCriterion.objects.prefetch_related(
                Prefetch("evidence", queryset=Evidence.objects.all()))),
            "deliverables",
        )

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["warnings"] = getattr(self, "_warnings", {})
        return context

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        self._warnings = warnings_by_milestone({m.engagement_id for m in page})
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def _detail(self, pk):
        milestone = get_object_or_404(self.get_queryset(), pk=pk)
        self._warnings = warnings_by_milestone({milestone.engagement_id})
        return self.versioned(self.get_serializer(milestone).data, milestone.version)

    def retrieve(self, request, pk=None):
        return self._detail(pk)

    @extend_schema(request=MilestoneWriteSerializer, responses={201: MilestoneSerializer})
    def create(self, request):
        data = MilestoneWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        fields.pop("version", None)
        missing = [f for f in ("engagement", "title", "start_week", "end_week", "ownership_mode")
                   if f not in fields]
        if missing:
            raise ValidationError({f: ["This field is required."] for f in missing})
        engagement = selectors.engagement_get(user=request.user, pk=fields.pop("engagement"))
        milestone = services.milestone_create(actor=request.user, engagement=engagement,
                                              **fields)
        response = self._detail(milestone.pk)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(
        request=MilestoneWriteSerializer, responses={200: MilestoneSerializer},
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=False,
                                     description="The ETag (version) you read.")],
    )
    def partial_update(self, request, pk=None):
        milestone = self.get_object()
        data = MilestoneWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        fields.pop("engagement", None)
        expected = self.expected_version(fields, noun="milestone")
        services.milestone_update(actor=request.user, milestone=milestone, data=fields,
                                  expected_version=expected)
        return self._detail(pk)

    @extend_schema(request=MilestoneTransitionSerializer, responses={200: MilestoneSerializer})
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        milestone = self.get_object()
        data = MilestoneTransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.milestone_transition(
            actor=request.user, milestone=milestone, to=data.validated_data["to"],
            reason=data.validated_data["reason"],
            expected_version=data.validated_data.get("version") or if_match_version(request))
        return self._detail(pk)


class CriterionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       viewsets.GenericViewSet):
    """Acceptance criteria with their evidence."""

    serializer_class = CriterionSerializer
    filterset_class = CriterionFilter

    def get_queryset(self):
        return AcceptanceCriterion.objects.visible_to(self.request.user).prefetch_related(
            "evidence")

    @extend_schema(request=CriterionCreateSerializer, responses={201: CriterionSerializer})
    def create(self, request):
        data = CriterionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        milestone = get_object_or_404(Milestone.objects.visible_to(request.user),
                                      pk=fields.pop("milestone"))
        criterion = services.criterion_add(actor=request.user, milestone=milestone, **fields)
        return Response(CriterionSerializer(self.get_queryset().get(pk=criterion.pk)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=VerifySerializer, responses={200: CriterionSerializer})
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        criterion = self.get_object()
        data = VerifySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.criterion_verify(actor=request.user, criterion=criterion,
                                  **data.validated_data)
        return Response(CriterionSerializer(self.get_queryset().get(pk=pk)).data)


class ApprovalRequestViewSet(viewsets.ReadOnlyModelViewSet):
    """Two-key decisions. `?mine=true` lists the ones waiting for your key."""

    serializer_class = ApprovalRequestSerializer
    filterset_class = ApprovalRequestFilter

    def get_queryset(self):
        return ApprovalRequest.objects.visible_to(self.request.user).prefetch_related(
            Prefetch("approvals", queryset=Approval.objects.all()))

    @extend_schema(request=DecisionSerializer, responses={200: ApprovalRequestSerializer})
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        approval_request = self.get_object()
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.approval_decide(actor=request.user, request=approval_request,
                                 **data.validated_data)
        return Response(ApprovalRequestSerializer(self.get_queryset().get(pk=pk)).data)


class EngagementLadderMixin:
    """`/engagements/{id}/ladder/` and `/engagements/{id}/raci/` on the engagement viewset."""

    def _ladder_response(self, engagement, code=status.HTTP_200_OK):
        milestones = selectors.ladder_for_page(engagement=engagement)
        warnings = services.ladder_warnings(engagement, milestones)
        per = {}
        for mid, msg in warnings:
            per.setdefault(mid, []).append(msg)
        data = {
            "milestones": MilestoneSerializer(milestones, many=True,
                                              context={"warnings": per}).data,
            "warnings": [msg for _, msg in warnings],
        }
        return Response(data, status=code)

    @extend_schema(request=LadderGenerateSerializer, responses={200: LadderSerializer,
                                                                201: LadderSerializer})
    @action(detail=True, methods=["get", "post"])
    def ladder(self, request, pk=None):
        engagement = selectors.engagement_get(user=request.user, pk=pk)
        if request.method == "GET":
            return self._ladder_response(engagement)
        data = LadderGenerateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.ladder_generate(actor=request.user, engagement=engagement,
                                 **data.validated_data)
        return self._ladder_response(engagement, status.HTTP_201_CREATED)

    @extend_schema(request=RaciSerializer, responses={200: RaciSerializer})
    @action(detail=True, methods=["get", "put"])
    def raci(self, request, pk=None):
        engagement = selectors.engagement_get(user=request.user, pk=pk)
        if request.method == "PUT":
            data = RaciSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            services.raci_save(actor=request.user, engagement=engagement,
                               cells=data.validated_data["cells"])
        cells = selectors.raci_for_page(engagement=engagement)
        return Response({"cells": cells, "warnings": services.raci_warnings(cells)})



class ChangeRequestSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChangeRequest
        fields = ["id", "engagement", "kind", "summary", "ticket_url", "evaluation_url", "risk",
                  "status", "requested_by", "created_at", "decided_at"]
        read_only_fields = ["id", "status", "requested_by", "created_at", "decided_at"]


class ChangeRequestViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Production changes (`?engagement={id}`); creating one opens its two-key request, decided
    through `approval-requests/{id}/decide/`."""

    serializer_class = ChangeRequestSerializer
    filterset_fields = ["engagement", "status", "kind"]

    def get_queryset(self):
        return ChangeRequest.objects.visible_to(self.request.user)

    def create(self, request, *args, **kwargs):
        data = ChangeRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        engagement = selectors.engagement_get(user=request.user, pk=fields.pop("engagement").pk)
        change = services.change_request_open(actor=request.user, engagement=engagement,
                                              **fields)
        return Response(ChangeRequestSerializer(change).data, status=status.HTTP_201_CREATED)
