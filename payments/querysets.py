"""Tenancy for payments: every row is visible exactly when its engagement is."""

from engagement.querysets import EngagementScopedQuerySet


class PaymentMilestoneQuerySet(EngagementScopedQuerySet):
    engagement_path = "engagement"


class GateConditionQuerySet(EngagementScopedQuerySet):
    engagement_path = "payment__engagement"
