"""Tenancy for the clause library (SOW documents use the engagement-scoped managers)."""

from django.db import models
from django.db.models import Exists, OuterRef, Q

from engagement.rules import in_client_organisation


class ClauseQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The shared starter library and the user's own organisation's clauses."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(Q(organisation__isnull=True) | Q(organisation_id=user.organisation_id))

    def search(self, query, *, user):
        """Title, key, or the text or guidance of a version the user may see (another
        organisation's draft text never makes a clause match)."""
        from .models import ClauseVersion

        query = (query or "").strip()
        if not query:
            return self
        text = ClauseVersion.objects.visible_to(user).filter(clause=OuterRef("pk")).filter(
            Q(body__icontains=query) | Q(guidance__icontains=query))
        return self.filter(Q(title__icontains=query) | Q(key__icontains=query) | Exists(text))


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
        drafts = own | (shared_drafts if in_client_organisation(user) else Q(pk__in=[]))
        return self.filter(own | shared).filter(settled | drafts)
