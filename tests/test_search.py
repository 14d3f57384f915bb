"""Search finds what the user may see across kinds, grouped, and nothing else."""

import pytest

from engagement import services as engagement_services


@pytest.fixture
def ladder(engagement, people):
    return engagement_services.ladder_generate(actor=people["pm"], engagement=engagement)


def test_retrain_finds_milestones_criteria_and_clauses(client, people, ladder):
    from sow.services import library_load

    library_load()
    client.force_login(people["pm"])
    body = client.get("/search/?q=retrain").content.decode()
    for group in ("Milestones", "Acceptance criteria", "Clauses"):
        assert f">{group} <" in body, group
    assert "Rehearsal retrain" in body


def test_search_shows_only_what_the_user_may_see(client, people, ladder):
    client.force_login(people["outsider"])
    body = client.get("/search/?q=retrain").content.decode()
    assert "Rehearsal retrain" not in body and "Milestones" not in body


def test_sow_sections_are_found_by_their_text(client, people, engagement):
    from sow.services import sow_import

    sow_import(actor=people["procurement"], engagement=engagement, title="Vendor draft",
               text="# Fees\nHalf of the fee is due on signature of this statement.\n")
    client.force_login(people["procurement"])
    body = client.get("/search/?q=signature").content.decode()
    assert "SOW sections" in body and "Vendor draft" in body and "#section-" in body
    assert "Type at least two characters" in client.get("/search/?q=x").content.decode()
