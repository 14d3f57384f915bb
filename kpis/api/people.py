"""People API: the competency rubric, assessments (CRUD), the independence index over time,
and incident drills (CRUD plus review)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from common.inputs import parse_id
from engagement import selectors as engagement_selectors
from engagement.models import StaffingAssignment

from .. import selectors, services
from ..models import Area, CompetencyAssessment, IncidentDrill, Level


class RubricCellSerializer(serializers.Serializer):
    area = serializers.ChoiceField(choices=Area.choices)
    level = serializers.ChoiceField(choices=Level.choices)
    description = serializers.CharField()


class RubricView(APIView):
    """GET: your organisation's rubric (its own wording over the defaults). PUT one cell."""

    @extend_schema(responses={200: RubricCellSerializer(many=True)})
    def get(self, request):
        cells = services.rubric_for(request.user.organisation)
        return Response([{"area": a, "level": lv, "description": text}
                         for (a, lv), text in cells.items()])

    @extend_schema(request=RubricCellSerializer, responses={200: RubricCellSerializer})
    def put(self, request):
        data = RubricCellSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.rubric_cell_update(actor=request.user, organisation=request.user.organisation,
                                    **data.validated_data)
        return Response(data.validated_data)


class AssessmentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    engagement = serializers.IntegerField()
    person = serializers.IntegerField(help_text="A staffing entry of an internal person.")
    person_name = serializers.CharField(read_only=True)
    area = serializers.ChoiceField(choices=Area.choices)
    level = serializers.ChoiceField(choices=Level.choices)
    round = serializers.ChoiceField(choices=CompetencyAssessment.Round.choices, default="other")
    assessed_on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, default="")
    evidence_url = serializers.URLField(required=False, allow_blank=True, default="")
    assessor = serializers.IntegerField(read_only=True)


def _assessment(a):
    return {"id": a.pk, "engagement": a.engagement_id, "person": a.person_id,
            "person_name": a.person.display_name, "area": a.area, "level": a.level,
            "round": a.round, "assessed_on": a.assessed_on, "note": a.note,
            "evidence_url": a.evidence_url, "assessor": a.assessor_id}


def _engagement_param(request):
    engagement_id = parse_id(request.query_params.get("engagement", ""))
    if engagement_id is None:
        raise ValidationError({"engagement": ["Give the engagement's id: ?engagement=…"]})
    return engagement_selectors.engagement_get(user=request.user, pk=engagement_id)


def _person(engagement, person_id, field="person"):
    person = StaffingAssignment.objects.filter(engagement=engagement, pk=person_id).first()
    if person is None:
        raise ValidationError({field: ["No such person on this engagement."]})
    return person


@extend_schema(parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)])
class AssessmentViewSet(viewsets.ViewSet):
    """Competency assessments of an engagement (`?engagement={id}` for the list)."""

    serializer_class = AssessmentSerializer
    lookup_value_regex = r"\d+"

    def _get(self, pk):
        return get_object_or_404(selectors.assessments_visible(user=self.request.user), pk=pk)

    @extend_schema(parameters=[OpenApiParameter("engagement", int, required=True)],
                   responses={200: AssessmentSerializer(many=True)})
    def list(self, request):
        engagement = _engagement_param(request)
        rows = selectors.assessments_visible(user=request.user).filter(engagement=engagement)
        return Response(AssessmentSerializer([_assessment(a) for a in rows], many=True).data)

    @extend_schema(request=AssessmentSerializer, responses={201: AssessmentSerializer})
    def create(self, request):
        data = AssessmentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        engagement = engagement_selectors.engagement_get(user=request.user,
                                                         pk=fields.pop("engagement"))
        fields["person"] = _person(engagement, fields["person"])
        a = services.assessment_record(actor=request.user, engagement=engagement, **fields)
        return Response(AssessmentSerializer(_assessment(self._get(a.pk))).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: AssessmentSerializer})
    def retrieve(self, request, pk=None):
        return Response(AssessmentSerializer(_assessment(self._get(pk))).data)

    @extend_schema(request=AssessmentSerializer, responses={200: AssessmentSerializer})
    def partial_update(self, request, pk=None):
        a = self._get(pk)
        data = AssessmentSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = {k: v for k, v in data.validated_data.items()
                  if k in ("level", "note", "evidence_url", "round")}
        services.assessment_update(actor=request.user, assessment=a, data=fields)
        return Response(AssessmentSerializer(_assessment(self._get(pk))).data)

    @extend_schema(parameters=[OpenApiParameter("reason", str, required=True)])
    def destroy(self, request, pk=None):
        services.assessment_delete(actor=request.user, assessment=self._get(pk),
                                   reason=request.query_params.get("reason", ""))
        return Response(status=status.HTTP_204_NO_CONTENT)


class IndependencePointSerializer(serializers.Serializer):
    date = serializers.DateField()
    index = serializers.FloatField()
    bus_factor = serializers.FloatField()


class IndependenceSerializer(serializers.Serializer):
    index = serializers.FloatField(help_text="Share of the five areas with at least one "
                                             "internal person at independent level.")
    bus_factor = serializers.FloatField(help_text="Share of areas with two or more.")
    areas = serializers.DictField(child=serializers.IntegerField(),
                                  help_text="People at independent level, per area.")
    over_time = IndependencePointSerializer(many=True)


class IndependenceView(APIView):
    """GET /api/v1/engagements/{id}/independence/: the index now and over time."""

    @extend_schema(responses={200: IndependenceSerializer})
    def get(self, request, pk):
        engagement = engagement_selectors.engagement_get(user=request.user, pk=pk)
        data = selectors.heatmap(engagement=engagement)
        return Response({
            "index": data["index"]["index"], "bus_factor": data["index"]["bus_factor"],
            "areas": {area: len(p) for area, p in data["index"]["areas"].items()},
            "over_time": [{"date": d, "index": i, "bus_factor": b}
                          for d, i, b in data["over_time"]]})


class DrillSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    engagement = serializers.IntegerField()
    scenario = serializers.ChoiceField(choices=IncidentDrill.Scenario.choices)
    scenario_detail = serializers.CharField(required=False, allow_blank=True, default="")
    planned_for = serializers.DateField()
    criterion = serializers.IntegerField(required=False, allow_null=True)
    sla_detect_minutes = serializers.IntegerField(default=15, min_value=1)
    sla_restore_minutes = serializers.IntegerField(default=60, min_value=1)
    held_on = serializers.DateField(required=False, allow_null=True)
    detect_minutes = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    restore_minutes = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    primary_responder = serializers.IntegerField(required=False, allow_null=True)
    primary_side = serializers.ChoiceField(read_only=True, allow_null=True,
                                           choices=["internal", "vendor"])
    vendor_role = serializers.ChoiceField(choices=IncidentDrill.VendorRole.choices,
                                          required=False)
    postmortem_url = serializers.URLField(required=False, allow_blank=True)
    review = serializers.CharField(read_only=True)
    result = serializers.ChoiceField(read_only=True, choices=IncidentDrill.Result.choices)
    result_reason = serializers.CharField(read_only=True)
    version = serializers.IntegerField(required=False)


class DrillReviewSerializer(serializers.Serializer):
    review = serializers.ChoiceField(choices=["complete", "needs_work"])
    note = serializers.CharField(required=False, allow_blank=True, default="")


def _drill(d):
    side = d.primary_responder.side if d.primary_responder_id else (
        "vendor" if d.vendor_role == "primary" else None)
    return {"id": d.pk, "engagement": d.engagement_id, "scenario": d.scenario,
            "scenario_detail": d.scenario_detail, "planned_for": d.planned_for,
            "criterion": d.criterion_id, "sla_detect_minutes": d.sla_detect_minutes,
            "sla_restore_minutes": d.sla_restore_minutes, "held_on": d.held_on,
            "detect_minutes": d.detect_minutes, "restore_minutes": d.restore_minutes,
            "primary_responder": d.primary_responder_id, "primary_side": side,
            "vendor_role": d.vendor_role, "postmortem_url": d.postmortem_url,
            "review": d.review, "result": d.result, "result_reason": d.result_reason,
            "version": d.version}


@extend_schema(parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)])
class DrillViewSet(viewsets.ViewSet):
    """Incident drills of an engagement (`?engagement={id}` for the list). POST plans one;
    PATCH with held_on, detect_minutes, restore_minutes, primary_responder (and vendor_role,
    postmortem_url) records what happened; `{id}/review/` is the client-side review."""

    serializer_class = DrillSerializer
    lookup_value_regex = r"\d+"

    def _get(self, pk):
        return get_object_or_404(selectors.drills_visible(user=self.request.user), pk=pk)

    @extend_schema(parameters=[OpenApiParameter("engagement", int, required=True)],
                   responses={200: DrillSerializer(many=True)})
    def list(self, request):
        engagement = _engagement_param(request)
        return Response(DrillSerializer([_drill(d) for d in selectors.drills_for(
            engagement=engagement)], many=True).data)

    @extend_schema(request=DrillSerializer, responses={201: DrillSerializer})
    def create(self, request):
        data = DrillSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        f = data.validated_data
        engagement = engagement_selectors.engagement_get(user=request.user, pk=f["engagement"])
        criterion = None
        if f.get("criterion"):
            from engagement.models import AcceptanceCriterion

            criterion = AcceptanceCriterion.objects.filter(
                pk=f["criterion"], milestone__engagement=engagement).first()
            if criterion is None:
                raise ValidationError({"criterion": ["No such criterion on this engagement."]})
        drill = services.drill_plan(
            actor=request.user, engagement=engagement, scenario=f["scenario"],
            planned_for=f["planned_for"], sla_detect_minutes=f["sla_detect_minutes"],
            sla_restore_minutes=f["sla_restore_minutes"], criterion=criterion,
            scenario_detail=f["scenario_detail"])
        return Response(DrillSerializer(_drill(self._get(drill.pk))).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: DrillSerializer})
    def retrieve(self, request, pk=None):
        return Response(DrillSerializer(_drill(self._get(pk))).data)

    @extend_schema(request=DrillSerializer, responses={200: DrillSerializer})
    def partial_update(self, request, pk=None):
        drill = self._get(pk)
        data = DrillSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        f = data.validated_data
        missing = [k for k in ("held_on", "detect_minutes", "restore_minutes",
                               "primary_responder") if f.get(k) is None]
        if missing:
            raise ValidationError({k: ["Required to record the drill."] for k in missing})
        services.drill_record(
            actor=request.user, drill=drill, held_on=f["held_on"],
            detect_minutes=f["detect_minutes"], restore_minutes=f["restore_minutes"],
            primary_responder=_person(drill.engagement, f["primary_responder"],
                                      "primary_responder"),
            vendor_role=f.get("vendor_role", "shadowing"),
            postmortem_url=f.get("postmortem_url", ""), expected_version=f.get("version"))
        return Response(DrillSerializer(_drill(self._get(pk))).data)

    def destroy(self, request, pk=None):
        services.drill_delete(actor=request.user, drill=self._get(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=DrillReviewSerializer, responses={200: DrillSerializer})
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        data = DrillReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.drill_review(actor=request.user, drill=self._get(pk), **data.validated_data)
        return Response(DrillSerializer(_drill(self._get(pk))).data)
