"""The ladder page, the milestone list and the inbox cost the same queries at 5 and 50."""

import pytest
from rest_framework.test import APIClient

from engagement import services
from tests.engagement.helpers import submit
from tests.querycounts import counts_at_sizes

pytestmark = pytest.mark.django_db


def grow_ladder(engagement, people, n):
    have = engagement.milestones.count()
    for i in range(have, n):
        m = services.milestone_create(actor=people["pm"], engagement=engagement,
                                      title=f"Milestone {i}", start_week=1 + i % 8,
                                      end_week=1 + i % 8, ownership_mode="internal_leads",
                                      is_transition=i == 0)
        for j in range(3):
            c = services.criterion_add(actor=people["pm"], milestone=m,
                                       statement=f"Criterion {j}", method="ci_log")
            services.evidence_add(actor=people["vendor"], criterion=c, kind="link",
                                  url=f"https://ci.example.com/{i}/{j}")
        if i % 2:
            submit(m, people["pm"])


def test_ladder_page_queries_do_not_grow(client, people, engagement):
    client.force_login(people["pm"])
    small, large = counts_at_sizes(lambda n: grow_ladder(engagement, people, n),
                                   lambda: client.get(f"/engagements/{engagement.pk}/ladder/"))
    assert small == large
    assert large <= 14


def test_milestone_list_api_queries_do_not_grow(people, engagement):
    api = APIClient()
    api.force_authenticate(people["pm"])
    url = f"/api/v1/milestones/?engagement={engagement.pk}&page_size=100"
    small, large = counts_at_sizes(lambda n: grow_ladder(engagement, people, n),
                                   lambda: api.get(url))
    assert small == large
    assert large <= 8


def test_approvals_inbox_queries_do_not_grow(client, people, engagement):
    client.force_login(people["leader"])
    small, large = counts_at_sizes(lambda n: grow_ladder(engagement, people, n),
                                   lambda: client.get("/approvals/"))
    assert small == large
