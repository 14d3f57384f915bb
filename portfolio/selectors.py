"""The dashboard's rows: every engagement the user can see, with what leadership asks of it,
read from each app's selectors in a fixed number of queries whatever the number of
engagements."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from engagement import selectors as engagement_selectors
from engagement.models import Engagement
from kpis import selectors as kpi_selectors
from payments import selectors as payment_selectors
from sow import selectors as sow_selectors

LAYERS = ("business", "system", "capability")
FORMATS = dict(Engagement.Format.choices)
STATUSES = dict(Engagement.Status.choices)
SORTS = {
    "title": (lambda r: r.title.lower(), False),
    "status": (lambda r: r.status, False),
    "format": (lambda r: r.format, False),
    "vendor": (lambda r: r.vendor.lower(), False),
    "released": (lambda r: r.released_share, True),
    "proven": (lambda r: r.proven_share, True),
    "risk": (lambda r: (r.risk_score, r.title.lower()), True),
    "score": (lambda r: -1 if r.score is None else r.score, True),
    "approvals": (lambda r: r.open_approvals, True),
    "independence": (lambda r: -1 if r.independence is None else r.independence, True),
}


@dataclass
class Row:
    id: int
    title: str
    client: str
    vendor: str
    vendor_id: int
    format: str
    format_label: str
    status: str
    status_label: str
    currency: str
    contract_value: Decimal
    current_milestone: str | None
    ownership_mode: str | None
    milestones: int
    milestones_accepted: int
    released: Decimal
    eligible: Decimal
    held: Decimal
    criteria_met: int
    criteria_total: int
    kpi_status: dict  # {layer: {status: count}}
    score: int | None
    sow_version: int | None
    open_approvals: int
    overdue: int  # milestones past their end and payments overdue
    contract_pdf: tuple | None  # (engagement id, sow id, version number)
    independence: float | None = None  # share of areas with an internal person independent
    bus_factor: float | None = None
    at_risk: bool = False
    reasons: list = field(default_factory=list)

    @property
    def released_share(self):
        return float(self.released / self.contract_value) if self.contract_value else 0.0

    @property
    def proven_share(self):
        return self.criteria_met / self.criteria_total if self.criteria_total else 0.0

    @property
    def risk_score(self):
        counts = [self.kpi_status[layer] for layer in LAYERS]
        return (sum(c["off_track"] for c in counts) * 3 + sum(c["at_risk"] for c in counts)
                + self.overdue * 2)

    def kpi_counts(self, status):
        return sum(self.kpi_status[layer][status] for layer in LAYERS)


def _risk(row):
    """At risk: a KPI off track or at risk, a milestone past its end not accepted, or a
    payment overdue (its due date passed with the gate unmet)."""
    reasons = []
    off, risk = row.kpi_counts("off_track"), row.kpi_counts("at_risk")
    if off:
        reasons.append(f"{off} KPI{'s' if off > 1 else ''} off track")
    if risk:
        reasons.append(f"{risk} KPI{'s' if risk > 1 else ''} at risk")
    if row.overdue:
        reasons.append(f"{row.overdue} overdue item{'s' if row.overdue > 1 else ''}")
    return reasons


def dashboard_rows(*, user, filters=None, sort="risk", descending=None, today=None):
    """All visible engagements as Rows, filtered and sorted (pagination is the caller's).
    `filters`: format, status, vendor (organisation id), at_risk (bool), q (title), ids."""
    filters = filters or {}
    today = today or timezone.localdate()
    qs = engagement_selectors.engagement_list(user=user)
    for name in ("format", "status"):
        if filters.get(name):
            qs = qs.filter(**{name: filters[name]})
    if filters.get("vendor"):
        qs = qs.filter(vendor_id=filters["vendor"])
    if filters.get("q"):
        qs = qs.filter(title__icontains=filters["q"])
    if filters.get("ids"):
        qs = qs.filter(pk__in=filters["ids"])
    engagements = list(qs.values("id", "title", "format", "status", "currency",
                                 "contract_value", "client__name", "vendor__name", "vendor_id"))
    # The visible, filtered engagements as a subquery: one SQL text whatever their number.
    ids = qs.values("pk")
    progress = engagement_selectors.progress_for(ids, today=today)
    money = payment_selectors.money_for(ids)
    cards = kpi_selectors.scorecards(ids, today=today)
    contracts = sow_selectors.contract_facts(ids)
    people = kpi_selectors.independence_for(ids)
    no_card = kpi_selectors.empty_scorecard()
    rows = []
    for e in engagements:
        pk = e["id"]
        p = progress.get(pk, engagement_selectors.NO_PROGRESS)
        m = money.get(pk, payment_selectors.NO_MONEY)
        c = contracts.get(pk, {})
        card = cards.get(pk, no_card)
        row = Row(
            id=pk, title=e["title"], client=e["client__name"], vendor=e["vendor__name"],
            vendor_id=e["vendor_id"], format=e["format"],
            format_label=FORMATS.get(e["format"], e["format"]), status=e["status"],
            status_label=STATUSES.get(e["status"], e["status"]), currency=e["currency"],
            contract_value=e["contract_value"],
            current_milestone=p["current"]["title"] if p["current"] else None,
            ownership_mode=p["current"]["mode"] if p["current"] else None,
            milestones=p["milestones"], milestones_accepted=p["accepted"],
            released=m["released"], eligible=m["eligible"], held=m["held"],
            criteria_met=p["criteria_met"], criteria_total=p["criteria_total"],
            kpi_status={layer: card[layer] for layer in LAYERS},
            score=c.get("score"), sow_version=c.get("version"),
            open_approvals=p["open_approvals"], overdue=p["overdue"] + m["overdue"],
            contract_pdf=c.get("pdf"),
            independence=people.get(pk, {}).get("index"),
            bus_factor=people.get(pk, {}).get("bus_factor"))
        row.reasons = _risk(row)
        row.at_risk = bool(row.reasons)
        rows.append(row)
    if filters.get("at_risk") is not None:
        rows = [r for r in rows if r.at_risk == filters["at_risk"]]
    key, default_desc = SORTS.get(sort, SORTS["risk"])
    rows.sort(key=key, reverse=default_desc if descending is None else descending)
    return rows


def vendor_choices(*, user):
    return sorted(set(engagement_selectors.engagement_list(user=user).values_list(
        "vendor_id", "vendor__name")), key=lambda v: v[1].lower())


def totals(rows):
    """Money and status across the rows, per currency (amounts in different currencies are
    never added together)."""
    by_currency = {}
    for r in rows:
        t = by_currency.setdefault(r.currency, {"value": Decimal(0), "released": Decimal(0),
                                                "eligible": Decimal(0), "held": Decimal(0)})
        t["value"] += r.contract_value
        t["released"] += r.released
        t["eligible"] += r.eligible
        t["held"] += r.held
    return {"engagements": len(rows), "at_risk": sum(r.at_risk for r in rows),
            "by_currency": dict(sorted(by_currency.items()))}
