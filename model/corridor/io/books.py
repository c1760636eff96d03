"""Write an input workbook from plain rows: ``{sheet: [row dict]}`` (``settings`` as ``{key: value}``).

Used by the default-case-style generators (reference converters, the scaled-instance generator) and the
tests.  The header is the union of the rows' keys in first-seen order; text that looks like a formula
stays text, as a planner typed it; the file is written atomically.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from corridor.io.files import atomic_save
from corridor.io.reader import RawWorkbook
from corridor.io.schema import SHEET


def write_sheets(path: str | Path, book: dict, stream: bool = False,
                 empty_header: Callable[[str], list] | None = None) -> Path:
    """Write ``book`` to ``path``; ``stream`` uses openpyxl's write-only mode (fast for large books).
    ``empty_header(sheet)`` gives the header of a sheet that has no rows (default: the schema's columns)."""
    wb = Workbook(write_only=stream)
    if not stream:
        wb.remove(wb.active)
    for name, rows in book.items():
        ws = wb.create_sheet(name)
        if name == "settings" and isinstance(rows, dict):
            rows = [{"key": k, "value": v} for k, v in rows.items()]
        cols = []
        for r in rows:
            cols.extend(k for k in r if k not in cols)
        ws.append(cols or (empty_header or _schema_header)(name))
        for r in rows:
            values = [r.get(c) for c in cols]
            if any(isinstance(v, str) and v.startswith("=") for v in values):
                values = [_text_cell(ws, v, WriteOnlyCell) if stream else v for v in values]
            ws.append(values)
        if not stream:
            for row in ws.iter_rows(min_row=2):
                for cell in row:
                    if cell.data_type == "f":
                        cell.data_type = "s"
    return atomic_save(wb, Path(path))


def _text_cell(ws, v, cell_type):
    if not (isinstance(v, str) and v.startswith("=")):
        return v
    cell = cell_type(ws, value=v)
    cell.data_type = "s"
    return cell


def _schema_header(name):
    return [c.name for c in SHEET[name].columns] if name in SHEET else ["note"]


def raw_workbook(book: dict, path: str | Path | None = None) -> RawWorkbook:
    """``book`` (as `write_sheets` takes it) as the raw records a workbook of it would read into, with the Excel
    rows it would have (header = row 1), without writing a file: for building cases in memory."""
    sheets = {}
    for name, rows in book.items():
        if name == "settings":
            sheets[name] = [{"_row": i + 2, "key": k, "value": v} for i, (k, v) in enumerate(rows.items())]
        else:
            sheets[name] = [{"_row": i + 2, **r} for i, r in enumerate(rows)]
    return RawWorkbook(path=Path(path) if path else None, sha256="", sheets=sheets)
