"""Payment milestones API: the schedule with nested gate conditions, moves, on-demand checks."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import VersionedMixin
from common.inputs import parse_id
from engagement import selectors as engagement_selectors

from .. import selectors
from .. import services as payment_services
from ..selectors import schedule_rows
from .serializers import PaymentMilestoneSerializer, PaymentTransitionSerializer


def _data(p):
    return {
        "id": p.pk, "engagement": p.engagement_id, "label": p.label, "amount": p.amount,
        "due_date": p.due_date, "commercial_model": p.commercial_model, "status": p.status,
        "gate_met": p.gate_met, "invoice_reference": p.invoice_reference, "paid_on": p.paid_on,
        "version": p.version,
        "conditions": [{"kind": g["condition"].kind, "criterion": g["condition"].criterion_id,
                        "milestone": g["condition"].milestone_id,
                        "deliverable": g["condition"].deliverable_id,
                        "ref": g["condition"].ref_id, "threshold": g["condition"].threshold,
                        "met": g["met"], "describe": g["words"]}
                       for g in p.gate],
    }


class WaiverSerializer(serializers.Serializer):
    reason = serializers.CharField()


@extend_schema(parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)])
class PaymentMilestoneViewSet(VersionedMixin, viewsets.ViewSet):
    """Payment milestones of an engagement (`?engagement={id}` is required for the list)."""

    serializer_class = PaymentMilestoneSerializer
    lookup_value_regex = r"\d+"

    def _engagement(self, pk):
        return engagement_selectors.engagement_get(user=self.request.user, pk=pk)

    def _payment(self, pk):
        return get_object_or_404(selectors.payments_visible(user=self.request.user), pk=pk)

    def _one(self, payment, code=status.HTTP_200_OK):
        row = selectors.payment_row(payment)
        return self.versioned(PaymentMilestoneSerializer(_data(row)).data, row.version, code)

    @extend_schema(parameters=[OpenApiParameter("engagement", int, required=True)],
                   responses={200: PaymentMilestoneSerializer(many=True)})
    def list(self, request):
        engagement_id = parse_id(request.query_params.get("engagement", ""))
        if engagement_id is None:
            raise ValidationError({"engagement": ["Give the engagement's id: ?engagement=…"]})
        engagement = self._engagement(engagement_id)
        rows = schedule_rows(engagement)
        return Response(PaymentMilestoneSerializer([_data(p) for p in rows], many=True).data)

    @extend_schema(request=PaymentMilestoneSerializer,
                   responses={201: PaymentMilestoneSerializer})
    def create(self, request):
        data = PaymentMilestoneSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        fields.pop("version", None)
        engagement = self._engagement(fields.pop("engagement"))
        payment = payment_services.payment_create(
            actor=request.user, engagement=engagement,
            conditions=[dict(c) for c in fields.pop("conditions")], **fields)
        return self._one(payment, status.HTTP_201_CREATED)

    @extend_schema(responses={200: PaymentMilestoneSerializer})
    def retrieve(self, request, pk=None):
        return self._one(self._payment(pk))

    @extend_schema(request=PaymentMilestoneSerializer,
                   responses={200: PaymentMilestoneSerializer})
    def partial_update(self, request, pk=None):
        payment = self._payment(pk)
        data = PaymentMilestoneSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        fields.pop("engagement", None)
        expected = self.expected_version(fields, noun="payment")
        conditions = fields.pop("conditions", None)
        payment_services.payment_update(
            actor=request.user, payment=payment, data=fields, expected_version=expected,
            conditions=[dict(c) for c in conditions] if conditions is not None else None)
        payment.refresh_from_db()
        return self._one(payment)

    @extend_schema(request=PaymentTransitionSerializer,
                   responses={200: PaymentMilestoneSerializer, 202: PaymentMilestoneSerializer})
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """`approved` opens the two-key release (202); `invoiced` and `paid` record settlement."""
        payment = self._payment(pk)
        data = PaymentTransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        to = data.validated_data["to"]
        if to == "approved":
            payment_services.payment_request_release(actor=request.user, payment=payment)
            return self._one(payment, status.HTTP_202_ACCEPTED)
        if to == "invoiced":
            payment_services.payment_mark_invoiced(
                actor=request.user, payment=payment,
                invoice_reference=data.validated_data["invoice_reference"])
        else:
            if "paid_on" not in data.validated_data:
                raise ValidationError({"paid_on": ["Give the date the payment arrived."]})
            payment_services.payment_mark_paid(actor=request.user, payment=payment,
                                               paid_on=data.validated_data["paid_on"])
        payment.refresh_from_db()
        return self._one(payment)

    @extend_schema(request=WaiverSerializer, responses={202: PaymentMilestoneSerializer})
    @action(detail=True, methods=["post"])
    def waive(self, request, pk=None):
        """Time and materials: ask two client-side keys to waive this month's OKRs (202)."""
        payment = self._payment(pk)
        data = WaiverSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payment_services.payment_request_waiver(actor=request.user, payment=payment,
                                                reason=data.validated_data["reason"])
        return self._one(payment, status.HTTP_202_ACCEPTED)


class EvaluateGatesView(APIView):
    """POST /api/v1/engagements/{id}/evaluate-gates/: check its gates now, as the page's
    "Check gates now" does (202, with how many payments changed state)."""

    @extend_schema(request=None, responses={202: None})
    def post(self, request, pk):
        engagement = engagement_selectors.engagement_get(user=request.user, pk=pk)
        moved = payment_services.payments_check_gates(actor=request.user, engagement=engagement)
        return Response({"detail": "Gates checked.", "engagement": engagement.pk,
                         "changed": len(moved)}, status=status.HTTP_202_ACCEPTED)
