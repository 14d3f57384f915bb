"""List and detail reads cost the same number of queries at 5 rows as at 50."""

import pytest
from rest_framework.test import APIClient

from engagement import services
from tests.engagement.factories import make_engagement
from tests.querycounts import count_queries, counts_at_sizes

pytestmark = pytest.mark.django_db


def grow_engagements(people, orgs, n):
    from engagement.models import Engagement

    have = Engagement.objects.count()
    for i in range(have, n):
        make_engagement(actor=people["pm"], client=orgs["client"], vendor=orgs["vendor"],
                        title=f"Engagement {i}")


def grow_detail(engagement, people, n):
    have = engagement.staffing.count()
    for i in range(have, n):
        services.staffing_assign(actor=people["pm"], engagement=engagement,
                                 staffing_role="ml_engineer", person_name=f"Person {i}")


def test_engagement_list_page_queries_do_not_grow(client, people, orgs):
    client.force_login(people["pm"])
    grow_engagements(people, orgs, 5)
    small = count_queries(lambda: client.get("/engagements/?page_size=100"))
    grow_engagements(people, orgs, 50)
    large = count_queries(lambda: client.get("/engagements/"))
    assert small == large
    assert large <= 13  # + progress columns: milestones, criteria, approvals, money (2)


def test_engagement_list_api_queries_do_not_grow(people, orgs):
    api = APIClient()
    api.force_authenticate(people["pm"])
    small, large = counts_at_sizes(lambda n: grow_engagements(people, orgs, n),
                                   lambda: api.get("/api/v1/engagements/?page_size=100"))
    assert small == large
    assert large <= 3


def test_engagement_detail_page_queries_do_not_grow(client, people, engagement):
    client.force_login(people["pm"])
    services.baseline_record(actor=people["pm"], engagement=engagement, stage="discovery",
                             skills=1, process=1, tooling=0)
    small, large = counts_at_sizes(lambda n: grow_detail(engagement, people, n),
                                   lambda: client.get(f"/engagements/{engagement.pk}/"))
    assert small == large
    assert large <= 17  # the move checklists read the ladder, staffing and baseline too


def test_engagement_detail_api_queries_do_not_grow(people, engagement):
    api = APIClient()
    api.force_authenticate(people["pm"])
    small, large = counts_at_sizes(lambda n: grow_detail(engagement, people, n),
                                   lambda: api.get(f"/api/v1/engagements/{engagement.pk}/"))
    assert small == large
    assert large <= 4


def test_audit_page_queries_do_not_grow(client, people, engagement):
    client.force_login(people["pm"])
    small, large = counts_at_sizes(lambda n: grow_detail(engagement, people, n),
                                   lambda: client.get(f"/engagements/{engagement.pk}/audit/"))
    assert small == large
