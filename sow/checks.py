"""The SOW check: one small function per dependency red flag (see the glossary, section SOW).

Each rule takes a `SowFacts` and returns findings. A rule that looks for a missing safeguard
is satisfied by any section whose clause `resolves` it; the fix offered is the library clause
named in FIXES.
"""

import re
from dataclasses import asdict, dataclass, field

from .templating import MISSING_VALUE

ERROR, WARNING = "error", "warning"

FIXES = {
    "no_eval_harness": "evaluation-harness",
    "vague_knowledge_transfer": "knowledge-transfer-plan",
    "no_client_ownership": "client-ownership",
    "proprietary_wrappers": "export-path",
    "no_data_contracts": "data-contracts",
    "no_model_registry": "model-registry",
    "no_model_card": "model-card",
    "no_runbooks": "monitoring-runbooks",
    "no_rehearsal_retrain": "acceptance-rehearsal-retrain",
    "no_incident_drill": "acceptance-incident-drill",
    "payments_not_gated": "fixed-fee-with-gates",
    "no_transition_plan": "transition-plan",
    "retainer_without_offramp": "off-ramp",
    "no_two_key": "two-key-rule",
}
# What each rule looks for, in words people use (the library shows these, not the ids).
RULE_TITLES = {
    "no_eval_harness": "evaluation harness with CI gates",
    "vague_knowledge_transfer": "knowledge transfer with counts and acceptance",
    "no_client_ownership": "client ownership of code, configs and docs",
    "proprietary_wrappers": "export path from proprietary tools",
    "no_data_contracts": "data contracts",
    "no_model_registry": "model registry entries",
    "no_model_card": "model card",
    "no_runbooks": "monitoring, incident and rollback runbooks",
    "no_rehearsal_retrain": "rehearsal retrain before go-live",
    "no_incident_drill": "incident drill",
    "payments_not_gated": "payments tied to capability",
    "no_transition_plan": "transition plan in the last 20%",
    "retainer_without_offramp": "off-ramp and quarterly targets for retainers",
    "no_two_key": "two-key rule",
}
VAGUE = re.compile(r"\b(as needed|as required|upon request|on request|reasonable efforts|"
                   r"best efforts|ad[- ]hoc)\b", re.I)


@dataclass
class SectionFacts:
    id: int | None
    heading: str
    clause_key: str
    resolves: list
    text: str


@dataclass
class SowFacts:
    engagement_format: str
    off_ramp_date: object
    milestone_kinds: list
    sections: list = field(default_factory=list)

    def resolved(self, rule):
        return any(rule in s.resolves for s in self.sections)


@dataclass
class Finding:
    rule: str
    severity: str
    message: str
    section_id: int | None = None
    section: str = ""
    fix_clause: str = ""

    def as_dict(self):
        return asdict(self)


def _missing(rule, severity, message):
    def check(facts):
        if facts.resolved(rule):
            return []
        return [Finding(rule, severity, message, fix_clause=FIXES[rule])]
    check.rule = rule
    return check


no_eval_harness = _missing(
    "no_eval_harness", ERROR,
    "No evaluation harness with CI gates: nothing stops a worse model from shipping, and only "
    "the vendor can tell whether a retrain is safe.")
no_client_ownership = _missing(
    "no_client_ownership", ERROR,
    "The SOW does not give the client ownership of code, configuration and documents.")
proprietary_wrappers = _missing(
    "proprietary_wrappers", ERROR,
    "Nothing rules out proprietary wrappers without an export path; the work could be "
    "impossible to run without the vendor's tools.")
no_data_contracts = _missing(
    "no_data_contracts", WARNING,
    "No data contracts: an upstream data change can break retraining silently.")
no_model_registry = _missing(
    "no_model_registry", WARNING,
    "No model registry entries: nobody will be able to say which data and code produced a model.")
no_model_card = _missing(
    "no_model_card", WARNING, "No model card: intended use and limits go undocumented.")
no_runbooks = _missing(
    "no_runbooks", ERROR,
    "No monitoring, incident and rollback runbooks: the client's on-call team has nothing to "
    "act on.")
no_incident_drill = _missing(
    "no_incident_drill", WARNING,
    "No incident drill: the runbooks and alerts are never proven in practice.")
payments_not_gated = _missing(
    "payments_not_gated", ERROR,
    "Payments are not tied to capability acceptance; money flows whether or not the client's "
    "team can run the system.")
no_transition_plan = _missing(
    "no_transition_plan", WARNING,
    "No transition plan in the last 20% of the engagement: the end will be a cliff, not a "
    "handoff.")
no_two_key = _missing(
    "no_two_key", ERROR,
    "No two-key rule for production changes: one person, possibly the vendor's, can release.")


def vague_knowledge_transfer(facts):
    findings = [
        Finding("vague_knowledge_transfer", ERROR,
                f"Vague commitment “{m.group(0)}”: knowledge transfer needs counts, cadence and "
                "acceptance criteria.", s.id, s.heading, FIXES["vague_knowledge_transfer"])
        for s in facts.sections for m in [VAGUE.search(s.text)] if m
    ]
    if not facts.resolved("vague_knowledge_transfer"):
        findings.append(Finding(
            "vague_knowledge_transfer", ERROR,
            "Knowledge transfer has no plan with counts, cadence and acceptance criteria.",
            fix_clause=FIXES["vague_knowledge_transfer"]))
    return findings


vague_knowledge_transfer.rule = "vague_knowledge_transfer"


def no_rehearsal_retrain(facts):
    findings = []
    if not facts.resolved("no_rehearsal_retrain"):
        findings.append(Finding(
            "no_rehearsal_retrain", ERROR,
            "No rehearsal retrain before go-live: the first real retrain would happen under "
            "pressure, maybe after the vendor has gone.", fix_clause=FIXES["no_rehearsal_retrain"]))
    elif facts.milestone_kinds and "rehearsal_retrain" not in facts.milestone_kinds:
        findings.append(Finding(
            "no_rehearsal_retrain", WARNING,
            "The SOW requires a rehearsal retrain but the ladder has no rehearsal milestone.",
            fix_clause=FIXES["no_rehearsal_retrain"]))
    return findings


no_rehearsal_retrain.rule = "no_rehearsal_retrain"


def retainer_without_offramp(facts):
    if facts.engagement_format != "retainer":
        return []
    findings = []
    if not facts.resolved("retainer_without_offramp"):
        findings.append(Finding(
            "retainer_without_offramp", ERROR,
            "A retainer without an off-ramp and quarterly capability targets tends to become "
            "permanent.", fix_clause=FIXES["retainer_without_offramp"]))
    if not facts.off_ramp_date:
        findings.append(Finding(
            "retainer_without_offramp", ERROR,
            "The engagement has no off-ramp date; set one on the engagement.",
            fix_clause=FIXES["retainer_without_offramp"]))
    return findings


retainer_without_offramp.rule = "retainer_without_offramp"

def empty_values(facts):
    """A documented variable with no value shows as a placeholder: the contract would
    promise nothing there."""
    return [Finding("empty_value", ERROR,
                    f"“{MISSING_VALUE}” stands where a value belongs (an engagement detail "
                    "that is empty): fill it in on the engagement, ladder, payments or KPIs.",
                    s.id, s.heading)
            for s in facts.sections if MISSING_VALUE in s.text]


empty_values.rule = "empty_value"

RULES = [
    no_eval_harness, vague_knowledge_transfer, no_client_ownership, proprietary_wrappers,
    no_data_contracts, no_model_registry, no_model_card, no_runbooks, no_rehearsal_retrain,
    no_incident_drill, payments_not_gated, no_transition_plan, retainer_without_offramp,
    no_two_key,
]
# Rules about the text itself rather than a missing safeguard (no library clause fixes them).
TEXT_RULES = [empty_values]


def run_checks(facts):
    findings = [f for rule in RULES + TEXT_RULES for f in rule(facts)]
    order = {ERROR: 0, WARNING: 1}
    return sorted(findings, key=lambda f: (order[f.severity], f.rule))


def score(findings):
    errors = sum(f.severity == ERROR for f in findings)
    warnings = sum(f.severity == WARNING for f in findings)
    return max(0, 100 - 12 * errors - 4 * warnings)
