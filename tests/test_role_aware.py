"""Pages offer each role only what it may do (the same permission names the services check);
what it may only read is shown as text."""

import pytest

from engagement import services as engagement_services


def test_a_vendor_is_not_offered_create_engagement(client, people, orgs):
    client.force_login(people["vendor"])
    body = client.get("/engagements/").content.decode()
    assert "Create engagement" not in body and "/engagements/new/" not in body
    refused = client.get("/engagements/new/")
    assert refused.status_code == 403
    assert "Only " in refused.content.decode() and "create engagements" in \
        refused.content.decode()
    client.force_login(people["procurement"])
    assert "Create engagement" in client.get("/engagements/").content.decode()


@pytest.mark.parametrize("who", ["procurement", "pm", "leader", "vendor"])
def test_the_api_docs_are_not_in_the_main_navigation(client, people, who):
    client.force_login(people[who])
    body = client.get("/engagements/").content.decode()
    nav = body.split('<nav aria-label="Main"', 1)[1].split("</nav>", 1)[0]
    assert "/api/docs/" not in nav and ">API<" not in nav
    assert "API documentation" in body  # still reachable from the footer


def test_the_vendor_reads_the_raci_as_text(client, people, engagement):
    engagement_services.raci_seed(actor=people["pm"], engagement=engagement)
    client.force_login(people["vendor"])
    body = client.get(f"/engagements/{engagement.pk}/raci/").content.decode()
    assert "<select" not in body and 'class="letter"' in body
    client.force_login(people["pm"])
    assert "<select" in client.get(f"/engagements/{engagement.pk}/raci/").content.decode()


def test_leadership_is_taken_back_to_the_sow_not_to_an_editor(client, people, engagement):
    from sow import services as sow_services
    from tests.sow.factories import build_sow

    sow = build_sow(engagement, people["procurement"])
    sow_services.sow_freeze(actor=people["procurement"], sow=sow, justification="Labels.",
                            acknowledge_warnings=True)
    url = f"/engagements/{engagement.pk}/sows/{sow.pk}/versions/1/"
    client.force_login(people["leader"])
    body = client.get(url).content.decode()
    assert "Back to the SOW" in body and "Back to the editor" not in body
    client.force_login(people["procurement"])
    assert "Back to the editor" in client.get(url).content.decode()
