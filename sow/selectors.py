"""Reads for SOW pages and endpoints, scoped by the engagement's tenancy rule."""

from django.db.models import Count, F, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import Clause, ClauseVersion, SowDocument, SowSection, SowVersion


def sows_visible(*, user):
    return SowDocument.objects.visible_to(user).select_related("engagement")


def sow_get(*, user, engagement_pk, pk):
    return get_object_or_404(sows_visible(user=user), engagement_id=engagement_pk, pk=pk)


def sow_sections(*, sow):
    return list(SowSection.objects.filter(sow=sow).select_related("clause_version__clause"))


def sow_versions(*, sow):
    return list(SowVersion.objects.filter(sow=sow).select_related("author").defer("html"))


def versions_visible(*, user):
    return SowVersion.objects.visible_to(user).select_related("sow__engagement", "author")


def latest_frozen_versions(*, engagement):
    """Latest frozen version of each SOW with its check score at freezing (one query)."""
    latest = {}
    for v in SowVersion.objects.filter(sow__engagement=engagement).select_related("sow").defer(
            "html").order_by("sow_id", "number"):
        latest[v.sow_id] = v
    return list(latest.values())


def latest_versions_for(*, engagement):
    """Each SOW of the engagement with its newest frozen version number and status."""
    return list(SowDocument.objects.filter(engagement=engagement).annotate(
        frozen=Count("versions")).order_by("created_at"))


def library(*, user, query="", category=""):
    """Clauses the user may see with their current published version, for browsing and search."""
    published = ClauseVersion.objects.filter(status=ClauseVersion.Status.PUBLISHED)
    clauses = Clause.objects.visible_to(user).prefetch_related(
        Prefetch("versions", queryset=published.order_by("-number"), to_attr="published"))
    if category:
        clauses = clauses.filter(category=category)
    return clauses.search(query, user=user)


def clause_get(*, user, key):
    """One visible clause with the versions the user may see, newest first."""
    versions = ClauseVersion.objects.visible_to(user).order_by("-number").select_related(
        "created_by")
    # An organisation's own clause may share its key with a starter clause: its own comes first.
    clause = (Clause.objects.visible_to(user).filter(key=key)
              .order_by(F("organisation").asc(nulls_last=True))
              .prefetch_related(Prefetch("versions", queryset=versions)).first())
    if clause is None:
        raise Http404("There is no such clause in your library.")
    return clause


def clause_versions(*, user, clause):
    return ClauseVersion.objects.visible_to(user).filter(clause=clause).order_by("-number")


def clause_version_get(*, user, pk, published=False):
    versions = ClauseVersion.objects.visible_to(user).select_related("clause")
    if published:
        versions = versions.filter(status=ClauseVersion.Status.PUBLISHED)
    return get_object_or_404(versions, pk=pk)


def clause_usage(*, clause, user):
    """Which visible SOWs pin which version of this clause."""
    return list(SowSection.objects.visible_to(user).filter(
        clause_version__clause=clause,
    ).select_related("sow__engagement", "clause_version").order_by("sow_id", "position"))


def fix_clauses(keys, *, user=None):
    """The newest published version of each clause key (that the user may see), by key."""
    out = {}
    versions = ClauseVersion.objects.visible_to(user) if user else ClauseVersion.objects.all()
    for v in versions.filter(clause__key__in=keys,
                                          status=ClauseVersion.Status.PUBLISHED).select_related(
            "clause").order_by("clause_id", "-number"):
        out.setdefault(v.clause.key, v)
    return out


def contract_facts(engagement_ids):
    """{engagement_id: {"score", "version", "status", "pdf": (pk, sow_pk, number) or None}}:
    the SOW-check score of each engagement's latest frozen version and its latest approved
    contract with a final PDF ready (two queries; nothing heavy is loaded)."""
    from django.db.models import QuerySet
    from django.db.models.fields.json import KeyTextTransform

    from .models import RenderJob, SowVersion

    ids = engagement_ids if isinstance(engagement_ids, QuerySet) else list(engagement_ids)
    out = {}
    for row in SowVersion.objects.filter(sow__engagement_id__in=ids).annotate(
            score=KeyTextTransform("score", KeyTextTransform("check", "source"))).order_by(
            "sow__engagement_id", "-created_at", "-number").values(
            "sow__engagement_id", "number", "status", "score"):
        out.setdefault(row["sow__engagement_id"], {
            "score": _whole(row["score"]),
            "version": row["number"], "status": row["status"], "pdf": None})
    for row in RenderJob.objects.filter(
            sow_version__sow__engagement_id__in=ids, variant="final", status="succeeded",
            sow_version__status__in=["approved", "signed"]).order_by(
            "sow_version__sow__engagement_id", "-sow_version__created_at").values(
            "sow_version__sow__engagement_id", "sow_version__sow_id", "sow_version__number"):
        facts = out.setdefault(row["sow_version__sow__engagement_id"], {
            "score": None, "version": None, "status": None, "pdf": None})
        if facts["pdf"] is None:
            facts["pdf"] = (row["sow_version__sow__engagement_id"], row["sow_version__sow_id"],
                            row["sow_version__number"])
    return out


def _whole(value):
    """A JSON number read as text (PostgreSQL) or as a number (SQLite): int or None."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None



def contracts(*, user):
    """Approved and signed versions the user can see, for the Contracts page, each with its
    live final-PDF job's status, SHA-256 and size (one query): without their HTML and source
    (each is tens of KB), newest version of each SOW first. Filter it, then read rows with
    `contract_rows`."""
    from django.db.models import OuterRef, Subquery

    from .models import RenderJob

    job = RenderJob.objects.filter(sow_version=OuterRef("pk"), variant=RenderJob.Variant.FINAL
                                   ).exclude(status=RenderJob.Status.FAILED)
    return (SowVersion.objects.visible_to(user).filter(status__in=["approved", "signed"])
            .annotate(**{f"job_{f}": Subquery(job.values(f)[:1])
                         for f in ("status", "sha256", "size")})
            .order_by("sow__engagement__title", "sow_id", "-number"))


CONTRACT_FIELDS = ("pk", "number", "sha256", "status", "signed_on", "created_at", "sow_id",
                   "sow__title", "sow__engagement_id", "sow__engagement__title", "job_status",
                   "job_sha256", "job_size")


def contract_rows(versions):
    """The page's rows as plain values (no model instances: the page only shows them)."""
    return versions.values(*CONTRACT_FIELDS)
