"""Contract PDFs: print HTML from a frozen version, and WeasyPrint behind a deny-by-default
URL fetcher. Pure functions; the job bookkeeping lives in sow.services.pdf."""

import base64
import hashlib
import io
import logging
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

from .templating import sanitise

logger = logging.getLogger("offramp.pdf")
STATIC_DIR = Path(settings.BASE_DIR) / "static"
ALLOWED_STATIC = {"css/print.css"}
MAX_DATA_URI = 256 * 1024
MAX_SECTIONS = 250
MAX_TABLE_ROWS = 2000
MAX_HTML = 3_000_000


class RenderRefused(Exception):
    """The document is over a cap or otherwise cannot be rendered: a plain-words reason."""


def _fetcher_base():
    from weasyprint.urls import URLFetcher

    return URLFetcher


class SafeFetcher(_fetcher_base()):
    """Denies everything but small data: URIs and our own allow-listed static files.

    Every refusal is logged and kept in `refused`, so the job can show it as a warning.
    WeasyPrint turns the refusal into a skipped resource, never a network or file access.
    """

    def __init__(self):
        super().__init__(fail_on_errors=False, allow_redirects=False, allowed_protocols=())
        self.refused = []

    def fetch(self, url, headers=None):
        from weasyprint.urls import URLFetcherResponse

        if url.startswith("data:"):
            if len(url) > MAX_DATA_URI:
                return self._refuse(url, "embedded data over the size cap")
            header, _, payload = url.partition(",")
            mime = header[5:].split(";")[0] or "text/plain"
            data = base64.b64decode(payload) if ";base64" in header else payload.encode()
            return URLFetcherResponse(url, data, {"Content-Type": mime})
        if url.startswith("offramp-static:"):
            name = url.removeprefix("offramp-static:")
            if name in ALLOWED_STATIC:
                return URLFetcherResponse(url, (STATIC_DIR / name).read_bytes(),
                                          {"Content-Type": "text/css"})
        return self._refuse(url, "external resources are not fetched")

    def _refuse(self, url, why):
        shown = url if len(url) < 120 else url[:117] + "…"
        self.refused.append(f"Refused to fetch {shown}: {why}.")
        logger.warning("PDF render refused to fetch %s (%s)", shown, why)
        raise ValueError(f"refused: {why}")


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


def render_pdf(html):
    """(pdf bytes, page count, refusals) for print HTML."""
    from weasyprint import HTML

    fetcher = SafeFetcher()
    document = HTML(string=html, url_fetcher=fetcher, base_url="offramp-static:").render()
    pdf = document.write_pdf()
    return pdf, len(document.pages), fetcher.refused


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
