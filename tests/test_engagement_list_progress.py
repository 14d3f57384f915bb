"""The engagement list shows progress (current milestone, criteria met, money released) and
sorts."""

import datetime as dt
from decimal import Decimal

from engagement import services as engagement_services
from payments import services as pay
from payments.models import PaymentMilestone
from tests.engagement.factories import make_engagement


def test_the_list_shows_progress_columns(client, people, engagement):
    ladder = engagement_services.ladder_generate(actor=people["pm"], engagement=engagement)
    c = ladder[0].criteria.first()
    p = pay.payment_create(actor=people["procurement"], engagement=engagement, label="G",
                           amount=Decimal("30000.00"), due_date=dt.date(2026, 10, 1),
                           conditions=[{"kind": "criterion", "criterion": c.pk}])
    PaymentMilestone.objects.filter(pk=p.pk).update(status="paid")
    engagement_services.criterion_verify(actor=people["pm"], criterion=c, status="met",
                                         note="seen")
    client.force_login(people["leader"])
    body = client.get("/engagements/").content.decode()
    total = ladder[0].criteria.count() + sum(m.criteria.count() for m in ladder[1:])
    assert ladder[0].title in body and "Vendor leads" in body
    assert f"1 of {total}" in body
    assert "Money released" in body and "30,000 (25%)" in body
    assert '<meter class="progress"' in body


def test_the_list_sorts(client, people, orgs):
    for title in ("Beta", "Alpha", "Gamma"):
        make_engagement(actor=people["procurement"], client=orgs["client"],
                        vendor=orgs["vendor"], title=title)
    client.force_login(people["pm"])
    body = client.get("/engagements/?sort=title").content.decode()
    assert body.index(">Alpha<") < body.index(">Beta<") < body.index(">Gamma<")
    body = client.get("/engagements/?sort=-title").content.decode()
    assert body.index(">Gamma<") < body.index(">Beta<") < body.index(">Alpha<")
