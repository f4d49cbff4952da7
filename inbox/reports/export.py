"""Exports of the report tables: CSV (semicolons and a BOM, as German spreadsheet programs expect) and PDF.

PDF by fpdf2: pure Python, no browser and no system packages beyond Debian's DejaVu font (its core fonts know
no "–" or "„"); the PDF holds the same tables as the page, the charts are left to the page and its print view.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from inbox.reports.queries import SECTIONS, Table

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


def csv_bytes(tables: list[Table], heading: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for line in heading:
        writer.writerow([line])
    for table in tables:
        writer.writerow([])
        writer.writerow([table.title])
        writer.writerow(table.columns)
        writer.writerows(table.rows)
        if table.note:
            writer.writerow([table.note])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def pdf_bytes(report: dict[str, list[Table]], heading: list[str]) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(orientation="L", format="A4")
    pdf.set_auto_page_break(True, margin=12)
    regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
    if regular.exists():
        pdf.add_font("DejaVu", "", str(regular))
        pdf.add_font("DejaVu", "B", str(bold if bold.exists() else regular))
        family = "DejaVu"
    else:  # without the font, Helvetica; text outside Latin-1 is replaced
        family = "Helvetica"
    pdf.add_page()
    pdf.set_font(family, "B", 14)
    for line in heading:
        pdf.multi_cell(0, 7, _text(line, family), new_x="LMARGIN", new_y="NEXT")
    for key, tables in report.items():
        pdf.set_font(family, "B", 12)
        pdf.ln(3)
        pdf.multi_cell(0, 7, _text(SECTIONS.get(key, key), family), new_x="LMARGIN", new_y="NEXT")
        for table in tables:
            _table(pdf, table, family)
    return bytes(pdf.output())


def _table(pdf, table: Table, family: str) -> None:
    pdf.set_font(family, "B", 9)
    pdf.multi_cell(0, 5, _text(table.title, family), new_x="LMARGIN", new_y="NEXT")
    size = 6 if len(table.columns) > 12 else 8
    pdf.set_font(family, "", size)
    with pdf.table(text_align="LEFT", line_height=size * 0.55, first_row_as_headings=True) as grid:
        for values in [table.columns, *table.rows]:
            row = grid.row()
            for value in values:
                row.cell(_text(str(value), family))
    if table.note:
        pdf.set_font(family, "", 7)
        pdf.multi_cell(0, 4, _text(table.note, family), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


def _text(value: str, family: str) -> str:
    return value if family == "DejaVu" else value.encode("latin-1", "replace").decode("latin-1")
