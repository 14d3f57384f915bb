"""Bulk-built payment schedules for evaluator tests and benchmarks (no services: speed)."""

import datetime as dt
from decimal import Decimal

from engagement.models import AcceptanceCriterion, Engagement, Milestone
from payments.models import GateCondition, PaymentMilestone


def bulk_schedules(client, vendor, n, *, payments=4, conditions=4, met=False):
    start = dt.date(2026, 9, 7)
    engagements = Engagement.objects.bulk_create([
        Engagement(title=f"E{i}", client=client, vendor=vendor, format="project",
                   start_date=start, length_weeks=8, contract_value=Decimal("100000.00"),
                   status="active")
        for i in range(n)])
    milestones = Milestone.objects.bulk_create([
        Milestone(engagement=e, position=1, kind="other", title="M", ownership_mode="vendor_leads",
                  start_week=1, end_week=8) for e in engagements])
    now = dt.datetime(2026, 9, 8, tzinfo=dt.UTC)
    criteria = AcceptanceCriterion.objects.bulk_create([
        AcceptanceCriterion(milestone=m, position=j, statement="c", method="ci_log",
                            status="met" if met else "open", verified_at=now if met else None)
        for m in milestones for j in range(conditions)])
    by_milestone = {}
    for c in criteria:
        by_milestone.setdefault(c.milestone_id, []).append(c)
    rows = PaymentMilestone.objects.bulk_create([
        PaymentMilestone(engagement=e, position=k, label=f"P{k}", amount=Decimal("25000.00"),
                         due_date=start + dt.timedelta(weeks=8))
        for e in engagements for k in range(payments)])
    by_engagement = {m.engagement_id: m.pk for m in milestones}
    GateCondition.objects.bulk_create([
        GateCondition(payment=p, kind="criterion", criterion=c)
        for p in rows for c in by_milestone[by_engagement[p.engagement_id]]])
    return engagements
