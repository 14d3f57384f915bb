"""Reads for SOW pages and endpoints, scoped by the engagement's tenancy rule."""

from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404

from engagement.models import Engagement

from .models import Clause, ClauseVersion, SowDocument, SowSection, SowVersion


def sows_visible(*, user):
    return SowDocument.objects.filter(
        engagement__in=Engagement.objects.visible_to(user).values("pk")).select_related(
        "engagement")


def sow_get(*, user, engagement_pk, pk):
    return get_object_or_404(sows_visible(user=user), engagement_id=engagement_pk, pk=pk)


def sow_sections(*, sow):
    return list(SowSection.objects.filter(sow=sow).select_related("clause_version__clause"))


def sow_versions(*, sow):
    return list(SowVersion.objects.filter(sow=sow).select_related("author").defer("html"))


def versions_visible(*, user):
    return SowVersion.objects.filter(
        sow__engagement__in=Engagement.objects.visible_to(user).values("pk")).select_related(
        "sow__engagement", "author")


def latest_versions_for(*, engagement):
    """Each SOW of the engagement with its newest frozen version number and status."""
    return list(SowDocument.objects.filter(engagement=engagement).annotate(
        frozen=Count("versions")).order_by("created_at"))


def library(*, query="", category=""):
    """Clauses with their current published version, for browsing and search."""
    published = ClauseVersion.objects.filter(status=ClauseVersion.Status.PUBLISHED)
    clauses = Clause.objects.prefetch_related(
        Prefetch("versions", queryset=published.order_by("-number"), to_attr="published"))
    if category:
        clauses = clauses.filter(category=category)
    if query:
        clauses = clauses.filter(
            Q(title__icontains=query) | Q(key__icontains=query)
            | Q(versions__body__icontains=query) | Q(versions__guidance__icontains=query)
        ).distinct()
    return clauses


def clause_get(*, key):
    return get_object_or_404(Clause.objects.prefetch_related(
        Prefetch("versions", queryset=ClauseVersion.objects.order_by("-number").select_related(
            "created_by"))), key=key)


def clause_usage(*, clause, user):
    """Which visible SOWs pin which version of this clause."""
    return list(SowSection.objects.filter(
        clause_version__clause=clause,
        sow__engagement__in=Engagement.objects.visible_to(user).values("pk"),
    ).select_related("sow__engagement", "clause_version").order_by("sow_id", "position"))


def fix_clauses(keys):
    """The newest published version of each clause key, by key."""
    out = {}
    for v in ClauseVersion.objects.filter(clause__key__in=keys,
                                          status=ClauseVersion.Status.PUBLISHED).select_related(
            "clause").order_by("clause_id", "-number"):
        out.setdefault(v.clause.key, v)
    return out
