"""The clause library: loading the starter clauses, an organisation's own clauses and their
versions (every write audited on the organisation's chain)."""

import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path

from django.db import IntegrityError, transaction
from django.db.models import Max

from common.errors import DomainError
from common.versioning import create_clean
from engagement.audit import audit_record_for_organisation
from engagement.rules import require
from engagement.transitions import transition

from ..context import VARIABLES
from ..models import (
    Clause,
    ClauseVersion,
)
from ..templating import ClauseTemplateError, validate

LIBRARY_FILE = Path(__file__).resolve().parent.parent / "data" / "clauses.toml"


class TemplateInvalid(DomainError):
    """A clause body with problems; `problems` lists them with line numbers."""

    def __init__(self, error: ClauseTemplateError, field="body"):
        super().__init__("The clause text has problems: " + str(error), rule="template_invalid",
                         field=field)
        self.problems = error.as_list()

    def as_dict(self):
        return {**super().as_dict(), "problems": self.problems}


def check_template(body, field="body"):
    try:
        validate(body, VARIABLES.keys())
    except ClauseTemplateError as exc:
        raise TemplateInvalid(exc, field) from exc


CV = ClauseVersion.Status
CLAUSE_VERSION_TRANSITIONS = {
    CV.DRAFT: {CV.PUBLISHED, CV.RETIRED},
    CV.PUBLISHED: {CV.RETIRED},
    CV.RETIRED: {CV.PUBLISHED},
}


def _library_hash(entry):
    text = "\n".join([entry["title"], entry["body"].strip(), entry.get("guidance", "")])
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class LoadReport:
    created: int = 0
    upgraded: int = 0
    kept_local: int = 0
    unchanged: int = 0


@transaction.atomic
def library_load(*, path=LIBRARY_FILE):
    """Load or upgrade the starter library without losing local edits.

    A clause new to the database gets version 1, published. When the library's text changed:
    if nobody edited the clause locally since the last library version, the new text becomes
    a new published version; otherwise it arrives as a draft beside the local edits, for
    procurement to merge. Existing versions are never modified.
    """
    entries = tomllib.loads(path.read_text())["clause"]
    report = LoadReport()
    for entry in entries:
        check_template(entry["body"].strip())
        digest = _library_hash(entry)
        clause, created = Clause.objects.get_or_create(key=entry["key"], organisation=None,
                                                       defaults={
            "category": entry["category"], "title": entry["title"],
            "resolves": entry.get("resolves", []), "from_library": True})
        if not created:
            clause.resolves = sorted(set(clause.resolves) | set(entry.get("resolves", [])))
            clause.save(update_fields=["resolves"])
        versions = list(clause.versions.order_by("-number"))
        if versions and any(v.library_hash == digest for v in versions):
            report.unchanged += 1
            continue
        last_library = next((v for v in versions if v.library_hash), None)
        edited_locally = bool(versions) and (last_library is None
                                             or versions[0].number > last_library.number)
        status = ClauseVersion.Status.DRAFT if edited_locally else ClauseVersion.Status.PUBLISHED
        ClauseVersion.objects.create(
            clause=clause, number=(versions[0].number + 1) if versions else 1, status=status,
            body=entry["body"].strip(), guidance=entry.get("guidance", ""), library_hash=digest)
        if created:
            report.created += 1
        elif edited_locally:
            report.kept_local += 1
        else:
            report.upgraded += 1
    return report


def _library_chain(actor, clause):
    """Library writes belong to no engagement: they go on an organisation's own chain, the
    clause owner's, or for the shared starter library the curator's organisation. (A platform
    superuser outside any organisation changing the shared library leaves no chain entry; the
    Django admin log records it.)"""
    return clause.organisation or getattr(actor, "organisation", None)


def _audit_library(actor, clause, verb, obj, after):
    organisation = _library_chain(actor, clause)
    if organisation is not None:
        audit_record_for_organisation(organisation=organisation, actor=actor, verb=verb,
                                      obj=obj, after=after)


@transaction.atomic
def clause_version_create(*, actor, clause, body, guidance=""):
    """A new draft version of a clause; the text is checked before it is saved."""
    require(actor, "sow.curate_library", clause)
    check_template(body)
    clause = Clause.objects.select_for_update().get(pk=clause.pk)
    last = clause.versions.aggregate(m=Max("number"))["m"] or 0
    version = create_clean(ClauseVersion, clause=clause, number=last + 1, body=body,
                                           guidance=guidance, created_by=actor)
    _audit_library(actor, clause, "clause_version.created", version,
                   {"clause": clause.key, "number": version.number})
    return version


@transaction.atomic
def clause_version_set_status(*, actor, version, status):
    require(actor, "sow.curate_library", version)
    if status not in ClauseVersion.Status.values:
        raise DomainError("The status is draft, published or retired.", rule="invalid_field",
                          field="status")
    # No join under FOR UPDATE: PostgreSQL cannot lock the nullable side of an outer join.
    version = ClauseVersion.objects.select_for_update().get(pk=version.pk)
    if version.status == status:
        return version
    return transition(version, table=CLAUSE_VERSION_TRANSITIONS, to=status, actor=actor,
                      verb="clause_version.status_changed", noun="clause version",
                      organisation=_library_chain(actor, version.clause),
                      audit_after={"clause": version.clause.key, "number": version.number})


@transaction.atomic
def clause_create(*, actor, key, category, title, body, guidance="", resolves=()):
    require(actor, "sow.curate_library")
    check_template(body)
    if Clause.objects.visible_to(actor).filter(key=key).exists():
        raise DomainError(f"A clause with the key “{key}” exists already.", rule="duplicate",
                          field="key")
    try:
        with transaction.atomic():
            clause = create_clean(Clause, key=key, category=category, title=title,
                                           resolves=list(resolves),
                                           organisation=actor.organisation)
    except IntegrityError as exc:
        raise DomainError(f"A clause with the key “{key}” exists already.", rule="duplicate",
                          field="key") from exc
    create_clean(ClauseVersion, clause=clause, number=1, body=body, guidance=guidance,
                                 created_by=actor)
    _audit_library(actor, clause, "clause.created", clause,
                   {"key": key, "category": category, "title": title})
    return clause
