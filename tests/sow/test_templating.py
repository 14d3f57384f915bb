"""The sandbox for clause text: adversarial cases are refused, undefined is an error."""

import pytest

from sow.templating import ClauseTemplateError, render, to_html, validate

CONTEXT = {
    "client": {"name": "Northwind <Retail>"},
    "engagement": {"title": "Fine-tune", "contract_value": "240000.00", "currency": "EUR"},
    "milestones": [{"title": "Discovery", "criteria": [{"statement": "A"}, {"statement": "B"}]},
                   {"title": "Go-live", "criteria": []}],
    "staffing": [],
}


def problems(source):
    with pytest.raises(ClauseTemplateError) as err:
        render(source, CONTEXT)
    return str(err.value)


def test_variables_fill_in_and_are_escaped():
    html = render("The client is {{ client.name }}; value {{ engagement.contract_value "
                  "| money(engagement.currency) }}.", CONTEXT)
    assert html == "<p>The client is Northwind &lt;Retail&gt;; value 240,000.00 EUR.</p>"


def test_loops_over_context_lists_render():
    html = render("{% for m in milestones %}- {{ m.title }} ({{ m.criteria | length }} "
                  "{{ m.criteria | length | plural('criterion', 'criteria') }})\n{% endfor %}",
                  CONTEXT)
    assert html == "<ul><li>Discovery (2 criteria)</li><li>Go-live (0 criteria)</li></ul>"


@pytest.mark.parametrize("source, expected", [
    ("{{ engagment.title }}", "“engagment” is not a variable you can use here. Did you mean "
                              "“engagement”?"),
    ("{{ engagement.budget }}", "“budget” does not exist here"),
    ("Hello\n{% for m in milestones %}\n{{ m.title }}", "Line 2: the {% for %} on line 2 is "
                                                        "never closed"),
])
def test_undefined_and_syntax_errors_name_the_line_and_problem(source, expected):
    assert expected in problems(source)


@pytest.mark.parametrize("source, expected", [
    # class-hierarchy walks
    ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "private"),
    ("{{ client.__class__ }}", "private"),
    ("{{ client['__class__'] }}", "private keys"),
    ("{{ ().__class__.__base__ }}", "private"),
    # calls, format-string tricks and the attr filter
    ("{{ '{0.__class__}'.format(client) }}", "calls are not allowed"),
    ("{{ '%s' % client }}", "formatting text with % is not allowed"),
    ("{{ client | attr('__class__') }}", "the filter “attr” is not allowed"),
    ("{{ client.name.upper() }}", "calls are not allowed"),
    ("{{ range(10**9) | list }}", "calls are not allowed"),
    ("{{ lipsum() }}", "calls are not allowed"),
    ("{{ cycler.__init__.__globals__ }}", "private"),
    # resource abuse
    ("{{ 'x' * 100000000 }}", "repeating text"),
    ("{{ [1] * 100000000 }}", "repeating text"),
    ("{{ 10 ** 100000 }}", "powers are not allowed"),
    ("{% for a in 'x' * 100000 %}{% endfor %}", "loops can only run over"),
    ("{% for a in milestones %}{% for b in milestones %}{% for c in milestones %}"
     "{% endfor %}{% endfor %}{% endfor %}", "loops may nest at most 2 deep"),
    # unbounded numbers and text built up step by step
    ("{% set a = 99999 * 99999 %}{% set a = a * a %}{{ a }}", "setting variables is not allowed"),
    ("{{ 99999999999999999999 * 99999999999999999999 * 99999999999999999999 * "
     "99999999999999999999 * 99999999999999999999 * 99999999999999999999 * "
     "99999999999999999999 * 99999999999999999999 * 99999999999999999999 }}",
     "numbers that large"),
    ("{{ ('x' * 5000) | replace('x', 'x' * 5000) }}", "more text than a clause may hold"),
    # recursion and structure
    ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "macros are not allowed"),
    ("{% include 'base.html' %}", "includes are not allowed"),
    ("{% extends 'base.html' %}", "template inheritance is not allowed"),
    ("{% import 'x' as y %}", "imports are not allowed"),
    # attribute access on things that are not context data
    ("{{ 'abc'.join }}", "attributes can only be read from the documented variables"),
    ("{{ self }}", "“self” is not a variable"),
    ("{{ self._TemplateReference__context }}", "private"),
])
def test_sandbox_escapes_and_abuse_are_refused(source, expected):
    text = problems(source)
    if expected:
        assert expected in text


def test_reaching_other_data_through_relations_is_impossible():
    # The context is plain data: there is no model, manager or relation to follow.
    text = problems("{{ client.engagements_as_client }}")
    assert "does not exist here" in text
    text = problems("{{ client.objects }}")
    assert "does not exist here" in text


def test_output_size_is_capped():
    big = {"milestones": [{"title": "x" * 9000}] * 30}
    with pytest.raises(ClauseTemplateError, match="more than"):
        render("{% for m in milestones %}{% for n in milestones %}{{ m.title }}{% endfor %}"
               "{% endfor %}", big)


def test_validate_reports_every_structural_problem_at_once():
    with pytest.raises(ClauseTemplateError) as err:
        validate("{{ a.__x }}\n{{ client | attr('x') }}", ["client"])
    lines = [p.line for p in err.value.problems]
    assert 1 in lines and 2 in lines


def test_html_written_in_clause_text_is_sanitised():
    html = render('<p onclick="x()">Hi</p>\n\n<script>alert(1)</script>'
                  '<img src="file:///etc/passwd"><a href="http://evil">x</a>', CONTEXT)
    assert "onclick" not in html and "<script" not in html and "<img" not in html
    assert "href" not in html


def test_plain_text_becomes_paragraphs_and_lists():
    assert to_html("One\n\n- a\n- b") == "<p>One</p>\n<ul><li>a</li><li>b</li></ul>"
