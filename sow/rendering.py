"""Contract PDFs: print HTML from a frozen version, and WeasyPrint behind a deny-by-default
URL fetcher. Pure functions; the job bookkeeping lives in sow.services.pdf."""

import functools
import hashlib
import io
import logging
from html import escape
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from pypdf import PdfReader

from common.pdf import SafeFetcher, render_pdf  # noqa: F401 - the contract path uses both

from . import stamping
from .templating import sanitise

logger = logging.getLogger("offramp.pdf")
STATIC_DIR = Path(settings.BASE_DIR) / "static"
MAX_SECTIONS = 250
MAX_TABLE_ROWS = 2000
MAX_HTML = 3_000_000


class RenderRefused(Exception):
    """The document is over a cap or otherwise cannot be rendered: a plain-words reason."""


def print_html(version, approvals, *, draft, marks=True, stamped=False, ends_of=None,
               toc=None):
    """The contract as print HTML: cover, contents, numbered clauses, schedules, signatures and
    the record of approval. Clause HTML is sanitised again here before WeasyPrint sees it.

    `marks=False` leaves out the variant's marks (watermark, status line, cover status) and
    the contents' page numbers: the layout that both variants are stamped from. `stamped=True`
    leaves out only the marks drawn on every page (watermark and status line), which are
    stamped on afterwards: the first variant of a version, laid out once. `ends_of=N`
    keeps only the cover, the contents (numbered from `toc`, {anchor: page}) and the record
    of approval, the last of N pages: the pages that differ by variant."""
    sections = version.source["sections"]
    if len(sections) > MAX_SECTIONS:
        raise RenderRefused(f"The SOW has {len(sections)} sections; contracts are limited to "
                            f"{MAX_SECTIONS}.")
    rows = sum(s["html"].count("<tr") for s in sections)
    if rows > MAX_TABLE_ROWS:
        raise RenderRefused(f"The schedules have {rows} table rows; the limit is "
                            f"{MAX_TABLE_ROWS}.")
    toc = toc or {}
    html = render_to_string("sow/print/contract.html", {
        "version": version, "sow": version.sow, "engagement": version.sow.engagement,
        "sections": [{"heading": s["heading"], "html": "" if ends_of else sanitise(s["html"]),
                      "page": toc.get(f"clause-{n}")} for n, s in enumerate(sections, 1)],
        "approvals": approvals, "draft": draft, "marks": marks, "stamped": stamped,
        "ends": bool(ends_of),
        "toc": toc, "stylesheet": _stylesheet(),
        "page_numbers": (f'@page {{ @bottom-right {{ content: "Page " counter(page) '
                         f'" of {ends_of}" }} }} @page record {{ @bottom-right {{ '
                         f'content: "Page {ends_of} of {ends_of}" }} }} .record {{ page: record }}'
                         if ends_of else ""),
    })
    if len(html) > MAX_HTML:
        raise RenderRefused(f"The document is {len(html) // 1024} KiB of HTML; the limit is "
                            f"{MAX_HTML // 1024} KiB.")
    return html


def _stylesheet():
    return (STATIC_DIR / "css" / "print.css").read_text()


def status_line(version, *, draft):
    return "DRAFT — not approved" if draft else version.get_status_display()


@functools.lru_cache(maxsize=16)
def _stamp_pdf(stylesheet, status, watermark):
    """A one-page stamp: only the status line, or only the watermark, where the contract's
    own stylesheet puts them."""
    hide = "@page { @top-left { content: none } @top-right { content: none } " \
           "@bottom-right { content: none }%s }" % (
               " @bottom-left { content: none }" if watermark else "")
    body = ('<div class="watermark">DRAFT</div>' if watermark else
            f'<div class="cover"><div class="running-data"><span class="status">'
            f'{escape(status)}</span></div></div>')
    html = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><style>{stylesheet}'
            f'{hide}</style></head><body>{body}</body></html>')
    return render_pdf(html)[0]


class LayoutStore:
    """Laid-out contracts by the SHA-256 of their print HTML, so that a version's draft and
    final share one layout. In memory; sow.services.pdf keeps them in the file storage."""

    def __init__(self):
        self.items = {}

    def get(self, key):
        return self.items.get(key)

    def put(self, key, pdf, refused):
        self.items[key] = (pdf, refused)


def contract_pdf(version, approvals, *, draft, layouts=None):
    """(pdf, pages, refusals, laid_out) for one variant of a frozen version.

    The first variant of a version is laid out in full, contents' page numbers included, but
    without the marks drawn on every page (the watermark and the status line): those are
    stamped onto its pages, and the layout is kept in `layouts` (laid_out is True).
    A later variant reuses that layout:
    1. its cover, contents (numbered from the layout's anchors) and record of approval are
       laid out on their own: a few pages;
    2. they replace the layout's, and its status line and, for the draft, the watermark are
       stamped onto the other pages.
    When a layout cannot be stamped (sow.stamping refuses it), the variant is laid out in
    full with its marks instead: slower, never different."""
    key = sha256(print_html(version, [], draft=False, marks=False).encode())
    cached = layouts.get(key) if layouts is not None else None
    stylesheet = _stylesheet()
    status = _stamp_pdf(stylesheet, status_line(version, draft=draft), False)
    watermark = _stamp_pdf(stylesheet, "", True) if draft else None
    try:
        if cached is None:
            layout, pages, refused = render_pdf(
                print_html(version, approvals, draft=draft, stamped=True))
            pdf = stamping.stamp(layout, ends=None, body_starts=0, status=status,
                                 watermark=watermark)
            if layouts is not None:
                layouts.put(key, layout, refused)
            return pdf, pages, refused, True
        layout, refused = cached
        reader = PdfReader(io.BytesIO(layout))
        pages = len(reader.pages)
        toc = {name.lstrip("/"): reader.get_destination_page_number(dest) + 1
               for name, dest in reader.named_destinations.items()}
        ends, _ends_pages, ends_refused = render_pdf(
            print_html(version, approvals, draft=draft, ends_of=pages, toc=toc))
        pdf = stamping.stamp(
            layout, ends=ends, body_starts=min(
                page for name, page in toc.items()
                if name.startswith("clause-") or name == "signatures") - 1,
            status=status, watermark=watermark)
    except stamping.StampRefused as exc:
        logger.warning("contract laid out in full: %s", exc, extra={"version_id": version.pk})
        pdf, pages, refused = render_pdf(print_html(version, approvals, draft=draft))
        return pdf, pages, refused, True
    return pdf, pages, list(dict.fromkeys(refused + ends_refused)), False


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
