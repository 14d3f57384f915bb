"""Contract PDFs: print HTML from a frozen version, and WeasyPrint behind a deny-by-default
URL fetcher. Pure functions; the job bookkeeping lives in sow.services.pdf."""

import hashlib
import io
import logging
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

from common.pdf import SafeFetcher, render_pdf  # noqa: F401 - the contract path uses both

from .templating import sanitise

logger = logging.getLogger("offramp.pdf")
STATIC_DIR = Path(settings.BASE_DIR) / "static"
MAX_SECTIONS = 250
MAX_TABLE_ROWS = 2000
MAX_HTML = 3_000_000


class RenderRefused(Exception):
    """The document is over a cap or otherwise cannot be rendered: a plain-words reason."""


def print_html(version, approvals, *, draft):
    """The contract as print HTML: cover, contents, numbered clauses, schedules, signatures and
    the record of approval. Clause HTML is sanitised again here before WeasyPrint sees it."""
    sections = version.source["sections"]
    if len(sections) > MAX_SECTIONS:
        raise RenderRefused(f"The SOW has {len(sections)} sections; contracts are limited to "
                            f"{MAX_SECTIONS}.")
    rows = sum(s["html"].count("<tr") for s in sections)
    if rows > MAX_TABLE_ROWS:
        raise RenderRefused(f"The schedules have {rows} table rows; the limit is "
                            f"{MAX_TABLE_ROWS}.")
    html = render_to_string("sow/print/contract.html", {
        "version": version, "sow": version.sow, "engagement": version.sow.engagement,
        "sections": [{"heading": s["heading"], "html": sanitise(s["html"])} for s in sections],
        "approvals": approvals, "draft": draft,
        "stylesheet": (STATIC_DIR / "css" / "print.css").read_text(),
    })
    if len(html) > MAX_HTML:
        raise RenderRefused(f"The document is {len(html) // 1024} KiB of HTML; the limit is "
                            f"{MAX_HTML // 1024} KiB.")
    return html


def thumbnail_png(pdf, width=360):
    """The first page as a small PNG."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        page = doc[0]
        scale = width / page.get_width()
        image = page.render(scale=scale).to_pil()
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=True)
        return out.getvalue()
    finally:
        doc.close()


def sha256(data):
    return hashlib.sha256(data).hexdigest()
