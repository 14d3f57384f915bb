"""The "This week" view: the open milestones of the current and next two weeks across the
user's engagements under way, each a working card; later ones listed; the ladder collapses
accepted and later milestones."""

import datetime as dt

import pytest
from django.utils import timezone

from engagement import services
from engagement.models import Milestone
from tests.engagement.factories import make_engagement, under_way
from tests.engagement.helpers import submit
from tests.querycounts import counts_at_sizes

pytestmark = pytest.mark.django_db


def running(people, orgs, title, weeks_ago=2):
    """An engagement under way that started `weeks_ago` weeks ago (so today is in week
    weeks_ago + 1), with its generated ladder."""
    start = timezone.localdate() - dt.timedelta(weeks=weeks_ago)
    e = make_engagement(actor=people["procurement"], client=orgs["client"], vendor=orgs["vendor"],
                        title=title, start_date=start, length_weeks=12)
    ladder = services.ladder_generate(actor=people["pm"], engagement=e)
    return under_way(e), ladder


def test_week_lists_current_open_work_across_engagements(client, people, orgs):
    a, ladder_a = running(people, orgs, "Claims triage")
    b, ladder_b = running(people, orgs, "Support replies", weeks_ago=0)
    draft = make_engagement(actor=people["procurement"], client=orgs["client"],
                            vendor=orgs["vendor"], title="Not started",
                            start_date=timezone.localdate())
    services.ladder_generate(actor=people["pm"], engagement=draft)
    today = timezone.localdate()
    client.force_login(people["pm"])
    body = client.get("/engagements/this-week/").content.decode()
    week = {e.pk: e.week_of(today) for e in (a, b)}
    for m in ladder_a + ladder_b:
        current = m.start_week <= week[m.engagement_id] + 2
        assert (f'id="m-{m.pk}"' in body) == current, (m.title, m.start_week)
        if not current:
            assert f"#m-{m.pk}" in body  # listed under "Later" with a link to its card
    assert "Claims triage" in body and "Support replies" in body
    assert "Not started" not in body  # drafts have no work under way
    # The week's cards are working cards, answering in place without the ladder summary.
    assert 'hx-vals=\'{"view": "week"}\'' in body and "Mark met, with evidence" in body


def test_accepted_milestones_leave_the_week(client, people, orgs):
    e, ladder = running(people, orgs, "Claims triage")
    first = ladder[0]
    services.milestone_transition(actor=people["pm"], milestone=first, to="in_progress")
    for c in first.criteria.all():
        services.criterion_verify(actor=people["pm"], criterion=c, status="met", note="ok")
    Milestone.objects.filter(pk=first.pk).update(status="accepted")
    client.force_login(people["pm"])
    body = client.get("/engagements/this-week/").content.decode()
    assert f'id="m-{first.pk}"' not in body and f"#m-{first.pk}" not in body


def test_an_action_from_the_week_answers_with_the_card_only(client, people, orgs):
    e, ladder = running(people, orgs, "Claims triage")
    m = ladder[0]
    client.force_login(people["pm"])
    response = client.post(f"/engagements/{e.pk}/milestones/{m.pk}/transition/",
                           {"to": "in_progress", "version": m.version, "view": "week"},
                           HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert f'id="m-{m.pk}"' in body and "Milestone started." in body
    assert "ladder-summary" not in body


def test_empty_week_says_so_and_offers_the_engagements(client, people):
    client.force_login(people["vendor"])
    body = client.get("/engagements/this-week/").content.decode()
    assert "Nothing is due in the next three weeks" in body
    assert 'href="/engagements/"' in body


def test_week_page_queries_do_not_grow_with_engagements(client, people, orgs):
    made = []

    def grow(n):
        while len(made) < n:
            e, ladder = running(people, orgs, f"Engagement {len(made)}")
            services.milestone_transition(actor=people["pm"], milestone=ladder[0],
                                          to="in_progress")
            c = ladder[0].criteria.first()
            services.evidence_add(actor=people["vendor"], criterion=c, kind="link",
                                  url="https://ci.example.com/1")
            made.append(e)

    client.force_login(people["pm"])

    def check(response, n):
        assert response.content.decode().count('<article id="m-') >= n

    small, large = counts_at_sizes(grow, lambda: client.get("/engagements/this-week/"),
                                   sizes=(2, 6), check=check)
    assert small == large


def test_ladder_collapses_accepted_and_later_milestones(client, people, orgs):
    e, ladder = running(people, orgs, "Claims triage")
    first = ladder[0]
    submit(first, people["pm"])
    Milestone.objects.filter(pk=first.pk).update(status="accepted")
    client.force_login(people["pm"])
    body = client.get(f"/engagements/{e.pk}/ladder/").content.decode()
    week = e.week_of(timezone.localdate())
    for m in ladder:
        card = body[body.index(f'<article id="m-{m.pk}"'):]
        card = card[:card.index("</article>")]
        collapsed = '<details class="milestone-body">' in card
        expected = m.pk == first.pk or m.start_week > week + 2
        assert collapsed == expected, (m.title, m.start_week, week)
    assert "Show the accepted criteria and evidence" in body


def test_go_live_in_the_week_still_waits_for_the_rehearsal(client, people, orgs):
    e, ladder = running(people, orgs, "Claims triage", weeks_ago=11)
    go_live = next(m for m in ladder if m.kind == "go_live")
    Milestone.objects.filter(pk=go_live.pk).update(status="in_progress")
    for c in go_live.criteria.all():
        services.criterion_verify(actor=people["pm"], criterion=c, status="met", note="ok")
    client.force_login(people["pm"])
    body = client.get("/engagements/this-week/").content.decode()
    card = body[body.index(f'<article id="m-{go_live.pk}"'):]
    assert "rehearsal" in card[:card.index("</article>")].lower()
    assert "Submit for acceptance" not in card[:card.index("</article>")]
