"""Importing a vendor's SOW: DOCX and PDF the test builds, pasted text, and bad input that is
refused with a message and writes nothing."""

import io
import zipfile

import pytest

from engagement.models import AuditEvent
from sow import services
from sow.importing import MAX_UPLOAD, ImportRefused, parse_upload
from sow.models import SowDocument, SowSection

VENDOR_TEXT = [
    ("1. Scope", "Acme ML Partners will build a churn model for Northwind Retail."),
    ("2. Intellectual Property", "All work product is the exclusive property of the Vendor."),
    ("3. Support", "Training will be provided on an as-needed basis."),
    ("4. Fees", "The full fee is due on signature."),
]


def make_docx(sections=VENDOR_TEXT, hyperlink=False):
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE

    d = docx.Document()
    d.core_properties.title = "Acme SOW"
    for heading, text in sections:
        d.add_heading(heading, 1)
        p = d.add_paragraph(text)
    if hyperlink:
        p = d.add_paragraph("See ")
        rid = p.part.relate_to("https://attacker.example/x", RELATIONSHIP_TYPE.HYPERLINK,
                               is_external=True)
        from docx.oxml.shared import OxmlElement, qn

        link = OxmlElement("w:hyperlink")
        link.set(qn("r:id"), rid)
        run = OxmlElement("w:r")
        t = OxmlElement("w:t")
        t.text = "our terms"
        run.append(t)
        link.append(run)
        p._p.append(link)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def make_pdf(body=None):
    import weasyprint

    body = body if body is not None else "".join(
        f"<h2>{h}</h2><p>{t}</p>" for h, t in VENDOR_TEXT)
    return weasyprint.HTML(string=f"<h1>Acme SOW</h1>{body}").write_pdf()


def nothing_written(before):
    return (SowDocument.objects.count(), SowSection.objects.count(),
            AuditEvent.objects.count()) == before


def counts():
    return SowDocument.objects.count(), SowSection.objects.count(), AuditEvent.objects.count()


def test_a_docx_is_split_at_its_headings_with_the_original_numbers(engagement, people):
    sow = services.sow_import(actor=people["procurement"], engagement=engagement,
                              filename="acme-sow.docx", data=make_docx())
    sections = list(sow.sections.order_by("position"))
    assert [(s.number_label, s.title) for s in sections] == [
        ("1", "Scope"), ("2", "Intellectual Property"), ("3", "Support"), ("4", "Fees")]
    assert all(s.is_own and s.clause_version_id is None for s in sections)
    assert sections[1].category == "ip_portability" and sections[3].category == "commercial"
    assert sow.title == "Acme SOW" and sow.imported_from == "acme-sow.docx"
    event = AuditEvent.objects.get(verb="sow.imported")
    assert event.after["sections"] == 4 and len(event.after["sha256"]) == 64
    rendered, findings, _ = services.sow_evaluate(sow)
    flagged = {f.rule for f in findings if f.quote and f.source == "text"}
    assert {"no_client_ownership", "vague_knowledge_transfer", "payments_not_gated"} <= flagged
    from sow.models import Clause

    assert not Clause.objects.filter(title="Intellectual Property").exists(), \
        "imported text never enters the clause library"


def test_a_pdf_with_a_text_layer_is_imported(engagement, people, weasyprint_available):
    sow = services.sow_import(actor=people["procurement"], engagement=engagement,
                              filename="acme.pdf", data=make_pdf())
    assert [s.title for s in sow.sections.order_by("position")] == [
        "Scope", "Intellectual Property", "Support", "Fees"]
    assert sow.sections.get(title="Fees").override_body == "The full fee is due on signature."


def test_pasted_markdown_is_imported_and_its_markup_stays_text(engagement, people):
    sow = services.sow_import(actor=people["procurement"], engagement=engagement, text=(
        "# Vendor SOW\n\n## 1. Scope\n\nWe build {{ client.name }} a <b>model</b>.\n\n"
        "## 2. Fees\n\n- 50% on signature\n- 50% on go-live\n"))
    rendered = services.sow_evaluate(sow)[0]
    assert sow.title == "Vendor SOW"
    assert "{{ client.name }}" in rendered[0].html, "imported text is never a template"
    assert "&lt;b&gt;model&lt;/b&gt;" in rendered[0].html and "<b>" not in rendered[0].html
    assert "<li>50% on signature</li>" in rendered[1].html


def test_a_docx_with_external_links_is_imported_without_them_and_says_so(engagement, people):
    sow = services.sow_import(actor=people["procurement"], engagement=engagement,
                              filename="links.docx", data=make_docx(hyperlink=True))
    assert any("Removed 1 external link" in n for n in sow.import_notes)
    assert "attacker.example" not in " ".join(sow.sections.values_list("override_body",
                                                                       flat=True))


def encrypted_pdf():
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf())))
    writer.encrypt("secret")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def macro_docx():
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(make_docx())) as src, zipfile.ZipFile(buf, "w") as out:
        for item in src.infolist():
            out.writestr(item, src.read(item.filename))
        out.writestr("word/vbaProject.bin", b"\x00macro")
    return buf.getvalue()


BAD_INPUTS = {
    "encrypted pdf": ("locked.pdf", encrypted_pdf, "encrypted"),
    "image-only pdf": ("scan.pdf", lambda: make_pdf(
        '<div style="width:300px;height:300px;background:#333"></div>'), "No text layer"),
    "corrupt pdf": ("broken.pdf", lambda: b"%PDF-1.7\n" + b"\x00garbage" * 50,
                    "not a readable PDF"),
    "corrupt docx": ("broken.docx", lambda: b"PK\x03\x04" + b"\x00" * 200, "damaged"),
    "docx with macros": ("macros.docx", macro_docx, "macros"),
    "docm": ("macros.docm", make_docx, "macro-enabled"),
    "old doc": ("old.doc", lambda: b"\xd0\xcf\x11\xe0" + b"\x00" * 100, ".doc"),
    "oversized": ("big.txt", lambda: b"a" * (MAX_UPLOAD + 1), "the limit is 10 MB"),
    "binary as text": ("x.txt", lambda: b"\xff\xfe\x00\x01", "not UTF-8"),
    "unknown kind": ("x.xlsx", lambda: b"not a sow", "Offramp imports"),
}


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input_is_refused_with_a_clear_message_and_writes_nothing(case, engagement, people,
                                                                     weasyprint_available):
    name, make, message = BAD_INPUTS[case]
    data = make()
    before = counts()
    with pytest.raises(ImportRefused) as refused:
        services.sow_import(actor=people["procurement"], engagement=engagement,
                            filename=name, data=data)
    assert message in refused.value.message
    assert nothing_written(before)


def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"<a/>" + b" " * (70 * 2**20))
    with pytest.raises(ImportRefused, match="unpacks to more than"):
        parse_upload("bomb.docx", buf.getvalue())


def test_only_people_who_draft_may_import(engagement, people):
    from common.errors import NotAllowed

    with pytest.raises(NotAllowed):
        services.sow_import(actor=people["vendor"], engagement=engagement, text="# A\n\nB")
    assert not SowDocument.objects.exists()


def test_import_page_and_api(client, engagement, people, weasyprint_available):
    from rest_framework.test import APIClient

    client.force_login(people["procurement"])
    page = client.get(f"/engagements/{engagement.pk}/sows/")
    assert "Import a vendor's SOW" in page.content.decode()
    refused = client.post(f"/engagements/{engagement.pk}/sows/import/", {
        "file": io.BytesIO(b"%PDF-1.7\n\x00garbage"), "title": ""})
    assert refused.status_code == 400 and "not a readable PDF" in refused.content.decode()
    upload = io.BytesIO(make_docx())
    upload.name = "acme.docx"
    done = client.post(f"/engagements/{engagement.pk}/sows/import/", {"file": upload},
                       follow=True)
    body = done.content.decode()
    assert "Imported “Acme SOW”: 4 sections" in body and "exclusive property of the Vendor" in body
    assert 'class="finding-mark mark-error"' in body
    api = APIClient()
    api.force_authenticate(people["procurement"])
    pdf = io.BytesIO(make_pdf())
    pdf.name = "acme.pdf"
    created = api.post("/api/v1/sows/import/", {"engagement": engagement.pk, "file": pdf},
                       format="multipart")
    assert created.status_code == 201 and created.json()["sections"][1]["own"] is True
    assert created.json()["sections"][0]["number_label"] == "1"
    text = api.post("/api/v1/sows/import/", {"engagement": engagement.pk,
                                             "text": "# Fees\n\nPaid in advance."},
                    format="json")
    assert text.status_code == 201
    bad = api.post("/api/v1/sows/import/", {"engagement": engagement.pk,
                                            "file": io.BytesIO(b"\xd0\xcf\x11\xe0xx")},
                   format="multipart")
    assert bad.status_code == 400 and ".doc" in str(bad.json())
    neither = api.post("/api/v1/sows/import/", {"engagement": engagement.pk}, format="json")
    assert neither.status_code == 400


def test_another_organisation_cannot_import_into_the_engagement(engagement, people):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(people["other_pm"])
    before = counts()
    response = api.post("/api/v1/sows/import/", {"engagement": engagement.pk,
                                                  "text": "# Fees\n\nDue on signature."},
                        format="json")
    assert response.status_code == 404 and nothing_written(before)


# --- hostile and unusual files (review findings) -------------------------------------------------

W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def test_text_in_content_controls_insertions_smart_tags_and_fields_is_kept(engagement,
                                                                           people):
    import docx
    from docx.oxml import parse_xml

    d = docx.Document()
    d.add_heading("1. Terms", 1)
    body = d.element.body
    body.insert(len(body) - 1, parse_xml(
        f"<w:sdt {W_NS}><w:sdtContent><w:p><w:r><w:t>All work product is the exclusive "
        "property of the Vendor.</w:t></w:r></w:p></w:sdtContent></w:sdt>"))
    p = d.add_paragraph("Fees are ")
    p._p.append(parse_xml(f'<w:ins {W_NS} w:id="1" w:author="v" w:date="2026-01-01T00:00:00Z">'
                          "<w:r><w:t>payable on signature</w:t></w:r></w:ins>"))
    p._p.append(parse_xml(f'<w:del {W_NS} w:id="2" w:author="v" w:date="2026-01-01T00:00:00Z">'
                          "<w:r><w:delText>after acceptance</w:delText></w:r></w:del>"))
    p2 = d.add_paragraph("Support ")
    p2._p.append(parse_xml(f'<w:smartTag {W_NS} w:uri="u" w:element="e"><w:r><w:t>as needed'
                           "</w:t></w:r></w:smartTag>"))
    p3 = d.add_paragraph("Runbooks ")
    p3._p.append(parse_xml(f'<w:fldSimple {W_NS} w:instr="QUOTE x"><w:r><w:t>on request</w:t>'
                           "</w:r></w:fldSimple>"))
    buf = io.BytesIO()
    d.save(buf)
    sow = services.sow_import(actor=people["procurement"], engagement=engagement,
                              filename="hidden.docx", data=buf.getvalue())
    text = sow.sections.get().override_body
    assert "exclusive property of the Vendor" in text and "payable on signature" in text
    assert "as needed" in text and "on request" in text and "after acceptance" not in text
    assert any("tracked changes" in n for n in sow.import_notes)


def _rezip(data, change):
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buf, "w") as out:
        for item in src.infolist():
            out.writestr(item, src.read(item.filename))
    raw = bytearray(buf.getvalue())
    change(raw)
    return bytes(raw)


def _flip_first_crc(raw):
    at = raw.find(b"PK\x01\x02")  # the central directory's first entry
    raw[at + 16] ^= 0xFF


def _mark_encrypted(raw):
    at = raw.find(b"PK\x01\x02")
    raw[at + 8] |= 0x01


def _pdf(objects):
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, o in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + o + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for o in offsets:
        out.write(b"%010d 00000 n \n" % o)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, xref))
    return out.getvalue()


def _page_pdf(contents, media=b"[0 0 612 792]"):
    return _pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                 b"<< /Type /Page /Parent 2 0 R /MediaBox " + media
                 + b" /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
                 contents, b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"])


def _stream(data, extra=b""):
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def _flate_bomb(gigabytes=1.5):
    import zlib

    z = zlib.compressobj(9)
    chunk = b" " * 2**20
    data = b"".join(z.compress(chunk) for _ in range(int(gigabytes * 1024))) + z.flush()
    return _page_pdf(_stream(data, b"/Filter /FlateDecode"))


def _many_paragraphs(n=200_000):
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(make_docx())) as src, \
            zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename == "word/document.xml":
                para = b"<w:p><w:r><w:t>clause text</w:t></w:r></w:p>"
                content = content.replace(b"<w:body>", b"<w:body>" + para * n, 1)
            out.writestr(item, content)
    return buf.getvalue()


HOSTILE = {
    "bad crc in the zip": ("a.docx", lambda: _rezip(make_docx(), _flip_first_crc), "damaged"),
    "encrypted zip entry": ("a.docx", lambda: _rezip(make_docx(), _mark_encrypted),
                            "damaged"),
    "media box not a box": ("a.pdf", lambda: _page_pdf(_stream(
        b"BT /F1 12 Tf 72 720 Td (Fees are due on signature) Tj ET"), b"(abc)"), "read"),
    "flate bomb": ("bomb.pdf", _flate_bomb, "Export it again"),
    "200,000 paragraphs": ("many.docx", _many_paragraphs, "paragraphs"),
}


@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_files_are_refused_in_a_bounded_process_and_write_nothing(case, engagement,
                                                                         people):
    import resource
    import time

    name, make, message = HOSTILE[case]
    data = make()
    before, started = counts(), time.monotonic()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ImportRefused) as refused:
        services.sow_import(actor=people["procurement"], engagement=engagement,
                            filename=name, data=data)
    assert message in refused.value.message and nothing_written(before)
    assert time.monotonic() - started < 40
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss
    assert grown < 300 * 1024, "the parse ran outside this process"


def test_a_title_with_invisible_characters_is_cleaned_not_a_crash(engagement, people):
    import docx

    d = docx.Document()
    d.core_properties.title = "Acme\u202e SOW\u200b"
    d.add_heading("1. Scope", 1)
    d.add_paragraph("A model.")
    buf = io.BytesIO()
    d.save(buf)
    sow = services.sow_import(actor=people["procurement"], engagement=engagement,
                              filename="t.docx", data=buf.getvalue(), title="")
    assert sow.title == "Acme SOW"
    sow2 = services.sow_import(actor=people["procurement"], engagement=engagement,
                               text="# A\n\nB", title="Mine\u202e")
    assert sow2.title == "Mine"


def test_an_import_costs_the_same_queries_for_5_or_60_sections(engagement, people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def cost(n):
        text = "\n\n".join(f"# Part {i}\n\nThe vendor delivers item {i}." for i in range(n))
        with CaptureQueriesContext(connection) as ctx:
            sow = services.sow_import(actor=people["procurement"], engagement=engagement,
                                      text=text)
        assert sow.sections.count() == n
        return len(ctx.captured_queries)

    assert cost(5) == cost(60)


def test_pasted_paragraphs_wrapped_over_lines_are_read_as_one(engagement, people):
    sow = services.sow_import(actor=people["procurement"], engagement=engagement, text=(
        "# Intellectual Property\n\nAll work product is the exclusive property of\n"
        "the Vendor.\n\n- first item\n- second item"))
    section = sow.sections.get()
    assert section.override_body.startswith("All work product is the exclusive property of "
                                             "the Vendor.")
    flags = [f for f in services.sow_evaluate(sow)[1] if f.rule == "no_client_ownership"]
    assert any("exclusive property of the Vendor" in f.quote for f in flags)
