"""The KPI gate condition kind, plugged into payments' condition registry (payments never
imports kpis): "KPI X at or past its threshold on a measurement dated on or before the
payment's due date" (inside its range, for a range KPI)."""

from django.db.models import Exists, F, OuterRef, Q

from .models import KPI, Measurement


def _passes(threshold):
    """Q over Measurement: the value is at or past `threshold` for its KPI's direction."""
    return (Q(kpi__direction="up", value__gte=threshold)
            | Q(kpi__direction="down", value__lte=threshold)
            | Q(kpi__direction="range", value__gte=F("kpi__lower"), value__lte=F("kpi__upper")))


def met_q():
    """From PaymentMilestone through `conditions__…`: the tracker's one-query test."""
    return Q(Exists(Measurement.objects.filter(
        _passes(OuterRef("conditions__threshold")),
        kpi_id=OuterRef("conditions__ref_id"), date__lte=OuterRef("due_date"))))


def targets(engagement, refs):
    return set(KPI.objects.filter(engagement=engagement, pk__in=[r for r, _ in refs])
               .values_list("pk", flat=True))


def state(rows):
    """{condition_id: met} for [(condition_id, kpi_id, threshold, due_date)], one query."""
    kpis = {k.pk: k for k in KPI.objects.filter(pk__in={r[1] for r in rows})}
    values = {}
    for kpi_id, day, value in Measurement.objects.filter(kpi_id__in=list(kpis)).values_list(
            "kpi_id", "date", "value"):
        values.setdefault(kpi_id, []).append((day, value))
    out = {}
    for cid, kpi_id, threshold, due in rows:
        kpi = kpis.get(kpi_id)
        out[cid] = kpi is not None and any(
            day <= due and passes(kpi, value, threshold) for day, value in values.get(kpi_id, []))
    return out


def passes(kpi, value, threshold):
    if kpi.direction == KPI.Direction.RANGE:
        return kpi.lower <= value <= kpi.upper
    if threshold is None:
        return False
    return value >= threshold if kpi.direction == KPI.Direction.UP else value <= threshold


def describe(rows):
    names = {k.pk: k for k in KPI.objects.filter(pk__in={r[1] for r in rows})}
    out = {}
    for cid, kpi_id, threshold, _ in rows:
        kpi = names.get(kpi_id)
        if kpi is None:
            out[cid] = "a KPI that no longer exists"
        elif kpi.direction == KPI.Direction.RANGE:
            out[cid] = f"KPI “{kpi.name}” {kpi.goal_text} on a value dated by the due date"
        else:
            sign = "≥" if kpi.direction == KPI.Direction.UP else "≤"
            unit = f" {kpi.unit}" if kpi.unit else ""
            out[cid] = (f"KPI “{kpi.name}” {sign} {threshold.normalize():f}{unit} on a value "
                        "dated by the due date")
    return out


def choices(engagement):
    return [(k.pk, f"{k.get_layer_display()}: {k.name} ({k.goal_text})")
            for k in KPI.objects.filter(engagement=engagement)]


# --- The `drill` kind: an incident drill passed, held on or before the due date -------------

def drill_met_q():
    from .models import IncidentDrill

    return Q(Exists(IncidentDrill.objects.filter(
        pk=OuterRef("conditions__ref_id"), result="pass", held_on__lte=OuterRef("due_date"))))


def drill_targets(engagement, refs):
    from .models import IncidentDrill

    return set(IncidentDrill.objects.filter(engagement=engagement, pk__in=[r for r, _ in refs])
               .values_list("pk", flat=True))


def drill_state(rows):
    from .models import IncidentDrill

    drills = {d.pk: d for d in IncidentDrill.objects.filter(pk__in={r[1] for r in rows})}
    return {cid: (d := drills.get(ref)) is not None and d.result == "pass"
            and d.held_on is not None and d.held_on <= due for cid, ref, _, due in rows}


def drill_describe(rows):
    from .models import IncidentDrill

    drills = {d.pk: d for d in IncidentDrill.objects.filter(pk__in={r[1] for r in rows})}
    return {cid: (f"incident drill “{drills[ref].get_scenario_display().lower()}” planned for "
                  f"{drills[ref].planned_for:%-d %b %Y} passed by the due date")
            if ref in drills else "a drill that no longer exists" for cid, ref, _, _ in rows}


def drill_choices(engagement):
    from .models import IncidentDrill

    return [(d.pk, f"{d.get_scenario_display()} drill, {d.planned_for:%-d %b %Y}")
            for d in IncidentDrill.objects.filter(engagement=engagement)]


def register():
    from payments.registry import PluggedKind, register_condition_kind

    register_condition_kind("kpi", met_q(), plugged=PluggedKind(
        kind="kpi", label="KPI at or past a threshold", targets=targets, state=state,
        describe=describe, choices=choices, needs_threshold=True))
    register_condition_kind("drill", drill_met_q(), plugged=PluggedKind(
        kind="drill", label="Incident drill passed", targets=drill_targets, state=drill_state,
        describe=drill_describe, choices=drill_choices))
