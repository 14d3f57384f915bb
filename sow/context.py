"""Plain data for clause templates, built from an engagement. No model instance leaves here."""

from django.db.models import Prefetch

from engagement.models import (
    AcceptanceCriterion,
    Engagement,
    Milestone,
    RaciAssignment,
    StaffingAssignment,
)
from kpis import selectors as kpi_selectors

# What procurement may use in clause text, shown on the editor page.
VARIABLES = {
    "client": "The client: client.name.",
    "vendor": "The vendor: vendor.name.",
    "engagement": "title, format, use_case, start_date, end_date, length_weeks, "
                  "contract_value, currency, off_ramp_date, status.",
    "milestones": "The ladder, in order: position, title, stream, kind, ownership, start_week, "
                  "end_week, start_date, due_date, status, criteria (statement, method, "
                  "performer), deliverables (kind, title, count, cadence, owner, acceptance).",
    "rehearsal": "The rehearsal-retrain milestone (same fields as a milestone), or none.",
    "go_live": "The go-live milestone, or none.",
    "raci": "Cells of the RACI: workstream, phase, role, side, letter.",
    "staffing": "People: name, side, role.",
    "kpis": "Capability outcomes: layer, name, unit, direction, baseline, target, target_date.",
    "payments": "Payment milestones: label, amount, due_date, gate (empty until payments "
                "are scheduled).",
    "enablement": "Knowledge-transfer deliverables across the ladder: milestone, kind, title, "
                  "count, cadence, owner, acceptance.",
}


def _number(value):
    """Decimals as people write them: 35 rather than 35.0000, 2.5 rather than 2.5000."""
    if value is None:
        return None
    text = format(value.normalize(), "f") if hasattr(value, "normalize") else str(value)
    return text


def _date(d):
    return f"{d.day} {d:%b %Y}" if d else ""


def _milestone(m):
    return {
        "position": m.position, "title": m.title, "stream": m.stream or "single",
        "kind": m.kind, "ownership": m.get_ownership_mode_display(), "start_week": m.start_week,
        "end_week": m.end_week, "start_date": _date(m.start_date), "due_date": _date(m.due_date),
        "status": m.get_status_display(),
        "criteria": [{"statement": c.statement, "method": c.get_method_display(),
                      "performer": c.get_performer_display()} for c in m.criteria.all()],
        "deliverables": [{"kind": d.get_kind_display(), "title": d.title, "count": d.count,
                          "cadence": d.cadence, "owner": d.get_owner_role_display(),
                          "acceptance": d.acceptance} for d in m.deliverables.all()],
    }


def _payments(engagement):
    from payments.selectors import schedule_for_document

    return [{**p, "due_date": _date(p["due_date"])} for p in schedule_for_document(engagement.pk)]


def build_context(engagement_id):
    """Everything a clause may refer to, for one engagement, in a fixed number of queries."""
    e = Engagement.objects.select_related("client", "vendor").get(pk=engagement_id)
    milestones = [
        _milestone(m) for m in Milestone.objects.filter(engagement=e).select_related(
            "engagement").prefetch_related(
            Prefetch("criteria", queryset=AcceptanceCriterion.objects.all()), "deliverables")
    ]
    staffing = [{"name": s.display_name, "side": s.get_side_display(),
                 "role": s.get_staffing_role_display()}
                for s in StaffingAssignment.objects.filter(engagement=e).select_related("user")]
    raci = [{"workstream": r.get_workstream_display(), "phase": r.get_phase_display(),
             "role": r.get_staffing_role_display(), "letter": r.letter,
             "side": "Vendor" if r.staffing_role in ("lead_consultant", "enablement_lead",
                                                     "mlops_engineer") else "Internal"}
            for r in RaciAssignment.objects.filter(engagement=e)]
    kpis = [{"layer": k.get_layer_display(), "name": k.name, "unit": k.unit,
             "direction": k.get_direction_display(), "baseline": _number(k.baseline),
             "target": _number(k.target), "target_date": _date(k.target_date)}
            for k in kpi_selectors.kpis_for(engagement=e)]
    by_kind = {m["kind"]: m for m in milestones}
    return {
        "client": {"name": e.client.name},
        "vendor": {"name": e.vendor.name},
        "engagement": {
            "title": e.title, "format": e.get_format_display(), "use_case": e.use_case,
            "start_date": _date(e.start_date), "end_date": _date(e.end_date),
            "length_weeks": e.length_weeks, "contract_value": e.contract_value,
            "currency": e.currency, "off_ramp_date": _date(e.off_ramp_date),
            "status": e.get_status_display(),
        },
        "milestones": milestones,
        "rehearsal": by_kind.get("rehearsal_retrain"),
        "go_live": by_kind.get("go_live"),
        "raci": raci,
        "staffing": staffing,
        "kpis": kpis,
        "payments": _payments(e),
        "enablement": [dict(d, milestone=m["title"]) for m in milestones
                       for d in m["deliverables"]],
    }
