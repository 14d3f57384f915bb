import pytest

from common.errors import DomainError, NotAllowed
from engagement import services
from engagement.models import AuditEvent, RaciAssignment

pytestmark = pytest.mark.django_db


def test_seeded_raci_has_exactly_one_a_per_workstream_and_phase(engagement, people):
    cells = services.raci_seed(actor=people["pm"], engagement=engagement)
    assert services.raci_problems(cells) == {}
    assert RaciAssignment.objects.filter(engagement=engagement, letter="A").count() == 15
    assert services.raci_warnings(cells) == []


def test_a_second_a_is_refused_naming_the_cell(engagement, people):
    cells = services.raci_template()
    cells.append({"workstream": "data", "phase": "late", "staffing_role": "ml_product_owner",
                  "letter": "A"})
    cells = [c for c in cells if not (c["workstream"], c["phase"], c["staffing_role"]) == (
        "data", "late", "ml_product_owner") or c["letter"] == "A"]
    with pytest.raises(DomainError) as err:
        services.raci_save(actor=people["pm"], engagement=engagement, cells=cells)
    assert err.value.rule == "raci_one_accountable"
    assert "Data in the late phase has 2 As" in err.value.message
    assert not RaciAssignment.objects.filter(engagement=engagement).exists()


def test_a_missing_a_is_refused(engagement, people):
    cells = [c for c in services.raci_template()
             if not (c["workstream"] == "incidents" and c["phase"] == "mid" and c["letter"] == "A")]
    with pytest.raises(DomainError, match="Incidents in the mid phase has no A"):
        services.raci_save(actor=people["pm"], engagement=engagement, cells=cells)


def test_vendor_holding_r_late_is_warned(engagement, people):
    cells = services.raci_template()
    cells.append({"workstream": "training", "phase": "late", "staffing_role": "lead_consultant",
                  "letter": "R"})
    services.raci_save(actor=people["pm"], engagement=engagement, cells=cells)
    assert services.raci_warnings(cells) == [
        "Training: the vendor's lead consultant still holds R in the late phase."]


def test_bad_letter_is_refused(engagement, people):
    cells = services.raci_template()
    cells[0] = {**cells[0], "letter": "X"}
    with pytest.raises(DomainError, match="R, A, C, I or nothing"):
        services.raci_save(actor=people["pm"], engagement=engagement, cells=cells)


def test_saving_the_raci_is_audited_with_the_changed_cells(engagement, people):
    services.raci_seed(actor=people["pm"], engagement=engagement)
    cells = services.raci_template()
    cells.append({"workstream": "data", "phase": "mid", "staffing_role": "executive_sponsor",
                  "letter": "I"})
    services.raci_save(actor=people["pm"], engagement=engagement, cells=cells)
    event = AuditEvent.objects.filter(engagement=engagement, verb="raci.saved").latest("seq")
    assert event.before == {"data/mid/executive_sponsor": ""}
    assert event.after == {"data/mid/executive_sponsor": "I"}


def test_vendor_cannot_edit_the_raci(engagement, people):
    with pytest.raises(NotAllowed):
        services.raci_seed(actor=people["vendor"], engagement=engagement)
