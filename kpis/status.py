"""A KPI's status, decided in one place: `kpi_status`.

The rule, as the KPI page states it:

1. **Stale** when no value is dated within the last two cadences (14 days for a weekly KPI,
   62 for a monthly one), counted back from today (or from the engagement's last day once it
   is over).
2. Otherwise the latest value is compared with the **planned path** on that value's date.
   The path runs from the baseline on the engagement's start date, through each waypoint, to
   the target on the target date, in straight lines; before its first point it is the first
   point's value and after the target date it is the target.
3. For a KPI where higher is better: **on track** at or above the path; **at risk** below it
   by no more than the band; **off track** further below. Lower is better mirrors it.
   The band is 10% of the planned change (|target − baseline|), or of |target| when there is
   no baseline (or no change), or 1 when that is zero too.
4. For a range KPI: on track inside [lower, upper]; at risk outside by no more than 10% of the
   range's width; off track further out.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

ON_TRACK, AT_RISK, OFF_TRACK, STALE = "on_track", "at_risk", "off_track", "stale"
STATUS_LABELS = {ON_TRACK: "On track", AT_RISK: "At risk", OFF_TRACK: "Off track",
                 STALE: "Stale"}
BAND = Decimal("0.10")
CADENCE_DAYS = {"weekly": 7, "monthly": 31}


@dataclass(frozen=True)
class Status:
    code: str
    why: str
    expected: Decimal | None = None  # the path's value on the latest value's date
    latest: object = None  # the Measurement (or anything with .date and .value)

    @property
    def label(self):
        return STATUS_LABELS[self.code]


def path_points(kpi, waypoints, start):
    """[(date, value)] of the planned path, sorted, one value per date (the later wins)."""
    if kpi.direction == "range":
        return []
    points = {}
    if kpi.baseline is not None:
        points[start] = Decimal(kpi.baseline)
    for w in waypoints:
        points[w.date] = Decimal(w.value)
    points[kpi.target_date] = Decimal(kpi.target)
    return sorted(points.items())


def expected_on(points, day):
    """The path's value on `day` (straight lines between points, flat outside them)."""
    if not points:
        return None
    if day <= points[0][0]:
        return points[0][1]
    for (d0, v0), (d1, v1) in zip(points, points[1:], strict=False):
        if d0 <= day <= d1:
            span = (d1 - d0).days
            return v1 if span == 0 else v0 + (v1 - v0) * Decimal((day - d0).days) / span
    return points[-1][1]


def band(kpi):
    """How far behind the path still counts as at risk rather than off track."""
    if kpi.direction == "range":
        return (Decimal(kpi.upper) - Decimal(kpi.lower)) * BAND
    target = Decimal(kpi.target)
    change = abs(target - Decimal(kpi.baseline)) if kpi.baseline is not None else 0
    return (change or abs(target) or Decimal(1)) * BAND


def _fmt(value):
    value = Decimal(value).quantize(Decimal("0.01")).normalize()
    return f"{value:f}"


def kpi_status(kpi, *, latest, waypoints=(), start, last_day, today=None, explain=True):
    """The status of `kpi` from its latest measurement (or None), on `today`.

    `start` and `last_day` are the engagement's; `waypoints` the KPI's, any order. Without
    `explain` the reason is left empty (a dashboard counting hundreds of statuses).
    """
    today = min(today or date.today(), last_day)
    window = timedelta(days=2 * CADENCE_DAYS.get(kpi.cadence, 7))
    if latest is None:
        return Status(STALE, "No value recorded yet.")
    if latest.date <= today - window:
        return Status(STALE, f"No value since {latest.date:%-d %b %Y}: one is expected "
                             f"{kpi.cadence}." if explain else "", latest=latest)
    value, width = Decimal(latest.value), band(kpi)
    if kpi.direction == "range":
        lower, upper = Decimal(kpi.lower), Decimal(kpi.upper)
        off = lower - value if value < lower else value - upper if value > upper else 0
        code = ON_TRACK if off <= 0 else AT_RISK if off <= width else OFF_TRACK
        why = ""
        if explain:
            where = f"{_fmt(value)} against the range {_fmt(lower)}–{_fmt(upper)}"
            why = f"{where}: inside." if off <= 0 else f"{where}: outside by {_fmt(off)}."
        return Status(code, why, latest=latest)
    expected = expected_on(path_points(kpi, waypoints, start), latest.date)
    behind = expected - value if kpi.direction == "up" else value - expected
    code = ON_TRACK if behind <= 0 else AT_RISK if behind <= width else OFF_TRACK
    why = ""
    if explain:
        where = (f"{_fmt(value)} on {latest.date:%-d %b %Y} against {_fmt(expected)} planned "
                 f"by then")
        why = (f"{where}: at or ahead of plan." if behind <= 0
               else f"{where}: behind by {_fmt(behind)}.")
    return Status(code, why, expected, latest)
