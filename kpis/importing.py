"""Reading measurements from a CSV file: every row checked, every problem reported by row
and column, nothing saved until the whole file is valid (the view shows a preview first)."""

import csv
import io
from dataclasses import dataclass, field

from common.errors import DomainError

from .services.measurements import check_row

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
COLUMNS = ("kpi", "date", "value")


@dataclass
class Preview:
    rows: list = field(default_factory=list)  # dicts: line, kpi (KPI), date, value, source, note
    errors: list = field(default_factory=list)  # (line, column, message)

    @property
    def ok(self):
        return bool(self.rows) and not self.errors


def read_csv(text, kpis, *, today=None):
    """`kpis`: the engagement's KPIs. The header names kpi (an id or the KPI's exact name),
    date (YYYY-MM-DD), value, and optionally source and note."""
    preview = Preview()
    if len(text.encode("utf-8", "replace")) > MAX_BYTES:
        preview.errors.append((0, "file", "The file is over 2 MB: split it."))
        return preview
    text = text.lstrip("\ufeff")
    try:
        sample = text[:4096]
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample.strip() else csv.excel
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        preview.errors.append((1, "header", "The first line must name the columns kpi, date "
                                            "and value (missing: " + ", ".join(missing) + ")."))
        return preview
    reader.fieldnames = header
    by_id = {str(k.pk): k for k in kpis}
    by_name = {k.name.strip().lower(): k for k in kpis}
    try:
        for n, raw in enumerate(reader, start=2):
            if n - 1 > MAX_ROWS:
                preview.errors.append((n, "file", f"More than {MAX_ROWS} rows: split the file."))
                break
            if not any((v or "").strip() for v in raw.values() if isinstance(v, str)):
                continue
            ref = (raw.get("kpi") or "").strip()
            kpi = by_id.get(ref) or by_name.get(ref.lower())
            if kpi is None:
                preview.errors.append((n, "kpi", f"No KPI “{ref[:60]}” on this engagement."))
                continue
            row = {k: (raw.get(k) or "").strip() for k in ("date", "value", "source", "note")}
            try:
                day, value, source, note = check_row(kpi, row, today)
            except DomainError as exc:
                preview.errors.append((n, exc.field or "row", exc.message))
                continue
            preview.rows.append({"line": n, "kpi": kpi, "date": day, "value": value,
                                 "source": source if row["source"] else "csv", "note": note})
    except csv.Error as exc:
        preview.errors.append((reader.line_num, "file", f"The file is not readable CSV: {exc}."))
    if not preview.rows and not preview.errors:
        preview.errors.append((0, "file", "The file has no rows of values."))
    return preview
