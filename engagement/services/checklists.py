"""What an engagement must show before it moves: the core's must-rules for each status.

Other apps add theirs with `register_transition_check` (KPIs, the payment schedule). A
refusal names every unmet rule at once; the move's confirmation page lists them with what is
already in place.
"""

from ..models import (
    AcceptanceCriterion,
    Engagement,
    KnowledgeTransferDeliverable,
    Milestone,
    ReadinessBaseline,
    Side,
    StaffingAssignment,
)
from ..rules import register_transition_check

F = Engagement.Format
MS = Milestone.Status
OWNERS = {"ml_product_owner": "an internal ML product owner",
          "ml_engineer": "an internal engineering owner (ML engineer)"}


def activation_problems(engagement):
    """- a project has a rehearsal retrain on its ladder; a hybrid's every milestone has a
    stream; - the internal ML product owner and engineering owner are named in staffing."""
    problems = []
    milestones = list(Milestone.objects.filter(engagement=engagement).values("kind", "stream"))
    if engagement.format == F.PROJECT and not any(
            m["kind"] == Milestone.Kind.REHEARSAL_RETRAIN for m in milestones):
        problems.append("A project needs a rehearsal retrain on its ladder (generate the ladder "
                        "or add one).")
    if engagement.format == F.HYBRID:
        streamless = sum(1 for m in milestones if not m["stream"])
        if streamless or not milestones:
            problems.append(f"Every milestone of a hybrid engagement needs a stream (delivery or "
                            f"enablement); {streamless or 'no'} milestone"
                            f"{'s' if streamless != 1 else ''} "
                            f"{'have' if streamless != 1 else 'has'} none.")
    staffed = set(StaffingAssignment.objects.filter(
        engagement=engagement, side=Side.INTERNAL).values_list("staffing_role", flat=True))
    for role, who in OWNERS.items():
        if role not in staffed:
            problems.append(f"Name {who} in staffing.")
    return problems


def transition_problems(engagement):
    """- go-live is accepted (its incident drill criterion met with it); - every knowledge-
    transfer deliverable is accepted or waived with a reason."""
    problems = []
    go_live = Milestone.objects.filter(engagement=engagement, kind=Milestone.Kind.GO_LIVE)
    if not go_live.filter(status=MS.ACCEPTED).exists():
        problems.append("Go-live must be accepted first (with its incident drill passed).")
    elif AcceptanceCriterion.objects.filter(
            milestone__in=go_live, method=AcceptanceCriterion.Method.INCIDENT_DRILL).exclude(
            status=AcceptanceCriterion.Status.MET).exists():
        problems.append("The go-live incident drill is not passed.")
    open_deliverables = KnowledgeTransferDeliverable.objects.filter(
        milestone__engagement=engagement, accepted_at__isnull=True, waived_reason="").count()
    if open_deliverables:
        problems.append(f"{open_deliverables} knowledge-transfer deliverable"
                        f"{'s are' if open_deliverables != 1 else ' is'} neither accepted nor "
                        "waived with a reason.")
    return problems


def close_problems(engagement):
    """- the closing readiness baseline is recorded. (Payments register their own rule.)"""
    problems = []
    if not ReadinessBaseline.objects.filter(engagement=engagement,
                                            stage=ReadinessBaseline.Stage.CLOSE).exists():
        problems.append("Record the closing readiness baseline.")
    return problems


# Items that will join the close checklist when their feature lands (shown, never blocking).
PENDING_CLOSE_ITEMS = ["The 90-day roadmap: not in Offramp yet, so it is not checked."]


def register():
    register_transition_check("active", activation_problems)
    register_transition_check("transition", transition_problems)
    register_transition_check("closed", close_problems)
