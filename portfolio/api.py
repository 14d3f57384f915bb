"""GET /api/v1/portfolio/: the dashboard's rows, filtered and sorted as the page is."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from . import selectors
from .forms import DashboardFilter


class KPICountsSerializer(serializers.Serializer):
    on_track = serializers.IntegerField()
    at_risk = serializers.IntegerField()
    off_track = serializers.IntegerField()
    stale = serializers.IntegerField()


class PortfolioRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    client = serializers.CharField()
    vendor = serializers.CharField()
    format = serializers.CharField()
    status = serializers.CharField()
    currency = serializers.CharField()
    contract_value = serializers.DecimalField(max_digits=14, decimal_places=2)
    current_milestone = serializers.CharField(allow_null=True)
    ownership_mode = serializers.CharField(allow_null=True)
    milestones = serializers.IntegerField()
    milestones_accepted = serializers.IntegerField()
    released = serializers.DecimalField(max_digits=14, decimal_places=2)
    eligible = serializers.DecimalField(max_digits=14, decimal_places=2)
    held = serializers.DecimalField(max_digits=14, decimal_places=2)
    criteria_met = serializers.IntegerField()
    criteria_total = serializers.IntegerField()
    kpi_status = serializers.DictField(child=KPICountsSerializer(),
                                       help_text="Per layer: business, system, capability.")
    sow_check_score = serializers.IntegerField(allow_null=True, source="score")
    independence = serializers.FloatField(allow_null=True, help_text=(
        "Share of the five competency areas with at least one internal person at independent "
        "level (null before any assessment)."))
    bus_factor = serializers.FloatField(allow_null=True)
    open_approvals = serializers.IntegerField()
    overdue = serializers.IntegerField()
    at_risk = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())
    contract_pdf = serializers.SerializerMethodField()

    def get_contract_pdf(self, row) -> str | None:
        if not row.contract_pdf:
            return None
        engagement, sow, number = row.contract_pdf
        return f"/engagements/{engagement}/sows/{sow}/versions/{number}/pdf/"


class PortfolioView(APIView):
    """Every engagement you can see, with ladder progress, money, capability proven, KPI
    status counts, SOW-check score, open approvals and overdue items."""

    @extend_schema(parameters=[
        OpenApiParameter("format", str), OpenApiParameter("status", str),
        OpenApiParameter("vendor", int), OpenApiParameter("q", str),
        OpenApiParameter("at_risk", str, enum=["yes", "no"]),
        OpenApiParameter("sort", str, enum=list(selectors.SORTS)),
        OpenApiParameter("order", str, enum=["asc", "desc"]),
        OpenApiParameter("page", int)], responses={200: PortfolioRowSerializer(many=True)})
    def get(self, request):
        form = DashboardFilter(request.query_params or None,
                               vendors=selectors.vendor_choices(user=request.user))
        filters, sort, descending = form.selection()
        rows = selectors.dashboard_rows(user=request.user, filters=filters, sort=sort,
                                        descending=descending)
        paginator = api_settings.DEFAULT_PAGINATION_CLASS()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(PortfolioRowSerializer(page, many=True).data)
