"""Tenancy lives here: `visible_to(user)` is the one place that decides what a user may see."""

from django.db import models
from django.db.models import Q


def _org_id(user):
    return getattr(user, "organisation_id", None)


class OrganisationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The user's own organisation and every organisation it shares an engagement with."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        org = _org_id(user)
        return self.filter(
            Q(pk=org)
            | Q(engagements_as_client__vendor_id=org)
            | Q(engagements_as_vendor__client_id=org)
        ).distinct()


class EngagementQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Engagements where the user's organisation is the client or the vendor."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        org = _org_id(user)
        if org is None:
            return self.none()
        return self.filter(Q(client_id=org) | Q(vendor_id=org))




class EngagementScopedQuerySet(models.QuerySet):
    """Rows that belong to an engagement through `engagement_path`; visible with it.

    Every model with a path to Engagement gets a manager built on this (a test walks the
    models and fails on one that has none), so pages, API, admin and exports ask one place.
    """

    engagement_path = "engagement"

    def visible_to(self, user):
        from .models import Engagement

        visible = Engagement.objects.visible_to(user).values("pk")
        return self.filter(**{f"{self.engagement_path}__in": visible})


def scoped_by(path):
    """A manager whose `visible_to(user)` follows `path` to the engagement."""
    name = "ScopedBy" + "".join(p.title() for p in path.split("__"))
    queryset = type(name, (EngagementScopedQuerySet,), {"engagement_path": path,
                                                        "__module__": __name__})
    return queryset.as_manager()


class NotificationQuerySet(EngagementScopedQuerySet):
    engagement_path = "engagement"

    def visible_to(self, user):
        """A notification is its recipient's alone (and only while the engagement is visible)."""
        return super().visible_to(user).filter(user_id=user.pk)


class AuditEventQuerySet(EngagementScopedQuerySet):
    engagement_path = "engagement"


class MilestoneQuerySet(EngagementScopedQuerySet):
    engagement_path = "engagement"


class CriterionQuerySet(EngagementScopedQuerySet):
    engagement_path = "milestone__engagement"


class ApprovalRequestQuerySet(EngagementScopedQuerySet):
    engagement_path = "engagement"
