"""Write the solution workbook: formatted sheets, a native chart, written atomically.

The workbook is first written to a temporary file in the target folder and then moved into place, so a
failure (or a kill) never leaves a half-written file and never touches the previous output.  The input
workbook is never the target.
"""
from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path

SHEET_ORDER = ("summary", "costs", "security", "scenarios", "route_flows", "leg_use", "processing", "deliveries", "inventory", "licences",
               "corridor_shares", "corridor_periods", "decisions")

_FORMATS = (  # column-name test -> number format
    (lambda c: c in ("share", "utilisation"), "0.0%"),
    (lambda c: c.endswith("cost") or c in ("amount", "revenue", "objective", "best_bound") or c.startswith("cost_"),
     "#,##0"),
    (lambda c: c.endswith("_t") or c == "tonnes", "#,##0.0"),
)


class OutputError(Exception):
    pass


def same_file(a, b) -> bool:
    try:
        return Path(a).resolve() == Path(b).resolve() or (Path(b).exists() and os.path.samefile(a, b))
    except OSError:
        return False


def write_solution(tables: dict, path, input_path=None) -> Path:
    """Write ``tables`` (sheet -> DataFrame) to ``path`` atomically; refuse to overwrite the input."""
    path = Path(path)
    if input_path is not None and same_file(input_path, path):
        raise OutputError(f"refusing to write the solution over the input workbook {path}")
    return _atomic_save(_workbook(tables), path)


def _atomic_save(wb, path: Path) -> Path:
    """Save an openpyxl workbook to a temporary file beside ``path``, then move it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".xlsx.tmp", dir=path.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the file the permissions of a normal save
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def _safe(v):
    """A plain Python cell value (no NaN, no numpy scalars)."""
    if v is None:
        return None
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        v = v.item()
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    return v


def _workbook(tables):
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    names = [n for n in SHEET_ORDER if n in tables] + [n for n in tables if n not in SHEET_ORDER]
    for name in names:
        df = tables[name]
        ws = wb.create_sheet(name[:31])
        cols = list(df.columns)
        ws.append(cols)
        for c in ws[1]:
            c.font, c.fill = bold, fill
            c.alignment = Alignment(vertical="center")
        for row in df.itertuples(index=False, name=None):
            ws.append([_safe(v) for v in row])
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if cell.data_type == "f":  # user text such as '=...' must stay text, never a formula
                    cell.data_type = "s"
        ws.freeze_panes = "A2"
        for j, col in enumerate(cols, start=1):
            fmt = next((f for test, f in _FORMATS if test(str(col))), None)
            letter = get_column_letter(j)
            if fmt and name != "summary":
                for cell in ws[letter][1:]:
                    if isinstance(cell.value, (int, float)):
                        cell.number_format = fmt
            sample = [str(col)] + [str(_safe(v)) for v in df.iloc[:200, j - 1]] if len(df) else [str(col)]
            ws.column_dimensions[letter].width = min(60, max(10, max(len(s) for s in sample) + 2))
        if name == "summary":
            for cell in ws["B"][1:]:
                if isinstance(cell.value, float):
                    cell.number_format = "#,##0.00" if abs(cell.value) >= 1 or cell.value == 0 else "0.000000"
        if cols:
            ws.auto_filter.ref = ws.dimensions
    if "corridor_periods" in tables and len(tables["corridor_periods"]):
        _chart(wb, tables["corridor_periods"])
    return wb


def _chart(wb, df):
    """Native stacked column chart: tonnes dispatched by corridor per period."""
    from openpyxl.chart import BarChart, Reference

    ws = wb["corridor_periods"]
    n_rows, n_cols = len(df) + 1, len(df.columns)
    chart = BarChart()
    chart.type, chart.grouping, chart.overlap = "col", "stacked", 100
    chart.title = "Tonnes dispatched by corridor per period"
    chart.y_axis.title, chart.x_axis.title = "tonnes", "period"
    data = Reference(ws, min_col=2, max_col=n_cols, min_row=1, max_row=n_rows)
    cats = Reference(ws, min_col=1, min_row=2, max_row=n_rows)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(cats)
    chart.height, chart.width = 9, 18
    target = wb["summary"] if "summary" in wb.sheetnames else ws
    target.add_chart(chart, "D2")
