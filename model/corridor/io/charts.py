"""Native spreadsheet charts (openpyxl) that corridor's workbooks share: titled data blocks, stacked
column charts, scatter charts with lines, money axes in millions, the solution's chart of tonnes by
corridor per period, and the corridor colours (`CORRIDOR_COLOURS`) that the charts and the plan maps share.
Excel and LibreOffice draw the charts from the cells, so they stay live when a planner edits the data."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from openpyxl.chart import BarChart, LineChart, Reference, ScatterChart, Series
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from corridor.io.files import as_text, cell_value, is_number

if TYPE_CHECKING:
    import pandas as pd
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet


CORRIDOR_COLOURS = {  # corridor -> RGB hex, shared by the workbook charts and the plan maps (`corridor.io.maps`)
    "China": "C00000", "Middle Corridor": "2E75B6", "Northern": "7030A0", "Southern": "ED7D31", "Sea": "00A0A0",
    "Local": "70AD47", "Domestic": "7F6000",
}
SPARE_COLOURS = ("FFC000", "FF66CC", "1F3864", "A9D18E", "843C0C", "8FAADC", "BF9000", "404040", "C55A11",
                 "00B050")  # for corridors without a colour of their own, in name order


def corridor_colours(names: Iterable[str]) -> dict[str, str]:
    """RGB hex colour of each corridor in ``names``: its `CORRIDOR_COLOURS` entry, else the next unused
    `SPARE_COLOURS` entry in name order (then round again).  A corridor has the same colour wherever it is
    drawn when the callers pass the same names: every corridor of the case (`corridor_periods`' columns)."""
    names = sorted(dict.fromkeys(str(n) for n in names))
    taken = {CORRIDOR_COLOURS[n] for n in names if n in CORRIDOR_COLOURS}
    spare = [c for c in SPARE_COLOURS if c not in taken] or list(SPARE_COLOURS)
    out, k = {}, 0
    for n in names:
        if n in CORRIDOR_COLOURS:
            out[n] = CORRIDOR_COLOURS[n]
        else:
            out[n] = spare[k % len(spare)]
            k += 1
    return out


def colour_series(chart: BarChart | ScatterChart, colours: dict[str, str], names: Sequence[str]) -> None:
    """Give each series of ``chart`` (in the order of ``names``, the series' titles) its corridor colour;
    a name without a colour keeps the chart's default."""
    for series, name in zip(chart.series, names):
        colour = colours.get(str(name))
        if colour is None:
            continue
        if isinstance(chart, ScatterChart):
            series.graphicalProperties.line.solidFill = colour
            series.marker.graphicalProperties = GraphicalProperties(solidFill=colour)
            series.marker.graphicalProperties.line.solidFill = colour
        else:
            series.graphicalProperties.solidFill = colour
            series.graphicalProperties.line.solidFill = colour


def corridor_periods_chart(wb: Workbook, df: pd.DataFrame) -> None:
    """Native stacked column chart of the ``corridor_periods`` sheet (tonnes dispatched by corridor per
    period), placed on the summary sheet."""
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
    corridors = [str(c) for c in df.columns[1:]]
    colour_series(chart, corridor_colours(corridors), corridors)
    chart.height, chart.width = 9, 18
    target = wb["summary"] if "summary" in wb.sheetnames else ws
    target.add_chart(chart, "D2")


def capacity_in_service_chart(wb: Workbook, df: pd.DataFrame) -> None:
    """Native line chart of the ``capacity_in_service`` sheet (capacity the investments have in service per
    period, one line per investment), placed on that sheet beside its data."""
    ws = wb["capacity_in_service"]
    n_rows, n_cols = len(df) + 1, len(df.columns)
    chart = LineChart()
    chart.title = "Capacity in service, per investment"
    chart.y_axis.title, chart.x_axis.title = "capacity added (t)", "period"
    chart.add_data(Reference(ws, min_col=2, max_col=n_cols, min_row=1, max_row=n_rows), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=n_rows))
    show_axes(chart)
    chart.height, chart.width = 10, 22
    ws.add_chart(chart, f"{get_column_letter(n_cols + 2)}2")


def write_block(ws: Worksheet, row: int, title: str, header: Sequence, rows: Sequence[Sequence], fmt: str | None = None,
                first_formatted: int = 2) -> tuple[int, tuple[int, int, int, int]]:
    """Write a titled data block at ``row`` (title, header, rows; number format ``fmt`` on the columns from
    ``first_formatted`` on); return the next free row (one blank row after) and ``(header row, first data
    row, last data row, number of columns)``."""
    title_cell = ws.cell(row=row, column=1, value=title)
    title_cell.font = Font(bold=True)
    as_text(title_cell)
    for j, title_cell in enumerate(header, start=1):
        cell = ws.cell(row=row + 1, column=j, value=title_cell)
        cell.font = Font(bold=True)
        as_text(cell)
    for i, values in enumerate(rows, start=row + 2):
        for j, value in enumerate(values, start=1):
            cell = ws.cell(row=i, column=j, value=cell_value(value))
            as_text(cell)
            if fmt and j >= first_formatted and is_number(cell.value):
                cell.number_format = fmt
    return row + len(rows) + 3, (row + 1, row + 2, row + 1 + len(rows), len(header))


def column_chart(ws: Worksheet, title: str, block: tuple, grouping: str, y_title: str) -> BarChart:
    """A stacked (``stacked`` / ``percentStacked``) column chart of a block on ``ws`` (`write_block`): one
    series per value column, the first column as categories."""
    header_row, first, last, n_cols = block
    chart = BarChart()
    chart.type, chart.grouping, chart.overlap = "col", grouping, 100
    chart.title, chart.y_axis.title = title, y_title
    chart.add_data(Reference(ws, min_col=2, max_col=n_cols, min_row=header_row, max_row=last),
                   titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=first, max_row=last))
    if grouping == "percentStacked":
        chart.y_axis.number_format = "0%"
    show_axes(chart)
    chart.height, chart.width = 10, 20
    return chart


def scatter_chart(ws: Worksheet, title: str, block: tuple, x_title: str, y_title: str) -> ScatterChart:
    """A scatter chart with straight lines and markers of a block on ``ws``: column 2 of the block is x,
    each later column a series."""
    header_row, first, last, n_cols = block
    chart = ScatterChart()
    chart.title, chart.scatterStyle = title, "lineMarker"
    chart.x_axis.title, chart.y_axis.title = x_title, y_title
    xs = Reference(ws, min_col=2, min_row=first, max_row=last)
    for j in range(3, n_cols + 1):
        series = Series(Reference(ws, min_col=j, min_row=header_row, max_row=last), xs, title_from_data=True)
        series.marker.symbol = "circle"
        series.smooth = False
        chart.series.append(series)
    show_axes(chart)
    chart.height, chart.width = 10, 20
    return chart


def money_axis(chart: BarChart | ScatterChart, largest: float, currency: str) -> None:
    """Show a money value axis in millions (``120 M``) when the amounts reach ten million, else as is."""
    if largest >= 1e7:
        chart.y_axis.number_format = '#,##0,," M"'
        chart.y_axis.title = f"{currency} (millions)"
    else:
        chart.y_axis.number_format = "#,##0"


def show_axes(chart: BarChart | ScatterChart) -> None:
    """Keep both axes visible (openpyxl 3.1 marks them deleted by default, which Excel honours)."""
    chart.x_axis.delete = False
    chart.y_axis.delete = False
