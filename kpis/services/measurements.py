"""Measurements: record one or many (browser week form, CSV import, pipeline ingestion),
delete one. Every value is checked before anything is written; a batch is all or nothing."""

import math
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from common.errors import DomainError
from engagement.audit import audit_record
from engagement.models import Engagement
from engagement.rules import require
from engagement.signals import gate_inputs_changed

from ..models import KPI, Measurement
from .definitions import last_day

MAX_ABS = Decimal("1e10")
_SOURCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:/@ -]{0,59}")


def parse_value(raw, field_name="value"):
    """A finite number (int, Decimal, float or text such as "12.5"), or a DomainError naming
    the field. Booleans, NaN, infinities, text and numbers beyond ±10^10 are refused."""
    if isinstance(raw, bool) or raw is None:
        number = None
    elif isinstance(raw, float):
        number = Decimal(repr(raw)) if math.isfinite(raw) else None
    else:
        try:
            number = Decimal(str(raw).strip().replace(",", "") if isinstance(raw, str) else raw)
        except (InvalidOperation, TypeError, ValueError):
            number = None
    if number is None or not number.is_finite():
        raise DomainError(f"Give a number for the value (not “{str(raw)[:40]}”).",
                          rule="invalid_field", field=field_name)
    if abs(number) >= MAX_ABS:
        raise DomainError("The value is too large.", rule="invalid_field", field=field_name)
    return number.quantize(Decimal("0.0001"))


def parse_date(raw, field_name="date"):
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw).strip())
    except (TypeError, ValueError):
        raise DomainError(f"Give the date as YYYY-MM-DD (not “{str(raw)[:40]}”).",
                          rule="invalid_field", field=field_name) from None


def _source(raw):
    raw = (raw or "manual").strip()
    if not _SOURCE.fullmatch(raw):
        raise DomainError("The source is a short name (letters, digits, . _ : / @ -).",
                          rule="invalid_field", field="source")
    return raw


@dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rows: list = field(default_factory=list)  # the Measurement of each input row, in order


def check_row(kpi, row, today=None):
    """The row's (date, value, source, note), or a DomainError naming the bad field."""
    engagement = kpi.engagement
    day = parse_date(row.get("date"))
    last = last_day(engagement)
    if not engagement.start_date <= day <= last:
        raise DomainError(f"The date must fall within the engagement: "
                          f"{engagement.start_date:%-d %b %Y} to {last:%-d %b %Y}.",
                          rule="invalid_field", field="date")
    if day > (today or timezone.localdate()):
        raise DomainError("A measurement cannot be dated in the future.",
                          rule="invalid_field", field="date")
    note = str(row.get("note") or "")
    if len(note) > 500:
        raise DomainError("Keep the note under 500 characters.", rule="invalid_field",
                          field="note")
    return day, parse_value(row.get("value")), _source(row.get("source")), note


@transaction.atomic
def measurements_record(*, actor, engagement, rows, via="manual"):
    """Record measurements of the engagement's KPIs: `rows` are dicts with kpi (id or KPI),
    date, value, and optional source and note.

    1. every row is checked (KPI of this engagement, date within it and not ahead, value a
       finite number); the first bad row is refused, naming its index and field, and nothing
       is written;
    2. (KPI, date, source) already recorded with the same value and note is left as it is, so
       a retried pipeline posts once; a different value replaces it (a correction, audited);
    3. one audit event for the batch; payment gates are re-evaluated on commit.
    """
    require(actor, "kpis.record_measurement", engagement)
    # Batches of one engagement queue here, so a retried POST that races its first attempt
    # sees the first one's rows instead of inserting beside them.
    Engagement.objects.select_for_update().filter(pk=engagement.pk).values_list("pk").get()
    kpis = {k.pk: k for k in KPI.objects.filter(engagement=engagement).select_related(
        "engagement")}
    checked, keys, today = {}, [], timezone.localdate()
    for i, row in enumerate(rows):
        try:
            raw = row.get("kpi")
            kpi = kpis.get(getattr(raw, "pk", raw) if not isinstance(raw, str) else (
                int(raw) if raw.isdigit() else None))
            if kpi is None:
                raise DomainError("No such KPI on this engagement.", rule="invalid_field",
                                  field="kpi")
            day, value, source, note = check_row(kpi, row, today)
        except DomainError as exc:
            exc.row = i
            if len(rows) > 1:
                exc.message = f"Row {i + 1}: {exc.message}"
                exc.args = (exc.message,)
                exc.fields = {k: [f"Row {i + 1}: {m}" for m in v] for k, v in exc.fields.items()}
            raise
        # A later row for the same key wins, as a re-entered value on the form would.
        checked[(kpi.pk, day, source)] = (value, note)
        keys.append((kpi.pk, day, source))
    existing = {(m.kpi_id, m.date, m.source): m for m in Measurement.objects.select_for_update()
                .filter(kpi__engagement=engagement, kpi_id__in={k[0] for k in checked},
                        date__in={k[1] for k in checked})}
    outcome, by_key = Outcome(), {}
    new, changed, log = [], [], []
    for (kpi_id, day, source), (value, note) in checked.items():
        m = existing.get((kpi_id, day, source))
        if m is None:
            m = Measurement(kpi_id=kpi_id, date=day, value=value, source=source, note=note,
                            entered_by=actor)
            m.full_clean(validate_unique=False)
            new.append(m)
            log.append([kpi_id, str(day), str(value), source])
        elif m.value != value or m.note != note:
            log.append([kpi_id, str(day), str(value), source, f"was {m.value}"])
            m.value, m.note, m.entered_by = value, note, actor
            changed.append(m)
        else:
            outcome.unchanged += 1
        by_key[(kpi_id, day, source)] = m
    Measurement.objects.bulk_create(new)
    if changed:
        Measurement.objects.bulk_update(changed, ["value", "note", "entered_by", "updated_at"])
    outcome.created, outcome.updated = len(new), len(changed)
    outcome.rows = [by_key[k] for k in keys]
    if new or changed:
        audit_record(engagement=engagement, actor=actor, verb="kpi.measurements_recorded",
                     obj=engagement, after={"via": via, "created": len(new),
                                            "updated": len(changed), "values": log[:200]})
        gate_inputs_changed.send(sender=Measurement, engagement_id=engagement.pk)
    return outcome


@transaction.atomic
def measurement_delete(*, actor, measurement, reason):
    locked = Measurement.objects.select_for_update().select_related("kpi__engagement").get(
        pk=measurement.pk)
    engagement = locked.kpi.engagement
    require(actor, "kpis.record_measurement", engagement)
    if not (reason or "").strip():
        raise DomainError("Say why the value is removed.", rule="invalid_field", field="reason")
    audit_record(engagement=engagement, actor=actor, verb="kpi.measurement_deleted",
                 obj=locked, before={"kpi": locked.kpi_id, "date": str(locked.date),
                                     "value": str(locked.value), "source": locked.source},
                 reason=reason.strip())
    locked.delete()
    gate_inputs_changed.send(sender=Measurement, engagement_id=engagement.pk)
