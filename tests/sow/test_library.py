import pytest

from engagement import services as engagement_services
from sow import services
from sow.context import VARIABLES, build_context
from sow.models import Clause, ClauseVersion
from sow.templating import render

pytestmark = pytest.mark.django_db


def test_starter_library_has_30_plus_clauses_in_every_category():
    services.library_load()
    assert Clause.objects.count() >= 30
    assert set(Clause.objects.values_list("category", flat=True)) == {
        "deliverables", "acceptance", "ip_portability", "enablement", "commercial",
        "governance", "data_security"}
    resolved = {r for c in Clause.objects.all() for r in c.resolves}
    from sow.checks import FIXES

    assert set(FIXES) <= resolved, "every SOW-check finding has a library clause that fixes it"


def test_every_library_clause_renders_for_a_real_engagement(engagement, people):
    engagement_services.ladder_generate(actor=people["pm"], engagement=engagement)
    engagement_services.raci_seed(actor=people["pm"], engagement=engagement)
    services.library_load()
    context = build_context(engagement.pk)
    for version in ClauseVersion.objects.select_related("clause"):
        html = render(version.body, context, known_variables=VARIABLES.keys())
        assert html.startswith(("<p>", "<ul>")), version.clause.key


def test_loading_twice_changes_nothing():
    first = services.library_load()
    second = services.library_load()
    assert first.created >= 30 and second.unchanged == first.created
    assert ClauseVersion.objects.filter(number=2).count() == 0


def test_upgrade_publishes_new_library_text_when_nobody_edited_it(tmp_path):
    services.library_load()
    path = tmp_path / "clauses.toml"
    path.write_text(services.LIBRARY_FILE.read_text().replace(
        "weekly office hours of at least one hour", "weekly office hours of ninety minutes"))
    report = services.library_load(path=path)
    assert report.upgraded == 1
    v2 = ClauseVersion.objects.get(clause__key="office-hours-pairing", number=2)
    assert v2.status == "published" and "ninety minutes" in v2.body


def test_upgrade_keeps_local_edits_and_adds_library_text_as_a_draft(tmp_path, people):
    services.library_load()
    clause = Clause.objects.get(key="office-hours-pairing")
    local = services.clause_version_create(actor=people["procurement"], clause=clause,
                                           body="Our own office hours text for {{ client.name }}.")
    services.clause_version_set_status(actor=people["procurement"], version=local,
                                       status="published")
    path = tmp_path / "clauses.toml"
    path.write_text(services.LIBRARY_FILE.read_text().replace(
        "weekly office hours of at least one hour", "weekly office hours of ninety minutes"))
    report = services.library_load(path=path)
    assert report.kept_local == 1
    versions = {v.number: v for v in clause.versions.all()}
    assert versions[2].body.startswith("Our own office hours") and versions[2].status == "published"
    assert versions[3].status == "draft" and "ninety minutes" in versions[3].body


def test_saving_a_clause_version_reports_template_errors_with_lines(people):
    services.library_load()
    clause = Clause.objects.get(key="two-key-rule")
    with pytest.raises(services.TemplateInvalid) as err:
        services.clause_version_create(actor=people["procurement"], clause=clause,
                                       body="Line one\n{{ clent.name }}\n{{ x | attr('y') }}")
    lines = {p["line"] for p in err.value.problems}
    assert 3 in lines or 2 in lines
    assert clause.versions.count() == 1


def test_vendor_cannot_curate_the_library(people):
    from common.errors import NotAllowed

    services.library_load()
    with pytest.raises(NotAllowed):
        services.clause_version_create(actor=people["vendor"],
                                       clause=Clause.objects.first(), body="x")
