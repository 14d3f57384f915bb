"""Spreadsheet exports shared by the apps: cells that cannot run as formulas."""

import io

from django.http import HttpResponse

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value):
    """Text a spreadsheet can hold: characters it cannot store are dropped, and text that
    starts like a formula is quoted (formula injection)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    text = ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value))
    return "'" + text if text.startswith(FORMULA_START) else text


def xlsx_response(name, title, header, rows, *, money_columns=()):
    """An .xlsx download of one sheet; strings made safe, numbers kept as numbers."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append([safe_cell(h) for h in header])
    for row in rows:
        sheet.append([v if not isinstance(v, str) else safe_cell(v) for v in row])
    for index in money_columns:
        for cell in sheet[get_column_letter(index + 1)][1:]:
            cell.number_format = "#,##0.00"
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response
