"""Clause validation is remembered by text: a body is parsed and checked once per process,
and a published clause version (validated when saved) is not checked again on render."""

import pytest

from sow import templating
from sow.services import sow_create, sow_section_add
from sow.services.evaluation import sow_evaluate
from sow.templating import ClauseTemplateError, render, validate


@pytest.fixture
def checks(monkeypatch):
    """The bodies actually parsed and checked, in order (the verdict cache starts empty)."""
    seen = []
    real = templating._validate

    def spy(source, known_variables):
        seen.append(source)
        return real(source, known_variables)

    monkeypatch.setattr(templating, "_validated", {})
    monkeypatch.setattr(templating, "_validate", spy)
    return seen


def test_validate_runs_once_per_clause_text(checks):
    body = "Office hours with {{ client.name }}."
    for _ in range(3):
        validate(body, ["client"])
        assert render(body, {"client": {"name": "Northwind"}}) == (
            "<p>Office hours with Northwind.</p>")
    validate("Another text.", ["client"])
    assert checks == [body, "Another text."]


def test_a_bad_text_is_refused_every_time_but_checked_once(checks):
    for _ in range(3):
        with pytest.raises(ClauseTemplateError) as exc:
            validate("{{ nobody }} and {{ a.__x }}", ["client"])
        assert "private" in str(exc.value)
    assert len(checks) == 1


def test_the_verdict_depends_on_the_variables_the_text_may_use(checks):
    validate("{{ client.name }}", ["client"])
    with pytest.raises(ClauseTemplateError, match="is not a variable"):
        validate("{{ client.name }}", ["vendor"])
    assert len(checks) == 2


def test_a_trusted_text_that_no_longer_compiles_fails_with_its_problems(checks):
    with pytest.raises(ClauseTemplateError, match="filter"):
        render("{{ client.name | nofilter }}", {"client": {"name": "x"}}, validated=True)


@pytest.mark.django_db
def test_published_clauses_are_not_checked_again_when_a_sow_renders(checks, people, engagement):
    from sow.services import clause_create, clause_version_set_status

    actor = people["procurement"]
    clause = clause_create(actor=actor, key="office-hours", category="enablement",
                           title="Office hours", body="Weekly office hours with {{ client.name }}.")
    published = clause_version_set_status(actor=actor, version=clause.versions.get(),
                                          status="published")
    sow = sow_create(actor=actor, engagement=engagement, title="SOW")
    sow_section_add(actor=actor, sow=sow, clause_version=published)
    checks.clear()
    rendered, _, _ = sow_evaluate(sow)
    rendered, _, _ = sow_evaluate(sow)
    assert checks == []
    assert "Weekly office hours with" in rendered[0].html and rendered[0].error is None
