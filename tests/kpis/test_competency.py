"""The competency rubric, assessments of internal people, and the independence index."""

import datetime as dt
from types import SimpleNamespace as NS

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from common.errors import DomainError, NotAllowed
from engagement import services as engagement_services
from kpis.models import Area
from kpis.services import (
    assessment_record,
    independence,
    independence_over_time,
    rubric_cell_update,
    rubric_for,
)

D1, D2 = dt.date(2026, 9, 10), dt.date(2026, 10, 20)
AREAS = [a.value for a in Area]


def a(person, area, level, day=D1, pk=None):
    return NS(person_id=person, area=area, level=level, assessed_on=day, pk=pk)


def test_the_index_counts_areas_with_someone_independent_and_the_bus_factor_two():
    rows = [a(1, "data_pipeline", "independent"), a(2, "data_pipeline", "independent"),
            a(1, "training_runs", "independent"), a(2, "evaluation", "intermediate"),
            a(3, "deployment", "independent")]
    value = independence(rows, {1, 2, 3})
    assert value["index"] == 3 / 5 and value["bus_factor"] == 1 / 5
    # Person 3 left the staffing: deployment is no longer covered.
    assert independence(rows, {1, 2})["index"] == 2 / 5
    # The latest assessment wins: person 1 fell back in training runs.
    later = rows + [a(1, "training_runs", "intermediate", D2)]
    assert independence(later, {1, 2, 3})["index"] == 2 / 5
    assert independence(later, {1, 2, 3}, on=D1)["index"] == 3 / 5
    assert independence_over_time(later, {1, 2, 3}) == [(D1, 3 / 5, 1 / 5), (D2, 2 / 5, 1 / 5)]
    assert independence([], {1})["index"] == 0


@pytest.fixture
def staff(engagement, people):
    return {
        "ana": engagement_services.staffing_assign(actor=people["pm"], engagement=engagement,
                                                   staffing_role="ml_engineer",
                                                   person_name="Ana Ruiz"),
        "vendor": engagement_services.staffing_assign(actor=people["pm"],
                                                      engagement=engagement,
                                                      staffing_role="lead_consultant",
                                                      user=people["vendor"]),
    }


def record(engagement, people, person, area="data_pipeline", level="intermediate", **kw):
    fields = {"assessed_on": D1, "note": "Ran the validation and added two checks."}
    fields.update(kw)
    return assessment_record(actor=people["pm"], engagement=engagement, person=person,
                             area=area, level=level, **fields)


def test_assessments_are_of_internal_people_with_evidence(engagement, people, staff):
    record(engagement, people, staff["ana"])
    with pytest.raises(DomainError) as err:
        record(engagement, people, staff["vendor"])
    assert "vendor" in err.value.message
    with pytest.raises(DomainError) as err:
        record(engagement, people, staff["ana"], note="")
    assert err.value.rule == "evidence_required"
    with pytest.raises(DomainError):
        record(engagement, people, staff["ana"], level="guru")
    with pytest.raises(DomainError):
        record(engagement, people, staff["ana"], assessed_on=dt.date(2030, 1, 1))


def test_the_vendor_sees_assessments_but_cannot_write_them(client, engagement, people, staff):
    record(engagement, people, staff["ana"], level="independent")
    with pytest.raises(NotAllowed):
        assessment_record(actor=people["vendor"], engagement=engagement, person=staff["ana"],
                          area="evaluation", level="independent", assessed_on=D1, note="x")
    client.force_login(people["vendor"])
    page = client.get(f"/engagements/{engagement.pk}/competency/").content.decode()
    assert "Ana Ruiz" in page and "Independent" in page and "Record an assessment" not in page
    client.force_login(people["outsider"])
    assert client.get(f"/engagements/{engagement.pk}/competency/").status_code == 404


def test_the_heatmap_shows_levels_and_change_in_constant_queries(client, engagement, people,
                                                                staff):
    client.force_login(people["leader"])
    url = f"/engagements/{engagement.pk}/competency/"

    def count():
        with CaptureQueriesContext(connection) as ctx:
            body = client.get(url).content.decode()
        return len(ctx), body

    record(engagement, people, staff["ana"], level="beginner")
    small, _ = count()
    for i in range(6):
        person = engagement_services.staffing_assign(
            actor=people["pm"], engagement=engagement, staffing_role="ml_engineer",
            person_name=f"Engineer {i}")
        for area in AREAS:
            record(engagement, people, person, area=area, level="intermediate")
            record(engagement, people, person, area=area, level="independent",
                   assessed_on=D2, round="mid")
    record(engagement, people, staff["ana"], level="independent", assessed_on=D2)
    large, body = count()
    assert small == large
    assert "up since the first round" in body
    assert "<caption>Latest level of each internal person" in body
    assert "100%</strong> of the five areas" in body


def test_the_rubric_is_data_and_each_organisation_may_reword_it(engagement, people, orgs):
    cells = rubric_for(orgs["client"])
    assert len(cells) == 15 and "data contract" in cells[("data_pipeline", "independent")]
    rubric_cell_update(actor=people["leader"], organisation=orgs["client"],
                       area="evaluation", level="beginner",
                       description="Runs the suite and reads the gate report.")
    assert rubric_for(orgs["client"])[("evaluation", "beginner")].startswith("Runs the suite")
    assert rubric_for(orgs["other_client"])[("evaluation", "beginner")] != \
        rubric_for(orgs["client"])[("evaluation", "beginner")]
    with pytest.raises(NotAllowed):
        rubric_cell_update(actor=people["vendor"], organisation=orgs["client"],
                           area="evaluation", level="beginner", description="x")


def test_removing_an_assessed_person_makes_them_leave_and_drops_them_from_the_index(
        client, engagement, people, staff):
    from engagement.models import StaffingAssignment

    record(engagement, people, staff["ana"], level="independent")
    client.force_login(people["leader"])
    url = f"/engagements/{engagement.pk}/competency/"
    assert "20%</strong> of the five areas" in client.get(url).content.decode()
    engagement_services.staffing_remove(actor=people["pm"], assignment=staff["ana"])
    ana = StaffingAssignment.objects.get(pk=staff["ana"].pk)
    assert ana.left_on is not None and ana.assessments.count() == 1
    body = client.get(url).content.decode()
    assert "0%</strong> of the five areas" in body and "Ana Ruiz" not in body


def test_the_readiness_questions_are_answered_at_discovery_and_close_side_by_side(
        client, engagement, people):
    client.force_login(people["pm"])
    for stage, who in (("discovery", "Only the vendor's engineers."),
                       ("close", "Ana and Bo, from the runbook, without help.")):
        r = client.post(f"/engagements/{engagement.pk}/baseline/{stage}/", {
            "skills": "1", "process": "1", "tooling": "1", "assessed_on": "2026-09-08",
            "who_can_train": who, "who_can_diagnose_drift": "Nobody yet.",
            "where_docs_live": "A vendor wiki.", "if_someone_leaves": "Work stops."})
        assert r.status_code == 302, r.content.decode()[:2000]
    body = client.get(f"/engagements/{engagement.pk}/").content.decode()
    assert "Who can run training today?" in body
    assert "Only the vendor&#x27;s engineers." in body and "Ana and Bo" in body
    api = client.get(f"/api/v1/engagements/{engagement.pk}/").json()
    assert {b["who_can_train"] for b in api["baselines"]} == {
        "Only the vendor's engineers.", "Ana and Bo, from the runbook, without help."}


def test_the_ladders_competency_checks_prompt_the_rounds(client, engagement, people, staff):
    from engagement.models import KnowledgeTransferDeliverable

    engagement_services.ladder_generate(actor=people["pm"], engagement=engagement)
    checks = KnowledgeTransferDeliverable.objects.filter(milestone__engagement=engagement,
                                                         kind="competency_check")
    assert checks.exists()
    client.force_login(people["pm"])
    url = f"/engagements/{engagement.pk}/competency/"
    page = client.get(url).content.decode()
    first = checks.order_by("milestone__end_week").first()
    assert f"check={first.pk}" in page and "record this round" in page
    r = client.post(url, {"person": staff["ana"].pk, "area": "evaluation",
                          "level": "intermediate", "round": "mid", "assessed_on": "2026-10-05",
                          "deliverable": first.pk, "note": "Added two slices to the suite."})
    assert r.status_code == 302
    assert "1 assessment linked" in client.get(url).content.decode()
    with pytest.raises(DomainError):
        record(engagement, people, staff["ana"],
               deliverable=KnowledgeTransferDeliverable.objects.filter(
                   milestone__engagement=engagement).exclude(kind="competency_check").first())
