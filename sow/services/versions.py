"""A frozen version's status: draft → in review → approved (two keys) → signed."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from common.errors import DomainError, RuleViolation
from engagement.models import ApprovalRequest, Side
from engagement.rules import require
from engagement.services import approval_request_open, lock, register_approval_handler
from engagement.services.approvals import ApprovalHandler
from engagement.transitions import transition

from ..models import (
    SowVersion,
)

VS = SowVersion.Status
# The one table of SOW version moves; approval comes only from the two-key request.
SOW_VERSION_TRANSITIONS = {
    VS.DRAFT: {VS.IN_REVIEW},
    VS.IN_REVIEW: {VS.APPROVED, VS.DRAFT},
    VS.APPROVED: {VS.SIGNED},
    VS.SIGNED: set(),
}
def _set_status(version, actor, to, reason=""):
    transition(version, table=SOW_VERSION_TRANSITIONS, to=to, actor=actor,
               verb="sow_version.status_changed", engagement=version.sow.engagement,
               noun="SOW version", reason=reason)


@transaction.atomic
def sow_version_submit(*, actor, version):
    """Ask for the two keys on a frozen version."""
    require(actor, "sow.draft_sow", version.sow.engagement)
    version = lock(version, engagement_id=version.sow.engagement_id)
    if version.status != SowVersion.Status.DRAFT:
        raise RuleViolation(f"Version {version.number} is {version.get_status_display().lower()}"
                            "; only a draft version can go to review.", rule="status_flow")
    _set_status(version, actor, SowVersion.Status.IN_REVIEW)
    approval_request_open(actor=actor, engagement=version.sow.engagement,
                          kind=ApprovalRequest.Kind.SOW_VERSION, subject=version,
                          summary=f"Approve {version.sow.title}, version {version.number}",
                          url=reverse("sow:version", kwargs={
                              "pk": version.sow.engagement_id, "sow_pk": version.sow_id,
                              "number": version.number}))
    return version


def _version_of(request):
    version = SowVersion.objects.select_related("sow__engagement").get(pk=request.subject_id)
    return lock(version, engagement_id=version.sow.engagement_id)


def _approved(*, request, actor):
    from .pdf import render_request

    version = _version_of(request)
    _set_status(version, actor, SowVersion.Status.APPROVED, "Two keys turned.")
    render_request(actor=None, version=version)  # the approved contract renders by itself


def _rejected(*, request, actor, reason):
    _set_status(_version_of(request), actor, SowVersion.Status.DRAFT, f"Rejected: {reason}")


register_approval_handler(ApprovalRequest.Kind.SOW_VERSION,
                          ApprovalHandler(on_approved=_approved, on_rejected=_rejected))


@transaction.atomic
def sow_version_sign(*, actor, version, signed_on, signatories):
    """Record the signature of an approved version: the date and who signed for each side."""
    engagement = version.sow.engagement
    require(actor, "sow.sign_version", engagement)
    version = lock(version, engagement_id=engagement.pk)
    if version.status != SowVersion.Status.APPROVED:
        raise RuleViolation("Only an approved version can be signed.", rule="status_flow")
    names = [s for s in signatories if s.get("name", "").strip()]
    sides = {s.get("side") for s in names}
    if not {Side.INTERNAL, Side.VENDOR} <= sides:
        raise DomainError("Record at least one signatory for the client and one for the vendor.",
                          rule="invalid_field", field="signatories")
    if signed_on > timezone.localdate():
        raise DomainError("The signature date cannot be in the future.", rule="invalid_field",
                          field="signed_on")
    SowVersion.objects.filter(pk=version.pk).update(signed_on=signed_on, signatories=names)
    version.signed_on, version.signatories = signed_on, names
    _set_status(version, actor, SowVersion.Status.SIGNED)
    return version
