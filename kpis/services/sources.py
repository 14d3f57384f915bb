"""Recording capability KPIs derived from git history and pipeline runs (see kpis.sources)."""

from decimal import Decimal

from django.utils import timezone

from common.errors import DomainError

from .. import sources
from ..models import KPI
from .definitions import last_day
from .measurements import measurements_record


def _kpi(engagement, kpi, key, what):
    if kpi is not None:
        if kpi.engagement_id != engagement.pk:
            raise DomainError("No such KPI on this engagement.", rule="invalid_field",
                              field="kpi")
        return kpi
    found = KPI.objects.filter(engagement=engagement, catalogue_key=key).first()
    if found is None:
        raise DomainError(f"This engagement has no “{what}” KPI: add it from the catalogue "
                          "first, or name the KPI to record into.", rule="kpi_missing",
                          field="kpi")
    return found


def _round(value):
    return Decimal(value).quantize(Decimal("0.01"))


def import_git_authorship(*, actor, engagement, changes, internal_domains, kpi=None):
    """Record the internal share of merged changes per week from [(when, author e-mail)].
    Returns (outcome, weeks recorded {day: (share, internal, total)}, weeks skipped)."""
    internal = sources.domains(internal_domains)
    kpi = _kpi(engagement, kpi, "internal_merged_share", "Internal share of merged changes")
    weeks, skipped = sources.clip(sources.merged_share_by_week(changes, internal),
                                  engagement.start_date, last_day(engagement),
                                  timezone.localdate())
    if not weeks:
        raise DomainError("No merged change falls within the engagement's weeks.",
                          rule="no_rows", field="file")
    outcome = measurements_record(actor=actor, engagement=engagement, via="git history", rows=[
        {"kpi": kpi.pk, "date": day, "value": _round(share), "source": "git",
         "note": f"{i} of {t} merged changes by internal authors"}
        for day, (share, i, t) in weeks.items()])
    return outcome, weeks, skipped


def import_pipeline_runs(*, actor, engagement, runs, internal_domains, retrain_kpi=None,
                         share_kpi=None):
    """Record time to retrain (median hours of internal runs) and the internal share of runs
    started, per week, into whichever of the two KPIs the engagement has."""
    internal = sources.domains(internal_domains)
    kpis = {}
    for name, given, key, what in (("retrain", retrain_kpi, "time_to_retrain", "Time to retrain"),
                                   ("share", share_kpi, "internal_training_runs",
                                    "Training runs started by the internal team")):
        try:
            kpis[name] = _kpi(engagement, given, key, what)
        except DomainError:
            if given is not None:
                raise
    if not kpis:
        raise DomainError("This engagement has neither a “Time to retrain” nor a “Training "
                          "runs started by the internal team” KPI: add one from the catalogue "
                          "first.", rule="kpi_missing", field="kpi")
    weeks, skipped = sources.clip(sources.retrain_by_week(runs, internal),
                                  engagement.start_date, last_day(engagement),
                                  timezone.localdate())
    rows = []
    for day, (hours, share, count) in weeks.items():
        if "retrain" in kpis and hours is not None:
            rows.append({"kpi": kpis["retrain"].pk, "date": day, "value": _round(hours),
                         "source": "ci", "note": "median of internal runs that finished"})
        if "share" in kpis:
            rows.append({"kpi": kpis["share"].pk, "date": day, "value": _round(share),
                         "source": "ci", "note": f"of {count} runs"})
    if not rows:
        raise DomainError("No run falls within the engagement's weeks.", rule="no_rows",
                          field="file")
    outcome = measurements_record(actor=actor, engagement=engagement, rows=rows,
                                  via="pipeline runs")
    return outcome, weeks, skipped
