"""Importing a vendor's SOW: parse (refusing bad input before anything is written), then keep
it as a new SOW of the engagement made of its own sections, never library clauses."""

import hashlib

from django.db import transaction

from common.errors import DomainError
from engagement.audit import audit_record
from engagement.rules import require

from ..checks.text import reader_for
from ..importing import MAX_TITLE, clean_title, parse_text, parse_upload
from ..models import Category, SowDocument, SowSection

MAX_PASTE = 500_000


def _category(title):
    topic = reader_for().topic(title)
    return topic if topic in Category.values else ""


@transaction.atomic
def sow_import(*, actor, engagement, filename="", data=None, text=None, title=""):
    """Import a DOCX, a PDF with a text layer, or pasted text/Markdown as a new SOW.

    Refusals (`ImportRefused`, a DomainError naming the `file` field) happen before any write.
    The sections keep the original's headings and numbering; their categories are guessed from
    the headings. The audit event records the file's name, SHA-256, size and what the import
    removed."""
    require(actor, "sow.draft_sow", engagement)
    if (data is None) == (text is None):
        raise DomainError("Upload a file or paste the SOW's text (one of the two).",
                          rule="invalid_field", field="file")
    if text is not None:
        if not text.strip():
            raise DomainError("Paste the SOW's text, or upload a file.", rule="invalid_field",
                              field="text")
        if len(text) > MAX_PASTE:
            raise DomainError(f"Pasted text is limited to {MAX_PASTE:,} characters.",
                              rule="invalid_field", field="text")
        parsed = parse_text(text)
        raw = text.encode()
        source = "pasted text"
    else:
        parsed = parse_upload(filename, data)
        raw = data
        source = (filename or "uploaded file")[:255]
    doc_title = clean_title(title) or parsed.title or "Imported SOW"
    sow = SowDocument(engagement=engagement, title=doc_title, updated_by=actor,
                      imported_from=source, import_notes=parsed.notes)
    sow.full_clean()
    sow.save()
    # The parser has cleaned the text, headings and numbers already (invisible characters
    # removed, lengths bounded), so the rows go in with one statement.
    sections = [SowSection(sow=sow, position=i,
                           title=clean_title(s.title)[:MAX_TITLE] or "Untitled section",
                           number_label=s.number[:20], override_body=s.text,
                           category=_category(s.title))
                for i, s in enumerate(parsed.sections, start=1)]
    SowSection.objects.bulk_create(sections)
    audit_record(engagement=engagement, actor=actor, verb="sow.imported", obj=sow,
                 after={"title": sow.title, "source": source, "kind": parsed.kind,
                        "sha256": hashlib.sha256(raw).hexdigest(), "size": len(raw),
                        "sections": len(sections), "notes": parsed.notes})
    return sow


def sow_import_submitted(*, actor, engagement, upload=None, text="", title=""):
    """What a page or the API received: an uploaded file (read only if within the limit) or
    pasted text."""
    from ..importing import read_upload

    if upload:
        return sow_import(actor=actor, engagement=engagement, filename=upload.name,
                          data=read_upload(upload), title=title)
    return sow_import(actor=actor, engagement=engagement, text=text, title=title)
