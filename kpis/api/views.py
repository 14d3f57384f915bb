"""KPIs API: definitions (CRUD) with status, measurements (bulk, idempotent ingestion for
pipelines with a token), and the catalogue of standard KPIs."""

from django.contrib.auth import get_user_model
from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import VersionedMixin
from common.inputs import parse_id
from engagement import selectors as engagement_selectors

from .. import selectors, services
from .serializers import (
    CatalogueAddSerializer,
    CatalogueSerializer,
    KPISerializer,
    MeasurementInSerializer,
    MeasurementSerializer,
)

FIELDS = ("layer", "name", "unit", "direction", "baseline", "target", "lower", "upper",
          "target_date", "cadence", "source", "how_to_measure")


def kpi_data(k):
    return {
        "id": k.pk, "engagement": k.engagement_id, "layer": k.layer, "name": k.name,
        "unit": k.unit, "direction": k.direction, "baseline": k.baseline, "target": k.target,
        "lower": k.lower, "upper": k.upper, "target_date": k.target_date,
        "cadence": k.cadence, "source": k.source, "owner": k.owner_id,
        "how_to_measure": k.how_to_measure, "catalogue_key": k.catalogue_key,
        "waypoints": [{"date": w.date, "value": w.value} for w in k.points],
        "status": k.status.code, "status_reason": k.status.why,
        "latest": {"date": k.latest.date, "value": k.latest.value} if k.latest else None,
        "version": k.version,
    }


def _owner(engagement, owner_id):
    if owner_id is None:
        return None
    owner = get_user_model().objects.filter(
        Q(organisation_id__in=[engagement.client_id, engagement.vendor_id]), pk=owner_id).first()
    if owner is None:
        raise ValidationError({"owner": ["No such user at the client or the vendor."]})
    return owner


@extend_schema(parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)])
class KPIViewSet(VersionedMixin, viewsets.ViewSet):
    """KPIs of an engagement (`?engagement={id}` is required for the list), each with its
    `status`: on_track, at_risk, off_track or stale (the rule is in kpis.status)."""

    serializer_class = KPISerializer
    lookup_value_regex = r"\d+"

    def _kpi(self, pk):
        return selectors.kpi_detail(user=self.request.user, pk=pk)

    def _one(self, pk, code=status.HTTP_200_OK):
        kpi = self._kpi(pk)
        return self.versioned(KPISerializer(kpi_data(kpi)).data, kpi.version, code)

    @extend_schema(parameters=[OpenApiParameter("engagement", int, required=True)],
                   responses={200: KPISerializer(many=True)})
    def list(self, request):
        engagement_id = parse_id(request.query_params.get("engagement", ""))
        if engagement_id is None:
            raise ValidationError({"engagement": ["Give the engagement's id: ?engagement=…"]})
        engagement = engagement_selectors.engagement_get(user=request.user, pk=engagement_id)
        kpis = selectors.kpi_rows(engagement=engagement)
        return Response(KPISerializer([kpi_data(k) for k in kpis], many=True).data)

    @extend_schema(request=KPISerializer, responses={201: KPISerializer})
    def create(self, request):
        data = KPISerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        fields.pop("version", None)
        engagement = engagement_selectors.engagement_get(user=request.user,
                                                         pk=fields.pop("engagement"))
        fields["owner"] = _owner(engagement, fields.pop("owner", None))
        waypoints = [dict(w) for w in fields.pop("waypoints", [])]
        kpi = services.kpi_define(actor=request.user, engagement=engagement,
                                  waypoints=waypoints, **fields)
        return self._one(kpi.pk, status.HTTP_201_CREATED)

    @extend_schema(responses={200: KPISerializer})
    def retrieve(self, request, pk=None):
        return self._one(pk)

    @extend_schema(request=KPISerializer, responses={200: KPISerializer})
    def partial_update(self, request, pk=None):
        kpi = self._kpi(pk)
        data = KPISerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        fields.pop("engagement", None)
        expected = self.expected_version(fields, noun="KPI")
        if "owner" in fields:
            fields["owner"] = _owner(kpi.engagement, fields["owner"])
        waypoints = fields.pop("waypoints", None)
        services.kpi_update(actor=request.user, kpi=kpi, data=fields, expected_version=expected,
                            waypoints=[dict(w) for w in waypoints] if waypoints is not None
                            else None)
        return self._one(pk)

    def destroy(self, request, pk=None):
        services.kpi_delete(actor=request.user, kpi=self._kpi(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(methods=["GET"], responses={200: MeasurementSerializer(many=True)})
    @extend_schema(methods=["POST"], request=MeasurementInSerializer(many=True),
                   responses={200: MeasurementSerializer(many=True),
                              201: MeasurementSerializer(many=True)},
                   description="One measurement (an object) or many (a list). Idempotent on "
                               "KPI + date + source: a retried post records nothing new (200); "
                               "a new value answers 201. A bad item refuses the whole post with "
                               "400 naming its `row` and field.")
    @action(detail=True, methods=["get", "post"])
    def measurements(self, request, pk=None):
        kpi = self._kpi(pk)
        if request.method == "GET":
            rows = selectors.measurements_for(kpi=kpi)
            return Response(MeasurementSerializer([_m(m) for m in rows], many=True).data)
        items = request.data if isinstance(request.data, list) else [request.data]
        if not items or not all(isinstance(i, dict) for i in items):
            raise ValidationError({"detail": "Post an object {date, value, source, note} or a "
                                             "list of them."})
        if len(items) > 5000:
            raise ValidationError({"detail": "At most 5,000 measurements per post."})
        outcome = services.measurements_record(
            actor=request.user, engagement=kpi.engagement, via="api",
            rows=[{**{k: i.get(k) for k in ("date", "value", "source", "note")}, "kpi": kpi.pk}
                  for i in items])
        code = status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK
        body = {"created": outcome.created, "updated": outcome.updated,
                "unchanged": outcome.unchanged,
                "measurements": MeasurementSerializer([_m(m) for m in outcome.rows],
                                                      many=True).data}
        return Response(body, status=code)

    @extend_schema(request=CatalogueAddSerializer, responses={201: KPISerializer})
    @action(detail=False, methods=["post"], url_path="from-catalogue")
    def from_catalogue(self, request):
        data = CatalogueAddSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        engagement = engagement_selectors.engagement_get(
            user=request.user, pk=data.validated_data["engagement"])
        kpi = services.kpi_add_from_catalogue(
            actor=request.user, engagement=engagement, key=data.validated_data["key"],
            target_date=data.validated_data.get("target_date"))
        return self._one(kpi.pk, status.HTTP_201_CREATED)


def _m(m):
    return {"id": m.pk, "date": m.date, "value": m.value, "source": m.source, "note": m.note,
            "entered_by": m.entered_by_id}


class CatalogueView(APIView):
    """GET /api/v1/kpi-catalogue/: the standard KPIs and how to measure each."""

    @extend_schema(responses={200: CatalogueSerializer(many=True)})
    def get(self, request):
        return Response(CatalogueSerializer(services.catalogue(), many=True).data)
