"""The SOW check: dependency red flags (see the glossary, section SOW).

Three kinds of rule, each finding saying which it came from (`source`):
- text rules (`sow.checks.text`, patterns in `sow/data/check_rules.toml`) read what every
  section says, library or not: a red flag is quoted where it stands, and a safeguard counts
  only where some section's text commits to it;
- the library: an unedited clause from the shared library keeps the credit its `resolves`
  tags give; once its text is edited, only the text counts, and a finding says so;
- plan rules (`sow.checks.plan`) read the engagement's ladder, payments, KPIs and RACI.
Sections whose clause renders an empty list, or an empty value, are errors until filled.
"""

from .core import (
    ERROR,
    WARNING,
    Finding,
    PlanFacts,
    SectionFacts,
    SowFacts,
    clause_fix,
    link_fix,
)
from .plan import PLAN_RULE_TITLES, run_plan
from .text import reader_for, text_rules

# What fills each list a clause can loop over, and where to fill it.
EMPTY_LISTS = {
    "enablement": ("no knowledge-transfer deliverables yet", "ladder",
                   "Add knowledge-transfer deliverables on the ladder"),
    "milestones": ("no milestones yet", "ladder", "Generate the ladder"),
    "payments": ("no payment milestones yet", "payments", "Schedule the payments"),
    "kpis": ("no KPIs yet", "kpis", "Add KPIs"),
    "raci": ("no RACI yet", "raci", "Fill in the RACI"),
    "staffing": ("no staffing yet", "engagement", "Add people to the engagement"),
}
MISSING_VALUE_FIX = ("engagement_edit", "Fill in the engagement's details")

RULE_TITLES = {r.id: r.title for r in text_rules()} | PLAN_RULE_TITLES | {
    "empty_data": "no empty lists or values in clauses"}
FIXES = {r.id: r.fix_clause for r in text_rules()}
RULES = list(FIXES)


def _text_findings(facts):
    reader = reader_for(tuple(facts.vendor_names), tuple(facts.client_names))
    readings = [reader.read(s.heading, s.text, s.category) for s in facts.sections]
    findings = []
    for rule in reader.rules:
        flagged = [(s, m) for s, r in zip(facts.sections, readings, strict=True)
                   for m in r.flags if m.rule == rule.id]
        for s, m in flagged:
            findings.append(Finding(
                rule.id, ERROR, f"{rule.flagged}: “{m.quote}” — {m.why}.", "text", s.id,
                s.heading, m.quote, m.start, m.end,
                clause_fix(rule.fix_clause, "replace", s.id)))
        if rule.formats and facts.format not in rule.formats:
            continue
        committed = any(rule.id in r.credits for r in readings)
        labelled = any(rule.id in s.resolves and s.from_library and not s.edited
                       for s in facts.sections)
        if committed or labelled or flagged:
            continue
        edited = next((s for s in facts.sections if rule.id in s.resolves and s.edited), None)
        if edited is not None:
            findings.append(Finding(
                rule.id, rule.severity,
                f"“{edited.heading}” came from the library for this, but its edited text no "
                f"longer commits to {rule.title}. {rule.missing}", "library", edited.id,
                edited.heading, fix=clause_fix(rule.fix_clause, "replace", edited.id)))
        else:
            findings.append(Finding(rule.id, rule.severity, rule.missing, "text",
                                    fix=clause_fix(rule.fix_clause)))
    return findings


def _empty_finding(section, message, quote, fix):
    """An empty-data error pointing at `quote` in the section's text (when it is there)."""
    start = section.text.find(quote) if quote else -1
    found = start >= 0
    return Finding("empty_data", ERROR, message, "plan", section.id, section.heading,
                   quote if found else "", start if found else None,
                   start + len(quote) if found else None, fix)


def _empty_findings(facts):
    from ..templating import MISSING_VALUE

    links = facts.plan.links if facts.plan else {}
    out = []
    for s in facts.sections:
        for variable, quote in s.empty_spots:
            what, page, label = EMPTY_LISTS.get(variable, (f"nothing in “{variable}”",
                                                           "engagement", "Fill it in"))
            out.append(_empty_finding(
                s, f"“{s.heading}” lists {variable.replace('_', ' ')} here, and there are "
                f"{what}: the contract would promise nothing at this point.", quote,
                link_fix(label, links.get(page, ""))))
        if s.has_missing_value:
            out.append(_empty_finding(
                s, f"“{MISSING_VALUE}” stands where a value belongs in “{s.heading}” (an "
                "engagement detail that is empty).", MISSING_VALUE,
                link_fix(MISSING_VALUE_FIX[1], links.get(MISSING_VALUE_FIX[0], ""))))
    return out


def run_checks(facts):
    findings = _text_findings(facts) + run_plan(facts.plan) + _empty_findings(facts)
    order = {ERROR: 0, WARNING: 1}
    return sorted(findings, key=lambda f: (order[f.severity], f.rule, f.section_id or 0,
                                           f.start or 0))


def score(findings):
    errors = sum(f.severity == ERROR for f in findings)
    warnings = sum(f.severity == WARNING for f in findings)
    return max(0, 100 - 12 * errors - 4 * warnings)


__all__ = ["ERROR", "WARNING", "Finding", "PlanFacts", "SectionFacts", "SowFacts", "RULES",
           "RULE_TITLES", "FIXES", "EMPTY_LISTS", "run_checks", "score", "clause_fix",
           "link_fix"]
