"""The gate tracker's evaluation: which open payments change state, in one SQL query.

Each condition kind contributes a Q that is true when a condition of that kind is met; a
new kind (a KPI threshold, say) registers its Q and nothing else here changes.
"""

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Count, F, Q
from django.utils import timezone

from .models import PaymentMilestone

PS = PaymentMilestone.Status
OPEN_STATUSES = (PS.SCHEDULED, PS.ELIGIBLE, PS.OVERDUE)

_condition_kinds = {
    "criterion": Q(conditions__criterion__status="met"),
    "milestone": Q(conditions__milestone__status="accepted"),
    "deliverable": Q(conditions__deliverable__accepted_at__isnull=False),
}


def register_condition_kind(kind, met_q):
    """`met_q` is expressed from PaymentMilestone, through `conditions__…`."""
    _condition_kinds[kind] = met_q


def _met_filter():
    return reduce(or_, (Q(conditions__kind=kind) & q for kind, q in _condition_kinds.items()))


@dataclass(frozen=True)
class Transition:
    payment_id: int
    engagement_id: int
    before: str
    after: str
    gate_met: bool


def decide(status, gate_met, overdue):
    """The one table of gate-driven moves (approval, invoicing and payment are people's)."""
    if gate_met:
        return PS.ELIGIBLE if status in (PS.SCHEDULED, PS.OVERDUE) else status
    if status == PS.ELIGIBLE:
        return PS.OVERDUE if overdue else PS.SCHEDULED
    if status == PS.SCHEDULED and overdue:
        return PS.OVERDUE
    if status == PS.OVERDUE and not overdue:
        return PS.SCHEDULED
    return status


def evaluate(*, engagement_ids=None, today=None):
    """Every open payment whose gate or due date calls for a move, as Transitions."""
    today = today or timezone.localdate()
    # Gates move only once the contract is in force (a draft plans; it proves nothing yet).
    rows = PaymentMilestone.objects.filter(status__in=OPEN_STATUSES,
                                           engagement__status__in=("active", "transition"))
    if engagement_ids is not None:
        rows = rows.filter(engagement_id__in=list(engagement_ids))
    gate_met = Q(total__gt=0, met=F("total"))
    # Only rows that must move leave the database (the same table as `decide`, in SQL), so an
    # evaluation where nothing changes reads nothing.
    needs_move = (
        (gate_met & Q(status__in=[PS.SCHEDULED, PS.OVERDUE]))
        | (~gate_met & Q(status=PS.ELIGIBLE))
        | (~gate_met & Q(status=PS.SCHEDULED, due_date__lt=today))
        | (~gate_met & Q(status=PS.OVERDUE, due_date__gte=today))
    )
    # Grouped by the primary key alone (status and due date depend on it); details of the
    # few rows that move are read afterwards.
    candidates = {
        pk: (total, met) for pk, total, met in rows.values("id").annotate(
            total=Count("conditions"), met=Count("conditions", filter=_met_filter()),
        ).filter(needs_move).values_list("id", "total", "met")
    }
    moves = []
    if not candidates:
        return moves
    for pk, engagement_id, status, due in PaymentMilestone.objects.filter(
            pk__in=list(candidates)).values_list("id", "engagement_id", "status", "due_date"):
        total, met = candidates[pk]
        gate_met = total > 0 and met == total
        after = decide(status, gate_met, due < today)
        if after != status:
            moves.append(Transition(pk, engagement_id, status, after, gate_met))
    return moves


def gate_is_met(payment_id):
    """Whether one payment's gate holds right now (one query; used before money is released)."""
    row = PaymentMilestone.objects.filter(pk=payment_id).values("id").annotate(
        total=Count("conditions"), met=Count("conditions", filter=_met_filter()),
    ).values_list("total", "met").first()
    return bool(row) and row[0] > 0 and row[0] == row[1]
