"""The comparison workbook of a planning study (`corridor study`) or a parameter sweep (`corridor sweep`).

`write_comparison(results, path, ...)` writes one workbook from a list of
`corridor.studies.result.RunResult`:

- ``overview``: one row per scenario: status, total cost, its difference to the base (absolute, %, per
  year), the reference figure of the ``scenarios`` sheet (``compare_per_year``) and a plain-words verdict;
- ``kpis``: one row per KPI (`corridor.studies.kpis`), one column per scenario;
- ``deltas``: the same layout, each scenario's value minus the base's;
- ``charts``: native charts (total cost by cost line, corridor mix per commodity, and for a sweep the
  objective and the corridor tonnes against the swept value), over data blocks written on that sheet.

User text (scenario names, descriptions, ids such as ``=1+1``) is always written as text, never as a
formula; the file is written to a temporary file beside ``path`` and moved into place
(`corridor.io.files.atomic_save`), so a failure leaves no partial workbook.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from corridor.io.charts import colour_series, column_chart, corridor_colours, money_axis, scatter_chart, write_block
from corridor.io.files import (
    OutputError,
    as_text,
    atomic_save,
    cell_value,
    is_number,
    safe_sheet_title,
)
from corridor.io.layout import fit_widths, format_numbers, print_setup
from corridor.io.units import FORMATS, input_unit, number_format

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

    from corridor.studies.result import RunResult

MONEY, SHARE, TONNES = FORMATS["currency"], FORMATS["share"], FORMATS["t"]  # `corridor.io.units`
DAYS_PER_YEAR = 365.0


def write_comparison(results: Iterable[RunResult], path: str | Path, *, base_name: str = "base",
                     sweep: dict | None = None, currency: str = "USD") -> Path:
    """Write the comparison workbook of ``results`` (RunResults in display order) to ``path``.

    ``base_name``: the scenario the deltas are taken against (its run must have a plan, else the deltas
    stay blank and the ``deltas`` sheet says why).  ``sweep``: None for a study, or
    ``{"sheet", "key", "column", "values"}`` for a sweep (every result then carries ``x_value`` and
    ``label``; the overview shows them and the charts plot against ``x_value``).  ``currency``: the unit of
    the money figures.  Returns the path written; raises `OutputError` when the file cannot be written
    (nothing is left behind).
    """
    results = list(results)
    base = base_result(results, base_name)
    keys = kpi_keys(results)
    wb = Workbook()
    wb.remove(wb.active)
    write_overview(wb, results, base, sweep, currency)
    write_kpi_sheet(wb, results, keys, currency)
    write_delta_sheet(wb, results, keys, base, base_name, currency)
    write_charts(wb, results, keys, sweep, currency)
    path = Path(path)
    try:
        return atomic_save(wb, path, "comparison")
    except OSError as exc:
        raise OutputError(f"could not write the comparison workbook {path}: {exc}") from exc


# -- figures -------------------------------------------------------------------------------------------

def base_result(results: Iterable[RunResult], base_name: str = "base") -> RunResult | None:
    """The result named ``base_name`` when it has a plan, else None."""
    for result in results:
        if result.name == base_name and result.has_plan:
            return result
    return None


def kpi_keys(results: Iterable[RunResult]) -> list:
    """``[(group, name, unit)]``: the union of the results' KPIs, groups in first-seen order and names in
    first-seen order within their group (the unit is the first one seen)."""
    groups = {}
    for result in results:
        for kpi in result.kpis:
            names = groups.setdefault(kpi.group, {})
            names.setdefault(kpi.name, kpi.unit)
    return [(group, name, unit) for group, names in groups.items() for name, unit in names.items()]


def kpi_value(result: RunResult, group: str, name: str) -> float | str | None:
    """The value of one KPI of one result (None when absent); the run's KPIs only count with a plan,
    except the ``run`` group (status, gap, seconds), which describes any run."""
    if not result.has_plan and group != "run":
        return None
    return result.kpi(group, name)



def cost_delta(result: RunResult, base: RunResult | None) -> tuple[float | None, float | None, float | None]:
    """``(delta, delta %, delta per year)`` of ``result``'s objective against the base's (Nones when either
    has no plan; the % when the base's objective is 0, the per-year figure when the horizon is unknown)."""
    if base is None or not result.has_plan:
        return None, None, None
    delta = float(result.objective) - float(base.objective)
    pct = delta / abs(base.objective) if base.objective else None
    per_year = delta * DAYS_PER_YEAR / result.horizon_days if result.horizon_days and result.horizon_days > 0 else None
    return delta, pct, per_year


def amount_words(amount: float, currency: str) -> str:
    """A money amount per year in short words: ``4.1 M USD/yr``, ``2.30 bn USD/yr``, ``12.5 k USD/yr``."""
    size = abs(amount)
    if size >= 1e9:
        text = f"{size / 1e9:.2f} bn"
    elif size >= 1e6:
        text = f"{size / 1e6:.1f} M"
    elif size >= 1e3:
        text = f"{size / 1e3:.1f} k"
    else:
        text = f"{size:.0f}"
    return f"{'-' if amount < 0 else ''}{text} {currency}/yr"


def verdict(result: RunResult, base: RunResult | None, per_year: float | None, currency: str) -> str:
    """Plain words for one overview row: how the scenario's cost per year compares with the reference
    figure (``compare_per_year``) when there is one, else with the base."""
    if not result.has_plan:
        return f"no plan ({result.status}): not compared"
    if base is None:
        return "no base plan to compare with"
    if result is base:
        return "the base case"
    if per_year is None:
        return "horizon length unknown: no per-year figure"
    tol = max(1.0, 1e-6 * abs(base.objective))
    if abs(per_year) < tol:
        change = "costs about the same as the base"
    else:
        change = f"costs {amount_words(abs(per_year), currency)} {'more' if per_year > 0 else 'less'} than the base"
    if result.compare_per_year is None:
        return change
    reference = float(result.compare_per_year)
    diff = per_year - reference
    if abs(diff) < tol:
        return f"{change}: about the reference ({amount_words(reference, currency)})"
    return (f"{change}: {amount_words(abs(diff), currency)} {'above' if diff > 0 else 'below'} the reference "
            f"({amount_words(reference, currency)})")


# -- sheets --------------------------------------------------------------------------------------------

def write_table(ws: Worksheet, header: Sequence, rows: Iterable[Sequence], units: dict | None = None,
                widths: dict | None = None, currency: str = "") -> None:
    """A plain table on ``ws``: bold header in row 1, the rows below, every string kept text, number
    formats by unit (`corridor.io.layout.format_numbers`: a ``unit`` column gives each row's, else the
    column's unit; ``units`` overrides a column's: 0-based index -> unit), widths, frozen header, an
    autofilter and the print setup."""
    ws.append(list(header))
    for row in rows:
        ws.append([cell_value(v) for v in row])
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for cell in ws[1]:
        cell.font, cell.fill = bold, fill
    for row in ws.iter_rows():
        for cell in row:
            as_text(cell)
    format_numbers(ws, ws.title, units=units, currency=currency)
    fit_widths(ws, fixed=widths)
    ws.freeze_panes = "B2"
    if ws.max_row >= 1 and header:
        ws.auto_filter.ref = ws.dimensions
    print_setup(ws)


def write_overview(wb: Workbook, results: list[RunResult], base: RunResult | None, sweep: dict | None,
                   currency: str) -> None:
    """The ``overview`` sheet: one row per scenario (failing ones with their status and message, blank
    figures)."""
    ws = wb.create_sheet(safe_sheet_title("overview", wb.sheetnames))
    swept = [] if sweep is None else ["label", sweep_title(sweep)]
    header = ["scenario", *swept, "description", "status", "message", "objective", "delta_vs_base",
              "delta_vs_base_pct", "horizon_days", "delta_per_year", "compare_per_year", "compare_source",
              "delta_per_year_minus_compare", "verdict", "seconds", "reused", "output"]
    rows = []
    for result in results:
        delta, pct, per_year = cost_delta(result, base)
        reference = None if result.compare_per_year is None else float(result.compare_per_year)
        minus_reference = per_year - reference if per_year is not None and reference is not None else None
        sweep_cells = [] if sweep is None else [result.label, result.x_value]
        rows.append([result.name, *sweep_cells, result.description, result.status, result.message,
                     result.objective if result.has_plan else None, delta, pct, result.horizon_days or None,
                     per_year, reference, result.compare_source, minus_reference,
                     verdict(result, base, per_year, currency), result.seconds, "yes" if result.reused else "no",
                     Path(result.output).name if result.output else ""])
    units = {} if sweep is None else {2: sweep_unit(sweep)}  # the swept value: its input column's unit
    widths = {header.index("message"): 40, header.index("verdict"): 60, header.index("description"): 40}
    write_table(ws, header, rows, units, widths)


def write_kpi_sheet(wb: Workbook, results: list[RunResult], keys: list, currency: str) -> None:
    """The ``kpis`` sheet: group, name, unit, then one column per scenario (blank where absent)."""
    ws = wb.create_sheet(safe_sheet_title("kpis", wb.sheetnames))
    rows = [[group, name, unit, *[kpi_value(r, group, name) for r in results]] for group, name, unit in keys]
    write_table(ws, ["group", "name", "unit", *[r.name for r in results]], rows, widths=_kpi_widths(results),
                currency=currency)


def write_delta_sheet(wb: Workbook, results: list[RunResult], keys: list, base: RunResult | None, base_name: str,
                      currency: str) -> None:
    """The ``deltas`` sheet: each scenario's numeric KPI minus the base's (the base column all 0; blank for
    text, for failing scenarios and where either value is absent), or a note when there is no base plan."""
    ws = wb.create_sheet(safe_sheet_title("deltas", wb.sheetnames))
    if base is None:
        write_table(ws, ["note"], [[f"no deltas: the base scenario '{base_name}' is missing or has no plan"]],
                    widths={0: 80})
        return
    rows = []
    for group, name, unit in keys:
        reference = kpi_value(base, group, name)
        cells = []
        for result in results:
            value = kpi_value(result, group, name)
            numeric = is_number(value) and is_number(reference) and result.has_plan
            cells.append(float(value) - float(reference) if numeric else None)
        rows.append([group, name, unit, *cells])
    write_table(ws, ["group", "name", "unit", *[r.name for r in results]], rows, widths=_kpi_widths(results),
                currency=currency)


def _kpi_widths(results) -> dict:
    """Column widths of the kpis/deltas sheets: wide name column, scenario columns sized to their names."""
    widths = {0: 16, 1: 40, 2: 12}
    for j, result in enumerate(results, start=3):
        widths[j] = min(40, max(14, len(str(result.name)) + 2))
    return widths


def sweep_title(sweep: dict) -> str:
    """``sheet:key:column`` of a sweep."""
    return f"{sweep.get('sheet')}:{sweep.get('key')}:{sweep.get('column')}"


def sweep_unit(sweep: dict) -> str | None:
    """The unit of a sweep's swept value: the schema's unit of its input column (None when it has none)."""
    return input_unit(str(sweep.get("sheet")), str(sweep.get("column")))


# -- charts --------------------------------------------------------------------------------------------

def write_charts(wb: Workbook, results: list[RunResult], keys: list, sweep: dict | None, currency: str) -> None:
    """The ``charts`` sheet: data blocks on the left, native charts on the right; only scenarios with a
    plan are charted."""
    ws = wb.create_sheet(safe_sheet_title("charts", wb.sheetnames))
    planned = [r for r in results if r.has_plan]
    if not planned:
        ws.append(["no scenario has a plan: nothing to chart"])
        return
    charts, row = [], 1
    lines = [name for group, name, _u in keys if group == "cost" and name != "total"]
    if lines:
        block = [[r.name, *[_num(kpi_value(r, "cost", line)) for line in lines]] for r in planned]
        row, ref = write_block(ws, row, "Total cost by scenario", ["scenario", *lines], block, MONEY)
        chart = column_chart(ws, "Total cost by scenario", ref, "stacked", currency)
        money_axis(chart, max(sum(v for v in r[1:] if v > 0) for r in block), currency)
        charts.append(chart)
    mixes = corridors_by_commodity(keys)
    colours = corridor_colours(c for cs in mixes.values() for c in cs)  # as on the plans' charts and maps
    for commodity, corridors in mixes.items():
        shares = {c: [_num(kpi_value(r, "corridor_share", f"{commodity}: {c}")) for r in planned] for c in corridors}
        chosen = [c for c in corridors if any(shares[c])]
        if not chosen:
            continue
        title = f"Corridor mix by scenario: {commodity}" if len(mixes) > 1 else "Corridor mix by scenario"
        block = [[r.name, *[shares[c][i] for c in chosen]] for i, r in enumerate(planned)]
        row, ref = write_block(ws, row, title, ["scenario", *chosen], block, SHARE)
        chart = column_chart(ws, title, ref, "percentStacked", "share of route tonnes")
        colour_series(chart, colours, chosen)
        charts.append(chart)
    if sweep is not None:
        charts += sweep_charts(ws, row, planned, keys, sweep, currency)
    width = ws.max_column
    for i, chart in enumerate(charts):
        ws.add_chart(chart, f"{get_column_letter(width + 2)}{1 + 22 * i}")
    ws.page_setup.orientation = "landscape"  # print: the blocks and the charts side by side on one width
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.column_dimensions["A"].width = 28
    for j in range(2, width + 1):
        ws.column_dimensions[get_column_letter(j)].width = 14


def sweep_charts(ws: Worksheet, row: int, planned: list[RunResult], keys: list, sweep: dict, currency: str) -> list:
    """A sweep's charts: the objective against the swept value, and the tonnes of each used corridor
    against it (scatter charts with lines: the x axis is the value itself, unevenly spaced if need be)."""
    points = sorted((r for r in planned if is_number(r.x_value)), key=lambda r: r.x_value)
    if not points:
        return []
    title_x = sweep_title(sweep)
    charts = []
    block = [[r.label or r.name, float(r.x_value), _num(r.objective)] for r in points]
    row, ref = write_block(ws, row, f"Objective against {title_x}", ["label", title_x, "objective"], block,
                           MONEY, 3)
    _format_x(ws, ref, sweep)
    chart = scatter_chart(ws, f"Objective against {title_x}", ref, title_x, currency)
    money_axis(chart, max(abs(r[2]) for r in block), currency)
    charts.append(chart)
    mixes = corridors_by_commodity(keys)
    colours = corridor_colours(c for cs in mixes.values() for c in cs)
    for commodity, corridors in mixes.items():
        names = [f"{commodity}: {c}" for c in corridors]
        tonnes = {n: [_num(kpi_value(r, "corridor", n)) for r in points] for n in names}
        chosen = [n for n in names if any(tonnes[n])]
        if not chosen:
            continue
        title = f"Corridor tonnes against {title_x}" + (f": {commodity}" if len(mixes) > 1 else "")
        block = [[r.label or r.name, float(r.x_value), *[tonnes[n][i] for n in chosen]] for i, r in enumerate(points)]
        row, ref = write_block(ws, row, title, ["label", title_x, *[n.split(": ", 1)[1] for n in chosen]], block,
                               TONNES, 3)
        _format_x(ws, ref, sweep)
        chart = scatter_chart(ws, title, ref, title_x, "t")
        chart.y_axis.number_format = "#,##0"
        colour_series(chart, colours, [n.split(": ", 1)[1] for n in chosen])
        charts.append(chart)
    return charts


def corridors_by_commodity(keys: Iterable[tuple]) -> dict:
    """``{commodity: [corridor]}`` from the ``corridor_share`` KPI names (``"<commodity>: <corridor>"``)."""
    out = {}
    for group, name, _unit in keys:
        if group == "corridor_share" and ": " in name:
            commodity, corridor = name.split(": ", 1)
            out.setdefault(commodity, []).append(corridor)
    return out



# -- cells ---------------------------------------------------------------------------------------------


def _format_x(ws: Worksheet, block: tuple, sweep: dict) -> None:
    """The swept values of a chart's data block (its second column) in the swept input's unit."""
    _header_row, first, last, _n_cols = block
    for i in range(first, last + 1):
        cell = ws.cell(row=i, column=2)
        if is_number(cell.value):
            cell.number_format = number_format(sweep_unit(sweep), cell.value)


def _num(value) -> float:
    """A chart figure: the number, or 0.0 when blank or not numeric."""
    return float(value) if is_number(value) else 0.0

