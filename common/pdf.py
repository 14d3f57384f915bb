"""HTML to PDF with WeasyPrint behind a deny-by-default URL fetcher (contracts, summaries)."""

import base64
import logging
from pathlib import Path

from django.conf import settings

logger = logging.getLogger("offramp.pdf")
STATIC_DIR = Path(settings.BASE_DIR) / "static"
ALLOWED_STATIC = {"css/print.css"}
MAX_DATA_URI = 256 * 1024


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


def render_pdf(html):
    """(pdf bytes, page count, refusals) for print HTML."""
    from weasyprint import HTML

    fetcher = SafeFetcher()
    document = HTML(string=html, url_fetcher=fetcher, base_url="offramp-static:").render()
    pdf = document.write_pdf()
    return pdf, len(document.pages), fetcher.refused
