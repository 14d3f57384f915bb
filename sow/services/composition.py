"""The frozen document's HTML, composed from already rendered sections: pure (no queries, no
writes), so what is hashed depends only on its inputs. Section bodies are the sandboxed and
sanitised output of the clause templates; everything else is escaped by the Django template."""

from django.template.loader import render_to_string


def engagement_facts(engagement):
    """The contract's parties and terms as frozen with a version (and covered by its hash)."""
    return {
        "title": engagement.title, "client": engagement.client.name,
        "vendor": engagement.vendor.name, "format": engagement.get_format_display(),
        "length_weeks": engagement.length_weeks,
        "start_date": f"{engagement.start_date.day} {engagement.start_date:%B %Y}",
        "contract_value": f"{engagement.contract_value:,.2f}", "currency": engagement.currency,
    }


def document_html(sow, rendered, facts):
    html = render_to_string("sow/document.html", {"sow": sow, "rendered": rendered,
                                                  "facts": facts})
    return html.removesuffix("\n")
