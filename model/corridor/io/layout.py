"""The layout every sheet corridor writes shares: number formats by unit (`corridor.io.units`), column
widths from what the cells show, and a print setup (one page wide, landscape when the sheet is wide or
carries a chart, the header row repeated on every page).

- `format_numbers`: every numeric cell of a table gets its unit's format: on a key/value sheet (``item`` /
  ``value``, as ``summary``) the unit of the row's key, on a sheet with a ``unit`` column (``security``,
  ``kpis``) the row's unit, else the column's.
- `fit_widths`: column widths from the header and the formatted cells (10 to 60 characters).
- `print_setup` / `print_setup_all`: the page setup of one sheet / of every sheet of a workbook.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from openpyxl.utils import get_column_letter

from corridor.io.files import is_number
from corridor.io.units import canonical, number_format, unit_of

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

KEYS = ("item", "key")  # the key column of a key/value sheet (beside a ``value`` column)
WIDE = 7  # a sheet of this many columns or more prints landscape


def column_units(ws: Worksheet, sheet: str = "", units: dict | None = None, header_row: int = 1) -> list:
    """The unit of each column of the table on ``ws`` (header in ``header_row``): ``units`` (0-based column
    index -> unit) first, then `unit_of` the header on ``sheet``."""
    names = ["" if c.value is None else str(c.value) for c in ws[header_row]]
    return [(units or {}).get(j) or unit_of(name, sheet) for j, name in enumerate(names)]


def format_numbers(ws: Worksheet, sheet: str = "", *, units: dict | None = None, currency: str = "",
                   header_row: int = 1) -> None:
    """Give every numeric cell below the header of ``ws`` the number format of its unit (see the module's
    docstring); ``units``: column units that override the table's (0-based index -> unit); ``currency``:
    the run's currency code, which a ``unit`` column may name (``USD``)."""
    names = ["" if c.value is None else str(c.value) for c in ws[header_row]]
    key = next((names.index(k) for k in KEYS if k in names), None) if "value" in names else None
    unit_col = names.index("unit") if "unit" in names else None
    by_column = column_units(ws, sheet, units, header_row)
    for row in ws.iter_rows(min_row=header_row + 1):
        if key is not None:
            row_unit = unit_of(row[key].value, sheet) if key < len(row) else None
        elif unit_col is not None:
            row_unit = canonical(row[unit_col].value, currency) if unit_col < len(row) else None
        else:
            row_unit = None
        for j, cell in enumerate(row):
            if is_number(cell.value):
                unit = row_unit if key is not None or unit_col is not None else by_column[j]
                cell.number_format = number_format(unit, cell.value)


def shown(value: object, fmt: str = "General") -> str:
    """About the text a spreadsheet shows for ``value`` in format ``fmt`` (for column widths)."""
    if value is None:
        return ""
    if not is_number(value):
        return str(value)
    decimals = len(fmt.split(".", 1)[1].rstrip("%").split("E")[0]) if "." in fmt else 0
    if fmt.endswith("%"):
        return f"{value * 100:.{decimals}f}%"
    if "E" in fmt:
        return f"{value:.{decimals}E}"
    if fmt == "General":
        return f"{value:.10g}"
    return f"{value:{',' if ',' in fmt else ''}.{decimals}f}"


def fit_widths(ws: Worksheet, header_row: int = 1, fixed: dict | None = None, lo: int = 10, hi: int = 60,
               sample: int = 200) -> None:
    """Column widths of the table on ``ws`` from its header and its first ``sample`` rows as shown (at least
    ``lo``, at most ``hi`` characters); ``fixed``: 0-based column index -> width, kept as given."""
    for j, column in enumerate(ws.iter_cols(min_row=header_row, max_row=header_row + sample), start=1):
        width = (fixed or {}).get(j - 1)
        if width is None:
            texts = [shown(c.value, c.number_format) for c in column]
            width = min(hi, max(lo, max((len(t) for t in texts), default=0) + 2))
        ws.column_dimensions[get_column_letter(j)].width = width


def header_rows(ws: Worksheet) -> int:
    """The rows a sheet's frozen panes hold (its header), 0 when none are frozen."""
    frozen = ws.freeze_panes
    if not frozen:
        return 0
    digits = "".join(ch for ch in str(frozen) if ch.isdigit())
    return max(0, int(digits) - 1) if digits else 0


def print_setup(ws: Worksheet, header: int | None = None, landscape: bool | None = None) -> None:
    """Print ``ws`` one page wide (as many pages down as it takes), landscape when it has `WIDE` columns or
    more or carries a chart or picture (``landscape`` decides when given), with its ``header`` rows (default:
    the frozen ones) repeated at the top of every page."""
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if landscape is None:
        drawings = list(getattr(ws, "_charts", ())) + list(getattr(ws, "_images", ()))
        landscape = ws.max_column >= WIDE or bool(drawings)
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    header = header_rows(ws) if header is None else header
    if header and ws.max_row > header:
        ws.print_title_rows = f"1:{header}"


def print_setup_all(wb: Workbook, skip: Iterable[str] = ()) -> None:
    """`print_setup` on every sheet of ``wb`` except those named in ``skip``."""
    skipped = set(skip)
    for ws in wb.worksheets:
        if ws.title not in skipped:
            print_setup(ws)
