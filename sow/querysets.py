"""Tenancy for the clause library (SOW documents use the engagement-scoped managers)."""

from django.db import models
from django.db.models import Q


def _client_side(user):
    org = getattr(user, "organisation", None)
    return org is not None and org.kind == "client"


class ClauseQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The shared starter library and the user's own organisation's clauses."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(Q(organisation__isnull=True) | Q(organisation_id=user.organisation_id))

    def search(self, query):
        """Title, key, or the text or guidance of any version."""
        query = (query or "").strip()
        if not query:
            return self
        return self.filter(
            Q(title__icontains=query) | Q(key__icontains=query)
            | Q(versions__body__icontains=query) | Q(versions__guidance__icontains=query)
        ).distinct()


class ClauseVersionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Versions of visible clauses. Drafts are work in progress: an organisation sees the
        drafts of its own clauses, and of the shared library those its own people wrote (or
        the library file brought in, for client-side users)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        own = Q(clause__organisation_id=user.organisation_id)
        shared = Q(clause__organisation__isnull=True)
        settled = Q(status__in=["published", "retired"])
        shared_drafts = shared & (Q(created_by__organisation_id=user.organisation_id)
                                  | Q(created_by__isnull=True))
        drafts = own | (shared_drafts if _client_side(user) else Q(pk__in=[]))
        return self.filter(own | shared).filter(settled | drafts)
