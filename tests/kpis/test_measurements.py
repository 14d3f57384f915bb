"""Recording KPI values: bad values refused naming the field, a batch all or nothing, a
retried pipeline post recorded once, corrections audited; KPI edit and delete rules."""

import datetime as dt
from decimal import Decimal

import pytest

from common.errors import DomainError, NotAllowed, RuleViolation
from engagement.models import AuditEvent
from kpis.models import KPI, Measurement
from kpis.services import (
    catalogue,
    kpi_add_from_catalogue,
    kpi_define,
    kpi_delete,
    kpi_update,
    measurements_record,
)

DAY = dt.date(2026, 9, 21)


@pytest.fixture
def kpi(engagement, people):
    return kpi_define(actor=people["pm"], engagement=engagement, layer="capability",
                      name="Internal share of merged changes", unit="%", baseline=0,
                      target=Decimal(70), target_date=dt.date(2026, 11, 1))


def record(engagement, actor, *rows):
    return measurements_record(actor=actor, engagement=engagement, rows=list(rows))


@pytest.mark.parametrize("bad", ["NaN", "nan", "Infinity", "-inf", float("nan"),
                                 float("inf"), "twelve", "", None, True, "1e20", [1]])
def test_a_value_that_is_not_a_finite_number_is_refused_naming_the_field(engagement, people,
                                                                       kpi, bad):
    with pytest.raises(DomainError) as err:
        record(engagement, people["pm"], {"kpi": kpi.pk, "date": DAY, "value": bad})
    assert err.value.field == "value"
    assert not Measurement.objects.exists()


@pytest.mark.parametrize("day", [dt.date(2026, 9, 6), dt.date(2027, 1, 1), "2026-13-01",
                                 "yesterday", None])
def test_a_date_outside_the_engagement_or_unreadable_is_refused(engagement, people, kpi, day):
    with pytest.raises(DomainError) as err:
        record(engagement, people["pm"], {"kpi": kpi.pk, "date": day, "value": 3})
    assert err.value.field == "date"


def test_a_batch_with_one_bad_row_writes_nothing_and_names_the_row(engagement, people, kpi):
    with pytest.raises(DomainError) as err:
        record(engagement, people["pm"], {"kpi": kpi.pk, "date": DAY, "value": 10},
               {"kpi": kpi.pk, "date": DAY + dt.timedelta(days=7), "value": "n/a"})
    assert err.value.row == 1 and "Row 2" in err.value.message
    assert not Measurement.objects.exists()


def test_a_kpi_of_another_engagement_is_refused(engagement, people, kpi, orgs):
    from tests.engagement.factories import make_engagement, under_way

    other = under_way(make_engagement(actor=people["procurement"], client=orgs["client"],
                                      vendor=orgs["vendor"]))
    with pytest.raises(DomainError) as err:
        record(other, people["pm"], {"kpi": kpi.pk, "date": DAY, "value": 1})
    assert err.value.field == "kpi"


def test_a_retried_post_records_once_and_a_changed_value_is_a_correction(engagement, people,
                                                                        kpi):
    row = {"kpi": kpi.pk, "date": DAY, "value": "12.5", "source": "ci:github"}
    first = record(engagement, people["pm"], row)
    again = record(engagement, people["pm"], dict(row))
    assert (first.created, again.created, again.unchanged) == (1, 0, 1)
    assert Measurement.objects.get().value == Decimal("12.5")
    events = AuditEvent.objects.filter(verb="kpi.measurements_recorded")
    assert events.count() == 1  # the retry changed nothing, so it wrote nothing
    fixed = record(engagement, people["pm"], {**row, "value": 13})
    assert fixed.updated == 1 and Measurement.objects.get().value == 13
    assert events.count() == 2 and "was 12.5" in str(events.last().after)
    # Another source on the same day is another measurement.
    record(engagement, people["pm"], {**row, "source": "manual"})
    assert Measurement.objects.count() == 2


def test_the_vendor_cannot_record_the_clients_evidence(engagement, people, kpi):
    with pytest.raises(NotAllowed):
        record(engagement, people["vendor"], {"kpi": kpi.pk, "date": DAY, "value": 1})


def test_a_future_date_is_refused(engagement, people, kpi):
    from django.utils import timezone

    engagement.length_weeks = 200
    engagement.save()
    with pytest.raises(DomainError) as err:
        record(engagement, people["pm"], {"kpi": kpi.pk, "value": 1,
                                          "date": timezone.localdate() + dt.timedelta(days=1)})
    assert "future" in err.value.message


def test_range_kpi_needs_bounds_in_order(draft_engagement, people):
    with pytest.raises(DomainError) as err:
        kpi_define(actor=people["pm"], engagement=draft_engagement, layer="system",
                   name="Calibration", direction="range", lower=2, upper=1,
                   target_date=dt.date(2026, 10, 1))
    assert err.value.field == "upper"
    k = kpi_define(actor=people["pm"], engagement=draft_engagement, layer="system",
                   name="Calibration", direction="range", lower="0.9", upper="1.1",
                   target_date=dt.date(2026, 10, 1))
    assert k.goal_text == "between 0.9 and 1.1"


def test_edit_is_audited_with_before_and_after_and_checks_the_version(engagement, people, kpi):
    from common.errors import ConflictError

    kpi_update(actor=people["pm"], kpi=kpi, data={"target": "80"},
               waypoints=[{"date": dt.date(2026, 10, 5), "value": 30}], expected_version=1)
    kpi.refresh_from_db()
    assert kpi.target == 80 and kpi.version == 2 and kpi.waypoints.count() == 1
    event = AuditEvent.objects.filter(verb="kpi.changed").get()
    assert event.before["target"] == "70.0000" and event.after["target"] == "80"
    with pytest.raises(ConflictError):
        kpi_update(actor=people["pm"], kpi=kpi, data={"target": "90"}, expected_version=1)
    with pytest.raises(DomainError) as err:
        kpi_update(actor=people["pm"], kpi=kpi, data={},
                   waypoints=[{"date": dt.date(2027, 1, 1), "value": 30}])
    assert err.value.field == "waypoints"


def test_delete_only_while_draft_and_unmeasured(draft_engagement, engagement, people, kpi):
    with pytest.raises(RuleViolation) as err:
        kpi_delete(actor=people["pm"], kpi=kpi)
    assert err.value.rule == "kpi_in_force"
    plan = kpi_define(actor=people["pm"], engagement=draft_engagement, layer="business",
                      name="Deflection", target=40, target_date=dt.date(2026, 10, 1))
    kpi_delete(actor=people["pm"], kpi=plan)
    assert not KPI.objects.filter(pk=plan.pk).exists()
    assert AuditEvent.objects.filter(verb="kpi.deleted", engagement=draft_engagement).exists()


def test_every_catalogue_entry_can_be_added_with_one_click(draft_engagement, people):
    entries = catalogue()
    assert {e["layer"] for e in entries} == {"business", "system", "capability"}
    assert len(entries) >= 15 and all(e["how"] for e in entries)
    for e in entries:
        k = kpi_add_from_catalogue(actor=people["pm"], engagement=draft_engagement, key=e["key"])
        assert k.catalogue_key == e["key"] and k.how_to_measure == e["how"]
        assert k.target_date == draft_engagement.end_date
    with pytest.raises(DomainError):
        kpi_add_from_catalogue(actor=people["pm"], engagement=draft_engagement, key="nope")


def test_a_retainer_target_on_the_last_day_counts_for_the_last_quarter(people, orgs):
    from kpis.services import activation_problems
    from tests.engagement.factories import make_engagement

    e = make_engagement(actor=people["procurement"], client=orgs["client"],
                        vendor=orgs["vendor"], format="retainer", length_weeks=26,
                        off_ramp_date=dt.date(2027, 3, 8))
    for layer, day in (("business", e.end_date), ("system", e.end_date),
                       ("capability", e.start_date + dt.timedelta(weeks=5)),
                       ("capability", e.end_date)):
        kpi_define(actor=people["pm"], engagement=e, layer=layer, name=f"{layer} {day}",
                   target=1, target_date=day)
    assert activation_problems(e) == []
