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


class AuditEventQuerySet(models.QuerySet):
    def visible_to(self, user):
        from .models import Engagement

        return self.filter(engagement__in=Engagement.objects.visible_to(user).values("pk"))
