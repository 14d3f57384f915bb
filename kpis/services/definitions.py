"""KPI definitions: define, edit, delete, add from the catalogue; activation's KPI rules."""

import tomllib
from datetime import timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.db import transaction

from common.errors import DomainError, RuleViolation
from common.versioning import check_version, create_clean, full_clean
from engagement.audit import audit_record
from engagement.models import Engagement
from engagement.rules import require

from ..models import KPI, KPIWaypoint

CATALOGUE = Path(__file__).resolve().parent.parent / "data" / "catalogue.toml"
EDITABLE = ("layer", "name", "unit", "direction", "baseline", "target", "lower", "upper",
            "target_date", "cadence", "source", "owner", "how_to_measure")


def quarters(engagement):
    """(start, end) of each quarter (13 weeks) the engagement spans, the last one possibly short.
    `end` is exclusive, except for the last quarter (see `in_quarter`)."""
    spans, week = [], 0
    while week < engagement.length_weeks:
        start = engagement.start_date + timedelta(weeks=week)
        end = engagement.start_date + timedelta(weeks=min(week + 13, engagement.length_weeks))
        spans.append((start, end))
        week += 13
    return spans


def in_quarter(day, index, spans):
    """Whether `day` falls in quarter `index`: its start inclusive, its end exclusive, except
    the last quarter, which also holds the engagement's last day (its end)."""
    start, end = spans[index]
    return start <= day < end or (index == len(spans) - 1 and day == end)


def last_day(engagement):
    return max(filter(None, [engagement.end_date, engagement.off_ramp_date]))


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
        spans = quarters(engagement)
        uncovered = [
            f"{s:%-d %b %Y}–{e:%-d %b %Y}"
            for i, (s, e) in enumerate(spans)
            if not any(in_quarter(d, i, spans) for d in dates)
        ]
        if uncovered:
            problems.append(
                "A retainer needs a quarterly capability target; no capability KPI is due in "
                + "; ".join(uncovered) + "."
            )
    return problems


def _check_dates(engagement, target_date, waypoints):
    last = last_day(engagement)
    span = f"{engagement.start_date:%-d %b %Y} to {last:%-d %b %Y}"
    if not engagement.start_date <= target_date <= last:
        raise DomainError(f"The target date must fall within the engagement: {span}.",
                          rule="invalid_field", field="target_date")
    for w in waypoints:
        if not engagement.start_date <= w["date"] <= target_date:
            raise DomainError(f"A waypoint's date must fall between the engagement's start "
                              f"and the target date ({w['date']:%-d %b %Y} does not).",
                              rule="invalid_field", field="waypoints")
    if len({w["date"] for w in waypoints}) != len(waypoints):
        raise DomainError("Two waypoints share a date: give one value per date.",
                          rule="invalid_field", field="waypoints")


def _check_owner(engagement, owner):
    parties = (engagement.client_id, engagement.vendor_id)
    if owner is not None and owner.organisation_id not in parties and not (
            engagement.staffing.filter(user=owner).exists()):
        raise DomainError("The owner must be someone from one of the engagement's parties.",
                          rule="invalid_field", field="owner")


def _number(value, field):
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        number = None
    if number is None or not number.is_finite():
        raise DomainError("Give a number.", rule="invalid_field", field=field)
    return number


def _waypoints(waypoints):
    out = []
    for w in waypoints or []:
        value = _number(w.get("value"), "waypoints")
        if value is None or not w.get("date"):
            raise DomainError("Each waypoint needs a date and a value.", rule="invalid_field",
                              field="waypoints")
        out.append({"date": w["date"], "value": value})
    return sorted(out, key=lambda w: w["date"])


@transaction.atomic
def kpi_define(*, actor, engagement, layer, name, target_date, target=None, unit="",
               direction="up", baseline=None, lower=None, upper=None, cadence="weekly",
               source="manual", owner=None, how_to_measure="", waypoints=None,
               catalogue_key=""):
    require(actor, "kpis.define_kpi", engagement)
    if layer not in KPI.Layer.values:
        raise DomainError("The layer is business, system or capability.", rule="invalid_field",
                          field="layer")
    if not (name or "").strip():
        raise DomainError("Give the KPI a name.", rule="invalid_field", field="name")
    points = _waypoints(waypoints)
    _check_dates(engagement, target_date, points)
    _check_owner(engagement, owner)
    kpi = create_clean(
        KPI,
        engagement=engagement, layer=layer, name=name.strip(), unit=unit, direction=direction,
        baseline=_number(baseline, "baseline"), target=_number(target, "target"),
        lower=_number(lower, "lower"), upper=_number(upper, "upper"), target_date=target_date,
        cadence=cadence, source=source, owner=owner, how_to_measure=how_to_measure,
        catalogue_key=catalogue_key, created_by=actor, updated_by=actor,
    )
    KPIWaypoint.objects.bulk_create(KPIWaypoint(kpi=kpi, **w) for w in points)
    audit_record(engagement=engagement, actor=actor, verb="kpi.defined", obj=kpi,
                 after={"layer": layer, "name": kpi.name, "goal": kpi.goal_text,
                        "target_date": target_date, "waypoints": len(points)})
    return kpi


def _snapshot(kpi, waypoints):
    out = {f: getattr(kpi, f"{f}_id" if f == "owner" else f) for f in EDITABLE}
    out["waypoints"] = [(str(w.date), str(w.value)) for w in waypoints]
    return out


@transaction.atomic
def kpi_update(*, actor, kpi, data, waypoints=None, expected_version=None):
    """Change a KPI's definition (audited, before and after). `waypoints`, when given,
    replaces the list."""
    locked = KPI.objects.select_for_update().select_related("engagement").get(pk=kpi.pk)
    require(actor, "kpis.define_kpi", locked)
    check_version(locked, expected_version, set(data), noun="KPI")
    old_points = list(locked.waypoints.all())
    before = _snapshot(locked, old_points)
    unknown = set(data) - set(EDITABLE)
    if unknown:
        raise DomainError(f"These fields cannot be changed: {', '.join(sorted(unknown))}.",
                          rule="invalid_field", field=sorted(unknown)[0])
    for field in ("baseline", "target", "lower", "upper"):
        if field in data:
            data[field] = _number(data[field], field)
    for field, value in data.items():
        setattr(locked, field, value)
    if "name" in data and not (locked.name or "").strip():
        raise DomainError("Give the KPI a name.", rule="invalid_field", field="name")
    points = _waypoints(waypoints) if waypoints is not None else [
        {"date": w.date, "value": w.value} for w in old_points]
    _check_dates(locked.engagement, locked.target_date, points)
    _check_owner(locked.engagement, locked.owner)
    locked.updated_by = actor
    locked.version += 1
    full_clean(locked)
    locked.save()
    if waypoints is not None:
        locked.waypoints.all().delete()
        KPIWaypoint.objects.bulk_create(KPIWaypoint(kpi=locked, **w) for w in points)
    after = _snapshot(locked, [KPIWaypoint(**w) for w in points])
    changed = {k for k in after if after[k] != before[k]}
    audit_record(engagement=locked.engagement, actor=actor, verb="kpi.changed", obj=locked,
                 before={k: before[k] for k in sorted(changed)},
                 after={k: after[k] for k in sorted(changed)})
    return locked


@transaction.atomic
def kpi_delete(*, actor, kpi):
    """Only while the KPI has no measurements, gates no payment and the engagement is a
    draft: afterwards it is part of what was agreed and measured."""
    from payments import selectors as payment_selectors

    locked = KPI.objects.select_for_update().select_related("engagement").get(pk=kpi.pk)
    require(actor, "kpis.define_kpi", locked)
    if locked.engagement.status != Engagement.Status.DRAFT:
        raise RuleViolation("A KPI can be deleted only while the engagement is a draft; edit "
                            "it instead.", rule="kpi_in_force")
    if locked.measurements.exists():
        raise RuleViolation("This KPI has measurements, so it cannot be deleted.",
                            rule="kpi_has_measurements")
    if payment_selectors.condition_refs(kind="kpi", ref_ids=[locked.pk]):
        raise RuleViolation("A payment's gate waits on this KPI: remove it from the payment "
                            "first.", rule="kpi_gates_payment")
    audit_record(engagement=locked.engagement, actor=actor, verb="kpi.deleted", obj=locked,
                 before=_snapshot(locked, list(locked.waypoints.all())))
    locked.delete()


@cache
def _catalogue():
    with CATALOGUE.open("rb") as fh:
        entries = tomllib.load(fh)["kpi"]
    return {e["key"]: e for e in entries}


def catalogue():
    """The standard KPIs, in file order: dicts with key, layer, name, unit, direction,
    baseline/target/lower/upper suggestions, cadence, source and `how`."""
    return list(_catalogue().values())


def kpi_add_from_catalogue(*, actor, engagement, key, target_date=None, **overrides):
    """Add a standard KPI; its suggested target and the engagement's last day unless given."""
    entry = _catalogue().get(key)
    if entry is None:
        raise DomainError("There is no such KPI in the catalogue.", rule="invalid_field",
                          field="key")
    fields = {f: entry[f] for f in ("layer", "name", "unit", "direction", "cadence", "source")}
    for f in ("baseline", "target", "lower", "upper"):
        if f in entry:
            fields[f] = Decimal(str(entry[f]))
    fields.update({k: v for k, v in overrides.items() if v is not None})
    return kpi_define(actor=actor, engagement=engagement,
                      target_date=target_date or engagement.end_date,
                      how_to_measure=entry["how"], catalogue_key=key, **fields)
