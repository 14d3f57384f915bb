"""API routes under /api/v1/."""

from rest_framework.routers import DefaultRouter

from engagement.api.ladder_views import (
    ApprovalRequestViewSet,
    ChangeRequestViewSet,
    CriterionViewSet,
    MilestoneViewSet,
)
from engagement.api.views import AuditEventViewSet, EngagementViewSet, OrganisationViewSet
from kpis.api.people import AssessmentViewSet, DrillViewSet
from kpis.api.views import KPIViewSet
from payments.api.views import PaymentMilestoneViewSet
from sow.api.views import ClauseViewSet, RenderJobViewSet, SowVersionViewSet, SowViewSet

router = DefaultRouter()
router.register("engagements", EngagementViewSet, basename="engagement")
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("audit-events", AuditEventViewSet, basename="audit-event")
router.register("milestones", MilestoneViewSet, basename="milestone")
router.register("criteria", CriterionViewSet, basename="criterion")
router.register("approval-requests", ApprovalRequestViewSet, basename="approval-request")
router.register("change-requests", ChangeRequestViewSet, basename="change-request")
router.register("clauses", ClauseViewSet, basename="clause")
router.register("sows", SowViewSet, basename="sow")
router.register("sow-versions", SowVersionViewSet, basename="sow-version")
router.register("render-jobs", RenderJobViewSet, basename="render-job")
router.register("payment-milestones", PaymentMilestoneViewSet, basename="payment-milestone")
router.register("kpis", KPIViewSet, basename="kpi")
router.register("competency-assessments", AssessmentViewSet, basename="competency-assessment")
router.register("drills", DrillViewSet, basename="drill")
