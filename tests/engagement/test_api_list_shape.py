"""The engagement list API writes plain values, and its JSON is exactly what the model
serializer writes for the same engagements, filters and sorting included."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from engagement.api.serializers import EngagementSerializer
from engagement.models import Engagement
from tests.engagement.factories import make_engagement
from tests.querycounts import counts_at_sizes

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(people):
    api = APIClient()
    api.force_authenticate(people["pm"])
    return api


def grow(people, orgs, n):
    for i in range(Engagement.objects.count(), n):
        make_engagement(actor=people["pm"], client=orgs["client"], vendor=orgs["vendor"],
                        title=f"Engagement {i:02}", contract_value=Decimal("1234.5") + i,
                        start_date=dt.date(2026, 9, 7) + dt.timedelta(days=i),
                        off_ramp_date=dt.date(2027, 1, 4) if i % 2 else None,
                        use_case="Support replies" if i % 3 else "")


def test_list_json_is_the_model_serializers_json(api, people, orgs):
    grow(people, orgs, 7)
    Engagement.objects.filter(title="Engagement 03").update(
        updated_at=timezone.now().replace(microsecond=0))  # a time without microseconds
    body = api.get("/api/v1/engagements/?page_size=50").json()
    expected = [EngagementSerializer(e).data for e in
                Engagement.objects.select_related("client", "vendor")]
    assert body["count"] == 7
    assert body["results"] == [dict(e) | {"client": dict(e["client"]),
                                          "vendor": dict(e["vendor"])} for e in expected]
    first = body["results"][0]
    assert list(first) == list(expected[0])  # same keys in the same order
    assert first["contract_value"].endswith(".50") and first["created_at"].endswith("Z")


def test_filters_sorting_and_pages_still_apply(api, people, orgs):
    grow(people, orgs, 5)
    titles = [r["title"] for r in api.get("/api/v1/engagements/?sort=title").json()["results"]]
    assert titles == [f"Engagement {i:02}" for i in range(5)]
    found = api.get("/api/v1/engagements/?q=engagement 03").json()["results"]
    assert [r["title"] for r in found] == ["Engagement 03"]
    page = api.get("/api/v1/engagements/?page_size=2&page=2&sort=title").json()
    assert page["count"] == 5 and [r["title"] for r in page["results"]] == [
        "Engagement 02", "Engagement 03"]
    assert page["next"].endswith("/api/v1/engagements/?page=3&page_size=2&sort=title")
    assert page["previous"].endswith("/api/v1/engagements/?page_size=2&sort=title")
    last = api.get("/api/v1/engagements/?page_size=2&page=last&sort=title").json()
    assert [r["title"] for r in last["results"]] == ["Engagement 04"] and last["next"] is None
    assert api.get("/api/v1/engagements/?page_size=2&page=4").status_code == 404
    assert api.get("/api/v1/engagements/?page=0").status_code == 404


def test_outsiders_list_none_of_them(people, orgs):
    grow(people, orgs, 3)
    outsider = APIClient()
    outsider.force_authenticate(people["outsider"])
    assert outsider.get("/api/v1/engagements/").json() == {
        "count": 0, "next": None, "previous": None, "results": []}


def test_the_list_is_one_query_at_any_size(api, people, orgs):
    def check(response, n):
        assert len(response.json()["results"]) == n

    small, large = counts_at_sizes(lambda n: grow(people, orgs, n),
                                   lambda: api.get("/api/v1/engagements/?page_size=50"),
                                   sizes=(2, 12), check=check)
    assert small == large == 1  # the page, with the total as a window count
