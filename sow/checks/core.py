"""What the SOW check works on (facts) and what it returns (findings). Pure data: no queries."""

import hashlib
from dataclasses import dataclass, field

ERROR, WARNING = "error", "warning"
SOURCES = ("text", "plan", "library")


@dataclass
class SectionFacts:
    """One section as the check sees it: its heading, its text (as rendered) and where it came
    from. `category` is the library clause's, or the one inferred from an own section's
    heading; `edited` is true for a library clause whose text was changed in this SOW."""

    id: int | None
    heading: str
    text: str
    category: str = ""
    clause_key: str = ""
    resolves: list = field(default_factory=list)
    from_library: bool = False
    edited: bool = False
    # Lists the clause loops over that are empty: [(variable, quote before the loop)].
    empty_spots: list = field(default_factory=list)
    has_missing_value: bool = False


@dataclass
class PlanFacts:
    """The engagement's data the plan rules read, as plain values, with the links that fix
    each part (`links`: engagement_edit, ladder, payments, kpis, raci)."""

    format: str
    length_weeks: int
    start_date: object
    end_date: object
    off_ramp_date: object
    milestones: list = field(default_factory=list)
    payments: list = field(default_factory=list)
    kpis: list = field(default_factory=list)
    raci_warnings: list = field(default_factory=list)
    ladder_warnings: list = field(default_factory=list)
    links: dict = field(default_factory=dict)
    currency: str = ""
    # (start, end) of each quarter, as activation counts them (end not included).
    quarters: list = field(default_factory=list)


@dataclass
class SowFacts:
    sections: list = field(default_factory=list)
    plan: PlanFacts | None = None
    # Names the parties go by in this SOW, beyond "vendor", "client" and their synonyms.
    vendor_names: tuple = ()
    client_names: tuple = ()

    @property
    def format(self):
        return self.plan.format if self.plan else ""


@dataclass
class Finding:
    """One finding. `source` says what it was read from: the SOW's `text`, the engagement's
    `plan` (its ladder, payments, KPIs or RACI), or the `library` (a library clause whose
    edited text lost what made it compliant). `quote` is the phrase that triggered it, with
    character offsets into the section's text. `fix` is {"kind": "clause", "clause": key,
    "action": "insert"|"replace", "section": id} or {"kind": "link", "label", "url"}."""

    rule: str
    severity: str
    message: str
    source: str = "text"
    section_id: int | None = None
    section: str = ""
    quote: str = ""
    start: int | None = None
    end: int | None = None
    fix: dict | None = None

    @property
    def key(self):
        """A stable id for acknowledging this finding (same finding, same key)."""
        raw = (f"{self.rule}|{self.source}|{self.section_id}|{self.quote}|{self.start}|"
               f"{self.message}")
        return hashlib.sha256(raw.encode()).hexdigest()[:16]

    @property
    def fix_clause(self):
        return (self.fix or {}).get("clause", "") if (self.fix or {}).get("kind") == "clause" \
            else ""

    @property
    def fix_link(self):
        return self.fix if (self.fix or {}).get("kind") == "link" else None

    def as_dict(self):
        return {
            "key": self.key, "rule": self.rule, "severity": self.severity,
            "message": self.message, "source": self.source, "section_id": self.section_id,
            "section": self.section,
            "quote": ({"text": self.quote, "start": self.start, "end": self.end}
                      if self.quote else None),
            "fix": self.fix,
        }


def clause_fix(key, action="insert", section=None):
    fix = {"kind": "clause", "clause": key, "action": action}
    if section is not None:
        fix["section"] = section
    return fix


def link_fix(label, url):
    return {"kind": "link", "label": label, "url": url}
