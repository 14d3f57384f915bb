"""Plan rules: what the engagement's own data says, whatever the SOW's text promises.

Each rule reads `PlanFacts` and says in its message which part of the plan it read; its fix
is a link to the page (or field) that changes that part, never "revise the text".
"""

import datetime as dt

from .core import ERROR, WARNING, Finding, link_fix

INTERNAL = "internal"


def _link(plan, name, label, anchor=""):
    url = plan.links.get(name, "")
    return link_fix(label, url + anchor if url else "")


def _milestone_link(plan, m, label):
    return _link(plan, "ladder", label, f"#m-{m['id']}" if m.get("id") else "")


def _performers(m):
    return [c["performer"] for c in m["criteria"]]


def payments_gated(plan):
    """Fixed fee: some payment is gated on a criterion the internal team performs, and no
    payment is released by its date alone. Time and materials: every month is reviewed
    against a capability objective (a gate condition)."""
    out = []
    payments_link = _link(plan, "payments", "Open the payment schedule")
    if not plan.payments:
        return [Finding("payments_not_gated", WARNING,
                        "Plan: no payment milestones are scheduled yet, so nothing shows what "
                        "the money is tied to.", "plan", fix=payments_link)]
    fixed = [p for p in plan.payments if p["model"] == "fixed_fee"]
    for p in plan.payments:
        if not p["conditions"]:
            kind = ("falls due on its date alone" if p["model"] == "fixed_fee" else
                    "has no capability objective to review the month against")
            out.append(Finding("payments_not_gated", ERROR,
                               f"Plan: the payment “{p['label']}” {kind}.", "plan",
                               quote="", fix=_link(plan, "payments",
                                                   f"Gate “{p['label']}”",
                                                   f"#p-{p['id']}")))
    internal_gated = [p for p in fixed if any(
        INTERNAL in c["performers"] for c in p["conditions"])]
    if fixed and not internal_gated:
        share = sum(p["amount"] for p in fixed)
        out.append(Finding(
            "payments_not_gated", ERROR,
            f"Plan: none of the fixed-fee payments ({plan.currency} {share:,} in all) waits for "
            "a criterion or knowledge-transfer acceptance "
            "that the client's team performs; money flows on the vendor's own work.", "plan",
            fix=payments_link))
    return out


INTERNALLY_RUN = ("internal_leads", "internal_runs")


def _rehearsal_problem(rehearsal, go_live):
    """Why this rehearsal would not prove the internal team can retrain, or "" (the ladder's
    own go-live rule: before go-live, run by the internal team, every criterion performed by
    it)."""
    performers = _performers(rehearsal)
    if go_live is not None and rehearsal["position"] > go_live["position"]:
        return "comes after go-live on the ladder"
    if rehearsal["ownership"] not in INTERNALLY_RUN:
        return "is not run by the internal team (internal leads or internal runs)"
    if not performers:
        return "has no acceptance criteria"
    if any(p != INTERNAL for p in performers):
        return "has criteria performed by the vendor"
    return ""


def rehearsal_internal(plan):
    if not plan.milestones:
        return []
    rehearsals = [m for m in plan.milestones if m["kind"] == "rehearsal_retrain"]
    if not rehearsals:
        return [Finding("no_rehearsal_retrain", ERROR,
                        "Plan: the ladder has no rehearsal-retrain milestone, so nothing "
                        "gates go-live on the client's team retraining the model.", "plan",
                        fix=_link(plan, "ladder", "Add a rehearsal milestone to the ladder"))]
    go_lives = [m for m in plan.milestones if m["kind"] == "go_live"]
    first_go_live = min(go_lives, key=lambda m: m["position"]) if go_lives else None
    problems = [(r, _rehearsal_problem(r, first_go_live)) for r in rehearsals]
    if any(not problem for _, problem in problems):
        return []  # one rehearsal that proves it is enough (a vendor dry run may come first)
    rehearsal, problem = problems[-1]
    return [Finding("no_rehearsal_retrain", ERROR,
                    f"Plan: the rehearsal milestone “{rehearsal['title']}” {problem}; go-live "
                    "cannot be accepted until the client's team has really retrained the "
                    "model.", "plan",
                    fix=_milestone_link(plan, rehearsal, f"Fix “{rehearsal['title']}”"))]


def go_live_drill(plan):
    if not plan.milestones:
        return []
    go_lives = [m for m in plan.milestones if m["kind"] == "go_live"]
    if not go_lives:
        return [Finding("no_incident_drill", ERROR,
                        "Plan: the ladder has no go-live milestone to carry the incident "
                        "drill.", "plan", fix=_link(plan, "ladder", "Open the ladder"))]
    out = []
    for go_live in go_lives:
        drills = [c for c in go_live["criteria"] if c["method"] == "incident_drill"]
        if not drills:
            out.append(Finding(
                "no_incident_drill", ERROR,
                f"Plan: go-live (“{go_live['title']}”) has no incident-drill acceptance "
                "criterion; the drill is what proves the runbooks work.", "plan",
                fix=_milestone_link(plan, go_live,
                                    f"Add a drill criterion to “{go_live['title']}”")))
        elif not any(c["performer"] == INTERNAL for c in drills):
            out.append(Finding(
                "no_incident_drill", ERROR,
                f"Plan: the incident drill on “{go_live['title']}” is performed by the vendor; "
                "the client's on-call team must run it.", "plan",
                fix=_milestone_link(plan, go_live, "Set the drill's performer")))
    return out


def transition_late(plan):
    if not plan.milestones:
        return []
    cutoff = plan.length_weeks * 0.8
    if any(m["is_transition"] and m["end_week"] > cutoff for m in plan.milestones):
        return []
    return [Finding("no_transition_plan", WARNING,
                    f"Plan: no transition milestone ends in the last 20% of the ladder (after "
                    f"week {int(cutoff)} of {plan.length_weeks}).", "plan",
                    fix=_link(plan, "ladder", "Mark or move a transition milestone"))]


def retainer_offramp(plan):
    if plan.format != "retainer":
        return []
    out = []
    if not plan.off_ramp_date:
        out.append(Finding("retainer_without_offramp", ERROR,
                           "Plan: the retainer has no off-ramp date.", "plan",
                           fix=_link(plan, "engagement_edit", "Set the off-ramp date",
                                     "#id_off_ramp_date")))
    if plan.quarters:
        targets = [k["target_date"] for k in plan.kpis
                   if k["layer"] == "capability" and k["target_date"]]
        # The same quarters and test as activation (kpis.services.in_quarter): start
        # inclusive, end not, except the last quarter, which holds the engagement's last day.
        last = len(plan.quarters) - 1
        empty = [(a, b) for i, (a, b) in enumerate(plan.quarters)
                 if not any(a <= t < b or (i == last and t == b) for t in targets)]
        if empty:
            listed = ", ".join(f"{a:%d %b %Y}–{b - dt.timedelta(days=1):%d %b %Y}"
                               for a, b in empty[:4])
            more = f" and {len(empty) - 4} more" if len(empty) > 4 else ""
            out.append(Finding(
                "retainer_without_offramp", ERROR,
                f"Plan: {len(empty)} quarter{'s' if len(empty) != 1 else ''} of the retainer "
                f"ha{'ve' if len(empty) != 1 else 's'} no capability target ({listed}{more}).",
                "plan", fix=_link(plan, "kpis", "Add capability KPI targets")))
    return out


def raci_late(plan):
    return [Finding("raci_vendor_late", WARNING, f"Plan (RACI): {message}", "plan",
                    fix=_link(plan, "raci", "Open the RACI")) for message in plan.raci_warnings]


def ladder_backwards(plan):
    out = []
    for milestone_id, message in plan.ladder_warnings:
        if message.startswith("No transition milestone"):
            continue  # transition_late says it, with the fix
        anchor = f"#m-{milestone_id}" if milestone_id else ""
        out.append(Finding("ownership_backwards", WARNING, f"Plan (ladder): {message}", "plan",
                           fix=_link(plan, "ladder", "Open the ladder", anchor)))
    return out


def no_ladder(plan):
    if plan.milestones:
        return []
    return [Finding("no_ladder", WARNING,
                    "Plan: the engagement has no milestone ladder yet, so the rehearsal, the "
                    "drill and the transition cannot be checked.", "plan",
                    fix=_link(plan, "ladder", "Generate the ladder"))]


PLAN_RULES = [payments_gated, rehearsal_internal, go_live_drill, transition_late,
              retainer_offramp, raci_late, ladder_backwards, no_ladder]
PLAN_RULE_TITLES = {
    "raci_vendor_late": "client accountable in the late phase (RACI)",
    "ownership_backwards": "ownership moving forward on the ladder",
    "no_ladder": "a milestone ladder to check against",
}


def run_plan(plan):
    return [f for rule in PLAN_RULES for f in rule(plan)] if plan else []
