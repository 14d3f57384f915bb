"""The Contracts page: 25 versions a page, filtered by engagement, signing and PDF status, the
same for every role, and only ever the user's own engagements."""

import datetime as dt
import hashlib
import re

import pytest
from django.utils import timezone

from sow.models import RenderJob, SowDocument, SowVersion
from tests.engagement.factories import make_engagement
from tests.querycounts import counts_at_sizes

pytestmark = pytest.mark.django_db


def contracts(engagement, author, n, *, start=0):
    """n approved versions of their own SOWs (bulk: the page only lists them); every other
    one signed; a third of them with a finished final PDF, a third still rendering."""
    sows = SowDocument.objects.bulk_create([
        SowDocument(engagement=engagement, title=f"Contract {i:03}")
        for i in range(start, start + n)])
    versions = SowVersion.objects.bulk_create([
        SowVersion(sow=s, number=1, html="<p>x</p>", sha256=hashlib.sha256(b"x").hexdigest(),
                   source={}, author=author, created_at=timezone.now(),
                   status="signed" if i % 2 else "approved",
                   signed_on=dt.date(2026, 10, 1) if i % 2 else None)
        for i, s in enumerate(sows, start=start)])
    RenderJob.objects.bulk_create([
        RenderJob(sow_version=v, variant="final", status="succeeded" if i % 3 == 0 else "running",
                  sha256="f" * 64, size=2048, pdf="contracts/x.pdf" if i % 3 == 0 else "")
        for i, v in enumerate(versions, start=start) if i % 3 != 2])
    return versions


def titles(response):
    return re.findall(r">(Contract \d{3})</a>", response.content.decode())


def test_the_page_shows_25_versions_and_links_to_the_next_page(client, people, engagement):
    contracts(engagement, people["procurement"], 30)
    client.force_login(people["pm"])
    first = client.get("/contracts/")
    body = first.content.decode()
    assert titles(first) == [f"Contract {i:03}" for i in range(25)]
    assert "30 approved or signed versions, showing 1 to 25" in body
    assert 'href="?page=2" rel="next"' in body and "Page 1 of 2" in body
    second = client.get("/contracts/?page=2")
    assert titles(second) == [f"Contract {i:03}" for i in range(25, 30)]
    assert 'rel="prev"' in second.content.decode()
    assert titles(client.get("/contracts/?page=99")) == titles(second)  # past the end: last page


def test_row_links_lead_to_the_version_and_its_pdf(client, people, engagement):
    version = contracts(engagement, people["procurement"], 1)[0]
    client.force_login(people["pm"])
    body = client.get("/contracts/").content.decode()
    base = f"/engagements/{engagement.pk}/sows/{version.sow_id}/versions/1/"
    assert f'href="{base}"' in body and f'href="{base}pdf/"' in body
    assert "Download PDF (2.0\xa0KB)" in body


@pytest.mark.parametrize("query, expected", [
    ("signed=yes", [1, 3, 5, 7]),
    ("signed=no", [0, 2, 4, 6, 8]),
    ("pdf=ready", [0, 3, 6]),
    ("pdf=rendering", [1, 4, 7]),
    ("pdf=none", [2, 5, 8]),
    ("signed=yes&pdf=ready", [3]),
])
def test_filters_by_signing_and_pdf_status(client, people, engagement, query, expected):
    contracts(engagement, people["procurement"], 9)
    client.force_login(people["leader"])
    response = client.get(f"/contracts/?{query}")
    assert titles(response) == [f"Contract {i:03}" for i in expected]
    assert f"{len(expected)} approved or signed version" in response.content.decode()
    assert "match the filters" in response.content.decode()


def test_filters_by_engagement_title_and_id_and_pages_keep_the_filters(client, people, orgs,
                                                                       engagement):
    other = make_engagement(actor=people["pm"], client=orgs["client"], vendor=orgs["vendor"],
                            title="Churn model handover")
    contracts(engagement, people["procurement"], 3)
    contracts(other, people["procurement"], 27, start=100)
    client.force_login(people["pm"])
    by_title = client.get("/contracts/?q=churn")
    assert len(titles(by_title)) == 25 and titles(by_title)[0] == "Contract 100"
    assert 'href="?q=churn&amp;page=2"' in by_title.content.decode()
    by_id = client.get(f"/contracts/?engagement={engagement.pk}")
    assert titles(by_id) == ["Contract 000", "Contract 001", "Contract 002"]
    assert f'name="engagement" value="{engagement.pk}"' in by_id.content.decode()
    none = client.get("/contracts/?q=nothing-like-this").content.decode()
    assert "No approved or signed version matches these filters" in none


@pytest.mark.parametrize("role", ["procurement", "pm", "leader", "vendor"])
def test_every_role_on_the_engagement_sees_its_contracts(client, people, engagement, role):
    contracts(engagement, people["procurement"], 2)
    client.force_login(people[role])
    response = client.get("/contracts/")
    assert response.status_code == 200
    assert titles(response) == ["Contract 000", "Contract 001"]


def test_outsiders_see_none_of_them_whatever_the_filter(client, people, engagement):
    contracts(engagement, people["procurement"], 2)
    client.force_login(people["outsider"])
    assert titles(client.get("/contracts/")) == []
    assert titles(client.get(f"/contracts/?engagement={engagement.pk}")) == []
    assert "No approved contract yet" in client.get("/contracts/").content.decode()


def test_queries_are_the_same_at_5_and_60_versions(client, people, engagement):
    client.force_login(people["pm"])

    def grow(n):
        have = SowVersion.objects.count()
        if n > have:
            contracts(engagement, people["procurement"], n - have, start=have)

    def check(response, n):
        assert f"{n} approved or signed versions" in response.content.decode()
        assert len(titles(response)) == min(n, 25)

    small, large = counts_at_sizes(grow, lambda: client.get("/contracts/?pdf=&signed="),
                                   sizes=(5, 60), check=check)
    assert small == large <= 7
