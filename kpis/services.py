"""Writes to KPIs and the capability-outcome rules they carry."""

from django.db import transaction

from common.errors import DomainError
from common.versioning import create_clean
from engagement.audit import audit_record
from engagement.models import Engagement
from engagement.rules import require

from .models import KPI


def quarters(engagement):
    """(start, end) of each quarter (13 weeks) the engagement spans, the last one possibly short."""
    from datetime import timedelta

    spans, week = [], 0
    while week < engagement.length_weeks:
        start = engagement.start_date + timedelta(weeks=week)
        end = engagement.start_date + timedelta(weeks=min(week + 13, engagement.length_weeks))
        spans.append((start, end))
        week += 13
    return spans


def activation_problems(engagement):
    """Capability outcomes must exist before an engagement goes active (glossary rules).

    - at least one KPI in each layer: business, system, capability;
    - a retainer has a capability target dated in each quarter it runs.
    """
    kpis = list(KPI.objects.filter(engagement=engagement).values("layer", "target_date"))
    problems = []
    present = {k["layer"] for k in kpis}
    missing = [layer.label.lower() for layer in KPI.Layer if layer not in present]
    if missing:
        problems.append(
            "Define at least one KPI in each layer before activation; missing: "
            + ", ".join(missing) + "."
        )
    if engagement.format == Engagement.Format.RETAINER:
        dates = [k["target_date"] for k in kpis if k["layer"] == KPI.Layer.CAPABILITY]
        uncovered = [
            f"{s:%-d %b %Y}–{e:%-d %b %Y}"
            for s, e in quarters(engagement)
            if not any(s <= d < e for d in dates)
        ]
        if uncovered:
            problems.append(
                "A retainer needs a quarterly capability target; no capability KPI is due in "
                + "; ".join(uncovered) + "."
            )
    return problems


@transaction.atomic
def kpi_define(*, actor, engagement, layer, name, target, target_date, unit="", direction="up",
               baseline=None, source="manual"):
    require(actor, "kpis.define_kpi", engagement)
    if layer not in KPI.Layer.values:
        raise DomainError("The layer is business, system or capability.", rule="invalid_field",
                          field="layer")
    if not name.strip():
        raise DomainError("Give the KPI a name.", rule="invalid_field", field="name")
    last = max(filter(None, [engagement.end_date, engagement.off_ramp_date]))
    if not engagement.start_date <= target_date <= last:
        raise DomainError(f"The target date must fall within the engagement: "
                          f"{engagement.start_date:%-d %b %Y} to {last:%-d %b %Y}.",
                          rule="invalid_field", field="target_date")
    kpi = create_clean(
        KPI,
        engagement=engagement, layer=layer, name=name.strip(), unit=unit, direction=direction,
        baseline=baseline, target=target, target_date=target_date, source=source,
        created_by=actor,
    )
    audit_record(engagement=engagement, actor=actor, verb="kpi.defined", obj=kpi,
                 after={"layer": layer, "name": kpi.name, "target": target,
                        "target_date": target_date})
    return kpi
