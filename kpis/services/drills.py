"""Incident drills: planned by a schedule, held by the internal on-call team, reviewed by a
client-side user. A passed drill proves its incident-drill criterion, can release a gated
payment (the `drill` condition kind) and feeds the drill success KPI."""

import datetime as dt
from pathlib import PurePath

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from common.errors import DomainError, RuleViolation
from common.versioning import check_version
from engagement.audit import audit_record
from engagement.models import AcceptanceCriterion, Engagement, Milestone, Side
from engagement.rules import require
from engagement.services import check_upload, criterion_verify
from engagement.services.notifications import engagement_stewards, notify_many
from engagement.signals import gate_inputs_changed

from ..models import KPI, IncidentDrill
from .definitions import last_day
from .measurements import measurements_record

R = IncidentDrill.Result
SCENARIOS = IncidentDrill.Scenario.values


def drill_outcome(drill):
    """(result, reason): the one rule for whether a drill counts.

    Planned until it is held. A vendor primary responder, or times over the SLA, make it not
    count. Otherwise it passes once a client-side user reviewed the postmortem as complete
    (needs work does not count; it is planned again only by a new drill)."""
    if drill.held_on is None:
        return R.PLANNED, "Not held yet."
    primary_side = drill.primary_responder.side if drill.primary_responder_id else None
    if drill.vendor_role == IncidentDrill.VendorRole.PRIMARY or primary_side == Side.VENDOR:
        return R.FAIL, ("The vendor was the primary responder: the drill shows the vendor can "
                        "run the system, not the client's team.")
    if primary_side != Side.INTERNAL:
        return R.FAIL, "No internal primary responder was recorded."
    slow = []
    if drill.detect_minutes is None or drill.detect_minutes > drill.sla_detect_minutes:
        slow.append(f"detected in {drill.detect_minutes} min (SLA {drill.sla_detect_minutes})")
    if drill.restore_minutes is None or drill.restore_minutes > drill.sla_restore_minutes:
        slow.append(f"restored in {drill.restore_minutes} min "
                    f"(SLA {drill.sla_restore_minutes})")
    if slow:
        return R.FAIL, "Outside the SLA: " + "; ".join(slow) + "."
    if not (drill.postmortem_url or drill.postmortem_file):
        return R.PLANNED, "Held within the SLA; waiting for the postmortem."
    if drill.review == IncidentDrill.Review.NEEDS_WORK:
        return R.FAIL, "The postmortem review asked for more work."
    if drill.review != IncidentDrill.Review.COMPLETE:
        return R.PLANNED, "Held within the SLA; the postmortem waits for a client-side review."
    return R.PASS, "Internal primary responder, within the SLA, postmortem reviewed."


def _check_criterion(engagement, criterion):
    if criterion is not None and (criterion.milestone.engagement_id != engagement.pk
                                  or criterion.method != AcceptanceCriterion.Method.INCIDENT_DRILL):
        raise DomainError("Link the drill to one of this engagement's incident-drill criteria.",
                          rule="invalid_field", field="criterion")


def _check_scenario(scenario, detail):
    if scenario not in SCENARIOS:
        raise DomainError("Choose a scenario.", rule="invalid_field", field="scenario")
    if scenario == IncidentDrill.Scenario.CUSTOM and not (detail or "").strip():
        raise DomainError("Describe the custom scenario.", rule="invalid_field",
                          field="scenario_detail")


@transaction.atomic
def drill_plan(*, actor, engagement, scenario, planned_for, sla_detect_minutes=15,
               sla_restore_minutes=60, criterion=None, scenario_detail=""):
    require(actor, "kpis.run_drill", engagement)
    _check_scenario(scenario, scenario_detail)
    _check_criterion(engagement, criterion)
    if not engagement.start_date <= planned_for <= last_day(engagement):
        raise DomainError("Plan the drill within the engagement.", rule="invalid_field",
                          field="planned_for")
    for name, value in (("sla_detect_minutes", sla_detect_minutes),
                        ("sla_restore_minutes", sla_restore_minutes)):
        if not isinstance(value, int) or not 1 <= value <= 10_000:
            raise DomainError("Give the SLA in whole minutes.", rule="invalid_field", field=name)
    drill = IncidentDrill(engagement=engagement, scenario=scenario, planned_for=planned_for,
                          sla_detect_minutes=sla_detect_minutes,
                          sla_restore_minutes=sla_restore_minutes, criterion=criterion,
                          scenario_detail=scenario_detail or "", recorded_by=actor)
    drill.full_clean()
    drill.save()
    audit_record(engagement=engagement, actor=actor, verb="drill.planned", obj=drill,
                 after={"scenario": scenario, "planned_for": planned_for})
    return drill


def _lock(drill):
    return IncidentDrill.objects.select_for_update(of=("self",)).select_related(
        "engagement", "primary_responder", "criterion__milestone").get(pk=drill.pk)


def _settle(locked, actor, verb, before, after, reason=""):
    """Recompute the result, save, audit; on a change, prove the criterion, feed the KPI and
    wake the payment gates."""
    old = locked.result
    locked.result, locked.result_reason = drill_outcome(locked)
    locked.version += 1
    locked.full_clean()
    locked.save()
    after = {**after, "result": locked.result}
    audit_record(engagement=locked.engagement, actor=actor, verb=verb, obj=locked,
                 before=before, after=after, reason=reason)
    if locked.result != old:
        if locked.result == R.PASS and locked.criterion_id:
            _prove_criterion(locked, actor)
        _feed_kpi(locked, actor)
        gate_inputs_changed.send(sender=IncidentDrill, engagement_id=locked.engagement_id)
    return locked


@transaction.atomic
def drill_record(*, actor, drill, held_on, detect_minutes, restore_minutes,
                 primary_responder, vendor_role=IncidentDrill.VendorRole.SHADOWING,
                 postmortem_url="", postmortem_file=None, expected_version=None):
    """What happened in the drill: when, how fast, who led, and the postmortem."""
    locked = _lock(drill)
    require(actor, "kpis.run_drill", locked.engagement)
    check_version(locked, expected_version, {"held_on"}, noun="drill")
    engagement = locked.engagement
    if not engagement.start_date <= held_on <= min(timezone.localdate(), last_day(engagement)):
        raise DomainError("The drill's date must fall between the engagement's start and "
                          "today.", rule="invalid_field", field="held_on")
    for name, value in (("detect_minutes", detect_minutes),
                        ("restore_minutes", restore_minutes)):
        if not isinstance(value, int) or not 0 <= value <= 100_000:
            raise DomainError("Give the time in whole minutes.", rule="invalid_field",
                              field=name)
    if primary_responder is None or primary_responder.engagement_id != engagement.pk:
        raise DomainError("Choose the primary responder from the engagement's people.",
                          rule="invalid_field", field="primary_responder")
    if vendor_role not in IncidentDrill.VendorRole.values:
        raise DomainError("The vendor's role is shadowing, not present or primary.",
                          rule="invalid_field", field="vendor_role")
    before = {"held_on": locked.held_on, "result": locked.result}
    locked.held_on, locked.detect_minutes, locked.restore_minutes = (
        held_on, detect_minutes, restore_minutes)
    locked.primary_responder, locked.vendor_role = primary_responder, vendor_role
    if postmortem_url:
        locked.postmortem_url = postmortem_url
    if postmortem_file is not None:
        check_upload(postmortem_file)
        locked.postmortem_file = postmortem_file
        locked.postmortem_name = PurePath(postmortem_file.name).name[:200]
    # New facts need a new review.
    locked.review, locked.reviewed_by, locked.reviewed_at = (
        IncidentDrill.Review.PENDING, None, None)
    locked.recorded_by = actor
    return _settle(locked, actor, "drill.recorded", before, {
        "held_on": held_on, "detect_minutes": detect_minutes,
        "restore_minutes": restore_minutes, "primary": primary_responder.display_name,
        "primary_side": primary_responder.side, "vendor_role": vendor_role})


@transaction.atomic
def drill_review(*, actor, drill, review, note=""):
    """A client-side user's verdict on the postmortem: complete, or needs work (with why)."""
    locked = _lock(drill)
    require(actor, "kpis.review_drill", locked.engagement)
    if locked.held_on is None:
        raise RuleViolation("The drill has not been held yet: record it first.",
                            rule="drill_not_held")
    if not (locked.postmortem_url or locked.postmortem_file):
        raise RuleViolation("There is no postmortem to review yet.", rule="drill_no_postmortem")
    if review not in (IncidentDrill.Review.COMPLETE, IncidentDrill.Review.NEEDS_WORK):
        raise DomainError("The review is complete or needs_work.", rule="invalid_field",
                          field="review")
    if review == IncidentDrill.Review.NEEDS_WORK and not (note or "").strip():
        raise DomainError("Say what the postmortem still needs.", rule="invalid_field",
                          field="note")
    before = {"review": locked.review, "result": locked.result}
    locked.review, locked.review_note = review, (note or "").strip()
    locked.reviewed_by, locked.reviewed_at = actor, timezone.now()
    return _settle(locked, actor, "drill.reviewed", before, {"review": review}, reason=note)


def _prove_criterion(drill, actor):
    """A passed drill is its criterion's evidence; the criterion turns met if it can still
    change (an accepted milestone's criteria stay as they were accepted)."""
    criterion = drill.criterion
    if criterion.status == AcceptanceCriterion.Status.MET:
        return
    url = reverse("kpis:drills", args=[drill.engagement_id]) + f"#drill-{drill.pk}"
    try:
        criterion_verify(actor=actor, criterion=criterion, status="met",
                         note=f"Incident drill passed on {drill.held_on:%-d %b %Y}: "
                              f"{drill.get_scenario_display().lower()}, primary responder "
                              f"{drill.primary_responder.display_name}, restored in "
                              f"{drill.restore_minutes} min (SLA {drill.sla_restore_minutes}); "
                              f"postmortem reviewed. {url}")
    except DomainError as exc:
        audit_record(engagement=drill.engagement, actor=actor, verb="drill.criterion_unchanged",
                     obj=drill, reason=exc.message)


def _feed_kpi(drill, actor):
    """The drill success KPI (catalogue key drill_success), if the engagement has it: the
    share of decided drills held in the drill's month that passed, dated the drill's day."""
    kpi = KPI.objects.filter(engagement=drill.engagement, catalogue_key="drill_success").first()
    if kpi is None or drill.held_on is None:
        return
    month = drill.held_on.replace(day=1)
    decided = list(IncidentDrill.objects.filter(
        engagement=drill.engagement, held_on__gte=month, held_on__lte=drill.held_on,
        result__in=[R.PASS, R.FAIL]).values_list("result", flat=True))
    if not decided:
        return
    share = 100 * sum(r == R.PASS for r in decided) / len(decided)
    measurements_record(actor=actor, engagement=drill.engagement, via="drills", rows=[
        {"kpi": kpi.pk, "date": drill.held_on, "value": round(share, 2), "source": "drills",
         "note": f"{sum(r == R.PASS for r in decided)} of {len(decided)} drills this month"}])


@transaction.atomic
def drills_schedule(*, actor, engagement):
    """Plan the drills the contract promises: one before each go-live milestone (linked to its
    incident-drill criterion) for every format, and one a month for a retainer. Drills
    already planned for a criterion or a month are kept; returns the new ones."""
    require(actor, "kpis.run_drill", engagement)
    existing = list(IncidentDrill.objects.filter(engagement=engagement))
    covered_criteria = {d.criterion_id for d in existing if d.criterion_id}
    covered_months = {(d.planned_for.year, d.planned_for.month) for d in existing}
    new = []
    for milestone in Milestone.objects.filter(engagement=engagement,
                                              kind=Milestone.Kind.GO_LIVE).prefetch_related(
            "criteria"):
        for criterion in milestone.criteria.all():
            if criterion.method != AcceptanceCriterion.Method.INCIDENT_DRILL or (
                    criterion.pk in covered_criteria):
                continue
            day = max(engagement.start_date,
                      milestone.due_date - dt.timedelta(days=7))
            new.append(IncidentDrill(engagement=engagement, criterion=criterion,
                                     scenario=IncidentDrill.Scenario.DRIFT_ALERT,
                                     planned_for=day, recorded_by=actor))
            covered_months.add((day.year, day.month))
    if engagement.format == Engagement.Format.RETAINER:
        start, last, k = engagement.start_date, last_day(engagement), 1
        while (day := _months_after(start, k)) <= last:
            if (day.year, day.month) not in covered_months:
                new.append(IncidentDrill(engagement=engagement, planned_for=day,
                                         scenario=IncidentDrill.Scenario.BAD_RELEASE,
                                         recorded_by=actor))
                covered_months.add((day.year, day.month))
            k += 1
    IncidentDrill.objects.bulk_create(new)
    if new:
        audit_record(engagement=engagement, actor=actor, verb="drill.scheduled", obj=engagement,
                     after={"planned": [str(d.planned_for) for d in new]})
    return new


def _months_after(day, k):
    """The same day of the month k months later (the month's last day when it is shorter)."""
    import calendar

    year, month = divmod(day.month - 1 + k, 12)
    year, month = day.year + year, month + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def drills_overdue_notify(*, today=None):
    """Tell the program managers once about each drill past its date and not held (one
    claiming UPDATE, one read, one insert, whatever the number)."""
    today = today or timezone.localdate()
    with transaction.atomic():
        due = IncidentDrill.objects.select_for_update(skip_locked=True).filter(
            held_on__isnull=True, planned_for__lt=today, overdue_notified_at__isnull=True,
            engagement__status__in=["active", "transition"])
        rows = list(due.select_related("engagement"))
        if not rows:
            return 0
        IncidentDrill.objects.filter(pk__in=[d.pk for d in rows]).update(
            overdue_notified_at=timezone.now())
        stewards = engagement_stewards({d.engagement_id for d in rows})
        notify_many([
            (d.engagement, [u for u in stewards[d.engagement_id]
                            if u.role == "program_manager"],
             f"{d.engagement.title}: the {d.get_scenario_display().lower()} drill planned for "
             f"{d.planned_for:%-d %b %Y} has not been held.",
             reverse("kpis:drills", args=[d.engagement_id]) + f"#drill-{d.pk}")
            for d in rows])
    return len(rows)


def overdue_drills(engagement, today=None):
    today = today or timezone.localdate()
    return list(IncidentDrill.objects.filter(engagement=engagement, held_on__isnull=True,
                                             planned_for__lt=today))


@transaction.atomic
def drill_delete(*, actor, drill):
    """Only a drill that was never held: a held one is evidence, kept."""
    locked = _lock(drill)
    require(actor, "kpis.run_drill", locked.engagement)
    if locked.held_on is not None:
        raise RuleViolation("A held drill is evidence and stays on record.",
                            rule="drill_held")
    from payments import selectors as payment_selectors

    if payment_selectors.condition_refs(kind="drill", ref_ids=[locked.pk]):
        raise RuleViolation("A payment's gate waits on this drill: remove it from the payment "
                            "first.", rule="drill_gates_payment")
    audit_record(engagement=locked.engagement, actor=actor, verb="drill.removed", obj=locked,
                 before={"scenario": locked.scenario, "planned_for": locked.planned_for})
    locked.delete()
