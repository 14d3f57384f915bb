"""The gate tracker's evaluation: which open payments change state, in one SQL query.

Each condition kind contributes a Q that is true when a condition of that kind is met; a
new kind (a KPI threshold, say) registers its Q and nothing else here changes.
"""

from collections.abc import Callable
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
CORE_KINDS = ("criterion", "milestone", "deliverable")


@dataclass(frozen=True)
class PluggedKind:
    """What another app tells payments about a condition kind it adds. Every callable works
    on many rows at once, so a schedule of any size costs the same few queries.

    - `targets(engagement, refs)`: of [(ref_id, threshold)], the ref ids that are valid
      objects of this engagement (anything missing is refused);
    - `state(rows)`: of [(condition_id, ref_id, threshold, due_date)], {condition_id: met};
    - `describe(rows)`: of the same rows, {condition_id: "KPI “…” ≥ 70 by the due date"};
    - `choices(engagement)`: [(ref_id, label)] for the schedule page's form;
    - `needs_threshold`: whether a condition of this kind must carry a threshold.
    """

    kind: str
    label: str
    targets: Callable
    state: Callable
    describe: Callable
    choices: Callable
    needs_threshold: bool = False


_plugged = {}


def register_condition_kind(kind, met_q, *, plugged=None):
    """`met_q` is expressed from PaymentMilestone, through `conditions__…` (a plugged kind
    reads its object through `conditions__ref_id` and `conditions__threshold`)."""
    _condition_kinds[kind] = met_q
    if plugged is not None:
        _plugged[kind] = plugged


def plugged_kinds():
    return dict(_plugged)


def conditions_state(conditions, due_dates):
    """{condition_id: (met, description)} for plugged-in conditions (core ones are answered
    by GateCondition.is_met/describe). `due_dates` maps payment id to its due date."""
    by_kind = {}
    for c in conditions:
        if c.kind not in CORE_KINDS:
            by_kind.setdefault(c.kind, []).append(
                (c.pk, c.ref_id, c.threshold, due_dates[c.payment_id]))
    out = {}
    for kind, rows in by_kind.items():
        plug = _plugged.get(kind)
        if plug is None:  # a kind whose app is not installed: never met
            out.update({r[0]: (False, f"{kind} #{r[1]}") for r in rows})
            continue
        met, words = plug.state(rows), plug.describe(rows)
        out.update({r[0]: (bool(met.get(r[0])), words.get(r[0], "")) for r in rows})
    return out


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
    gate_met = Q(total__gt=0, met=F("total")) | Q(okr_waived_at__isnull=False)
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
    for pk, engagement_id, status, due, waived in PaymentMilestone.objects.filter(
            pk__in=list(candidates)).values_list("id", "engagement_id", "status", "due_date",
                                                 "okr_waived_at"):
        total, met = candidates[pk]
        gate_met = (total > 0 and met == total) or waived is not None
        after = decide(status, gate_met, due < today)
        if after != status:
            moves.append(Transition(pk, engagement_id, status, after, gate_met))
    return moves


def gate_is_met(payment_id):
    """Whether one payment's gate holds right now (one query; used before money is released)."""
    row = PaymentMilestone.objects.filter(pk=payment_id).values("id").annotate(
        total=Count("conditions"), met=Count("conditions", filter=_met_filter()),
    ).values_list("total", "met", "okr_waived_at").first()
    return bool(row) and ((row[0] > 0 and row[0] == row[1]) or row[2] is not None)
