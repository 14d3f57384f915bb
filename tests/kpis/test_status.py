"""The status rule (kpis.status.kpi_status) on constructed series: each status, each
direction, a range, waypoints and staleness."""

import datetime as dt
from decimal import Decimal as D
from types import SimpleNamespace as NS

import pytest

from kpis.status import AT_RISK, OFF_TRACK, ON_TRACK, STALE, expected_on, kpi_status, path_points

START, END = dt.date(2026, 1, 5), dt.date(2026, 6, 29)
TODAY = dt.date(2026, 3, 30)


def kpi(direction="up", baseline=D(0), target=D(100), lower=None, upper=None, cadence="weekly"):
    return NS(direction=direction, baseline=baseline, target=target, lower=lower, upper=upper,
              target_date=END, cadence=cadence)


def value(day, v):
    return NS(date=day, value=D(str(v)))


def status(k, latest, waypoints=(), today=TODAY):
    return kpi_status(k, latest=latest, waypoints=waypoints, start=START, last_day=END,
                      today=today).code


def test_the_path_runs_from_baseline_through_waypoints_to_target():
    points = path_points(kpi(), [NS(date=dt.date(2026, 3, 30), value=D(30))], START)
    assert points == [(START, D(0)), (dt.date(2026, 3, 30), D(30)), (END, D(100))]
    assert expected_on(points, dt.date(2025, 12, 1)) == D(0)
    assert expected_on(points, dt.date(2026, 3, 30)) == D(30)
    assert expected_on(points, dt.date(2026, 12, 1)) == D(100)
    # 13 of the 91 days from the waypoint (30) to the target (100): 30 + 70 * 13/91 = 40
    assert expected_on(points, dt.date(2026, 4, 12)) == D(40)


@pytest.mark.parametrize(("v", "expected"), [
    (50, ON_TRACK),     # planned by 30 Mar: 0 + 100 * 84/175 = 48
    (48, ON_TRACK),     # exactly on the path
    (40, AT_RISK),      # 8 behind: within the band (10% of the change of 100)
    (38.1, AT_RISK),
    (37, OFF_TRACK),    # 11 behind
])
def test_higher_is_better(v, expected):
    assert status(kpi(), value(TODAY, v)) == expected


@pytest.mark.parametrize(("v", "expected"), [
    (4, ON_TRACK), (6.5, AT_RISK), (7, OFF_TRACK),
])
def test_lower_is_better_mirrors_it(v, expected):
    # 10 hours down to 2: planned by 30 Mar = 10 - 8 * 84/175 = 6.16; band 0.8
    k = kpi("down", baseline=D(10), target=D(2))
    assert status(k, value(TODAY, v)) == expected
    assert status(k, value(TODAY, 6.9)) == AT_RISK
    assert status(k, value(TODAY, 6.97)) == OFF_TRACK


@pytest.mark.parametrize(("v", "expected"), [
    (D("0.9"), ON_TRACK), (D("1.1"), ON_TRACK), (D("1.0"), ON_TRACK),
    (D("1.12"), AT_RISK), (D("0.88"), AT_RISK), (D("1.3"), OFF_TRACK), (D("0.5"), OFF_TRACK),
])
def test_a_range_is_on_track_inside_and_at_risk_just_outside(v, expected):
    k = kpi("range", baseline=None, target=None, lower=D("0.9"), upper=D("1.1"))
    assert status(k, value(TODAY, v)) == expected


def test_waypoints_shape_the_path():
    k = kpi()
    # A waypoint of 70 by 30 Mar: 50 is then far behind, though ahead of the straight line.
    assert status(k, value(TODAY, 50), [NS(date=TODAY, value=D(70))]) == OFF_TRACK
    assert status(k, value(TODAY, 50)) == ON_TRACK


def test_the_latest_value_is_judged_on_its_own_date():
    # 20 on 9 Feb was on plan then (planned 20); it is recent enough to count.
    assert status(kpi(), value(dt.date(2026, 2, 9), 20), today=dt.date(2026, 2, 16)) == ON_TRACK


def test_stale_when_nothing_arrived_within_two_cadences():
    assert status(kpi(), None) == STALE
    assert status(kpi(), value(TODAY - dt.timedelta(days=14), 90)) == STALE
    assert status(kpi(), value(TODAY - dt.timedelta(days=13), 90)) == ON_TRACK
    monthly = kpi(cadence="monthly")
    assert status(monthly, value(TODAY - dt.timedelta(days=40), 90)) == ON_TRACK
    assert status(monthly, value(TODAY - dt.timedelta(days=62), 90)) == STALE


def test_after_the_engagement_the_last_day_is_the_reference():
    # Closed engagements do not go stale for want of values after their end.
    assert status(kpi(), value(END - dt.timedelta(days=3), 100),
                  today=dt.date(2027, 3, 1)) == ON_TRACK


def test_no_baseline_uses_the_target_for_the_band():
    k = kpi(baseline=None, target=D(50))
    # Without a baseline the path is flat at the target; band = 5.
    assert status(k, value(TODAY, 46)) == AT_RISK
    assert status(k, value(TODAY, 44)) == OFF_TRACK
