"""Write the solution workbook: one formatted sheet per table, a native chart, written atomically
(`files.atomic_save`); the input workbook is never the target; user text is written as text."""
from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from corridor.io.charts import capacity_in_service_chart, corridor_periods_chart
from corridor.io.files import (
    OutputError,
    as_text,
    atomic_save,
    plain,
    safe_sheet_title,
    same_file,
)
from corridor.io.layout import fit_widths, format_numbers, print_setup_all
from corridor.io.maps import add_map_sheet, map_path, plan_map_png, write_map

SHEET_ORDER = ("summary", "costs", "charges", "charge_payers", "payers", "security", "scenarios", "route_flows",
               "leg_use", "processing",
               "disposal", "deliveries",
               "inventory", "licences", "corridor_shares", "corridor_periods", "decisions", "investments",
               "capacity_in_service")


def write_solution(tables: dict, path: str | Path, input_path: str | Path | None = None,
                   kind: str = "solution") -> Path:
    """Write ``tables`` (sheet -> DataFrame) to ``path`` atomically, marked as corridor's output of ``kind``;
    refuse to overwrite the input.  (Where the file may go is the caller's check: `targets.check_target`.)
    A solution with a ``network`` table gets its map (`corridor.io.maps`) on a ``map`` sheet and as
    ``<stem>-map.png`` beside it; a map that cannot be drawn is a warning, and the workbook is written without."""
    path = Path(path)
    if input_path is not None and same_file(input_path, path):
        raise OutputError(f"refusing to write the solution over the input workbook {path}")
    wb = solution_workbook(tables)
    png = plan_map_png(tables, path) if kind == "solution" else None
    if png is not None:
        add_map_sheet(wb, png)
    saved = atomic_save(wb, path, kind)
    if kind == "solution" and "network" in tables:
        write_map(map_path(saved), png)
    return saved


def solution_workbook(tables: dict) -> Workbook:
    """The solution workbook of ``tables`` (sheet -> DataFrame), in `SHEET_ORDER`: bold frozen headers, number
    formats by unit (`corridor.io.units`), widths, filters, the corridor chart on the summary sheet, and every sheet
    printed one page wide (`corridor.io.layout.print_setup`)."""
    wb = Workbook()
    wb.remove(wb.active)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    names = [n for n in SHEET_ORDER if n in tables] + [n for n in tables if n not in SHEET_ORDER]
    for name in names:
        df = tables[name]
        ws = wb.create_sheet(safe_sheet_title(name, wb.sheetnames))
        cols = list(df.columns)
        ws.append(cols)
        for c in ws[1]:
            c.font, c.fill = bold, fill
            c.alignment = Alignment(vertical="center")
        for row in df.itertuples(index=False, name=None):
            ws.append([plain(v) for v in row])
        for row in ws.iter_rows():
            for cell in row:  # user text such as '=...' must stay text, never a formula
                as_text(cell)
        ws.freeze_panes = "A2"
        format_numbers(ws, name)  # by unit (`corridor.io.units`): money, tonnes, shares, seconds ...
        fit_widths(ws)
        if cols:
            ws.auto_filter.ref = ws.dimensions
    if "corridor_periods" in tables and len(tables["corridor_periods"]):
        corridor_periods_chart(wb, tables["corridor_periods"])
    if "capacity_in_service" in tables and len(tables["capacity_in_service"]):
        capacity_in_service_chart(wb, tables["capacity_in_service"])
    print_setup_all(wb)
    return wb
