"""Hostile content never makes WeasyPrint fetch anything, and no target bytes reach the PDF."""

import base64

import pytest

from common import pdf as common_pdf
from sow import rendering
from sow.services import pdf as pdf_services
from sow.services import sow_section_edit
from tests.sow.pdf_helpers import frozen_version, pdf_text

pytestmark = pytest.mark.usefixtures("weasyprint_available")
MARKER = "OFFRAMP-SECRET-7f3a9c"


@pytest.fixture
def secret(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text(f"{MARKER}\n")
    svg = tmp_path / "secret.svg"
    svg.write_text(f'<svg xmlns="http://www.w3.org/2000/svg"><text>{MARKER}</text></svg>')
    return path, svg


def hostile_html(path, svg):
    url = path.as_uri()
    return f"""<!doctype html><html><head>
<link rel="stylesheet" href="{url}">
<link rel="attachment" href="{url}">
<style>
@import url("{url}");
@font-face {{ font-family: X; src: url("{url}"); }}
body {{ background: url("{url}"); }}
p.meta {{ background-image: url("http://169.254.169.254/latest/meta-data/"); }}
</style></head><body>
<p class="meta">Hello</p>
<img src="{url}"><img src="{svg.as_uri()}"><img src="http://169.254.169.254/latest/meta-data/">
<object data="{url}"></object><embed src="{url}">
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">
  <image href="{svg.as_uri()}" width="10" height="10"/><image xlink:href="{url}"/></svg>
<a rel="attachment" href="{url}">attachment</a>
<iframe src="{url}"></iframe>
<img src="ftp://example.com/x.png">
</body></html>"""


def test_fetcher_refuses_everything_but_small_data_and_our_static():
    fetch = rendering.SafeFetcher()
    for url in ["file:///etc/passwd", "http://169.254.169.254/latest/meta-data/",
                "https://example.com/a.css", "ftp://example.com/x", "offramp-static:../../x",
                "data:text/plain;base64," + "A" * (common_pdf.MAX_DATA_URI + 1)]:
        with pytest.raises(ValueError):
            fetch(url)
    assert len(fetch.refused) == 6
    ok = fetch("data:text/plain;base64," + base64.b64encode(b"hi").decode())
    assert ok.read() == b"hi"
    assert fetch("offramp-static:css/print.css").content_type == "text/css"


def test_raw_hostile_html_renders_without_fetching_any_target(secret):
    path, svg = secret
    pdf, pages, refused = rendering.render_pdf(hostile_html(path, svg))
    assert MARKER.encode() not in pdf
    assert all(MARKER not in page for page in pdf_text(pdf))
    assert refused, "each refusal is reported"
    assert any("file://" in r for r in refused)
    assert any("169.254.169.254" in r for r in refused)


@pytest.mark.django_db
def test_hostile_clause_text_is_stripped_before_weasyprint(engagement, people, secret,
                                                           settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    path, svg = secret
    version = frozen_version(engagement, people, schedules=())
    sow = version.sow
    section = sow.sections.get(clause_version__clause__key="two-key-rule")
    sow_section_edit(actor=people["procurement"], section=section,
                     override_body=hostile_html(path, svg).replace("{", "").replace("}", ""))
    from sow.services import sow_freeze

    v2 = sow_freeze(actor=people["procurement"], sow=sow, justification="Frozen for the test.",
                    acknowledge_warnings=True)
    for bad in ("<link", "<style", "<img", "<object", "<svg", "<iframe", "url(", "@import"):
        assert bad not in v2.source["sections"][-1]["html"] or bad not in v2.html
    job, _ = pdf_services.render_request(actor=people["leader"], version=v2)
    pdf_services.render_job_execute(job.pk)
    job.refresh_from_db()
    data = job.pdf.open("rb").read()
    assert job.status == "succeeded" and MARKER.encode() not in data
    assert job.warnings == [], "sanitised input leaves nothing to refuse"


def test_only_a_known_schedule_kind_survives_on_a_table():
    # Generated schedules name their kind so the print stylesheet can fix their column widths;
    # clause text can carry no other value, and no other element can carry the attribute.
    from sow.templating import sanitise

    cleaned = sanitise('<table data-schedule="ladder"><tr><td>a</td></tr></table>'
                       '<table data-schedule="running"><tr><td>b</td></tr></table>'
                       '<p data-schedule="ladder" class="status">c</p>')
    assert cleaned.count("data-schedule") == 1
    assert '<table data-schedule="ladder">' in cleaned and "<p>c</p>" in cleaned
    assert "running" not in cleaned and "class" not in cleaned


def test_generated_schedules_are_laid_out_with_fixed_column_widths(engagement, people):
    version = frozen_version(engagement, people, schedules=("ladder", "raci"))
    html = rendering.print_html(version, [], draft=True)
    assert '<table data-schedule="ladder">' in html and '<table data-schedule="raci">' in html
    assert "table[data-schedule] { table-layout: fixed; }" in html
