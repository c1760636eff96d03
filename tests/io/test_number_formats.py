"""Every workbook corridor writes shows its figures in their unit's number format (`corridor.io.units`), with
column widths, a frozen header and a print setup (one page wide, landscape when wide); and every file corridor
writes gets the user's normal permissions (the umask's), not a temporary file's 0600 (issue 19, items 2 and 6).

The workbooks are written from small solved cases: the two-corridor case with a disruption (security and
scenarios sheets), the golden cases of tests/formulation (investments and years, charges, co-products and
disposal, licences, max_security), a comparison of their runs as a study and as a sweep, a pareto frontier of
the two-corridor case and a benchmark of the smallest generated instance.  A numeric cell left in General
fails, naming its workbook, sheet, cell and column.
"""
from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import openpyxl
import pytest

from builders import two_corridors
from corridor.bench import report as bench_report
from corridor.bench.runner import measure
from corridor.io.files import atomic_write_text
from corridor.io.layout import KEYS
from corridor.io.units import FORMATS, canonical, unit_of
from corridor.io.validate import read_inputs
from corridor.io.writer import write_solution
from corridor.pipeline import run
from corridor.studies.comparison import write_comparison
from corridor.studies.kpis import horizon_days, kpis
from corridor.studies.pareto import frontier, write_pareto
from corridor.studies.result import RunResult
from formulation.golden import coproduct_case, economics_case, investment_case, rich_case, security_case

CASES = {"disrupted": two_corridors, "investments": investment_case, "economics": economics_case,
         "coproducts": coproduct_case, "rules": rich_case, "max_security": lambda: security_case("expected_shortfall")}
SWEEP = {"sheet": "supply", "key": "M", "column": "capacity_t", "values": ["0.5x", "1x"]}


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    """``{name: path}`` of one workbook of each kind, and ``{name: (report, inputs)}`` of the solved cases."""
    tmp = tmp_path_factory.mktemp("formats")
    out, solved = {}, {}
    for name, case in CASES.items():
        path = case().write(tmp / f"{name}.xlsx")
        rep = run(path, tmp / f"{name}-solution.xlsx")
        assert rep.result.has_plan, rep.result.message
        out[f"solution:{name}"] = tmp / f"{name}-solution.xlsx"
        solved[name] = (rep, read_inputs(path))
    results = [run_result(name, *solved[name]) for name in CASES]
    out["comparison"] = write_comparison(results, tmp / "comparison.xlsx", base_name="disrupted")
    swept = [run_result(f"x{v}", *solved["disrupted"], x_value=v * 1000.0, label=f"{v}x") for v in (0.5, 1.0)]
    out["sweep"] = write_comparison(swept, tmp / "sweep.xlsx", base_name="x1.0", sweep=SWEEP)
    inputs = solved["disrupted"][1]
    table, ss, settings = frontier(inputs, points=3)
    out["pareto"] = write_pareto(table, tmp / "pareto.xlsx", settings, ss.solves, inputs.path)[0]
    records = bench_records(tmp / "bench")
    bench_report.write_outputs(records, tmp / "bench")
    out["bench"] = tmp / "bench" / "results.xlsx"
    out["solution:bench-xs"] = tmp / "bench" / "gen-xs-highs.xlsx"
    return {"paths": out, "solved": solved, "frontier": (table, ss, settings), "records": records}


def run_result(name: str, rep, inputs, **kw) -> RunResult:
    """The study's record of one solved run (as `corridor.studies.runner` makes it)."""
    return RunResult(name, rep.result.status, rep.result.message, rep.result.objective, 1.25, None,
                     kpis(rep, inputs), horizon_days=horizon_days(inputs), **kw)


def bench_records(out: Path) -> list:
    """Benchmark records of the smallest generated instance, measured in this process (its own solver path,
    which also writes the instance's solution workbook, and the stock appsi_highs path for the targets)."""
    job = {"instance": "gen-xs", "kind": "scaled", "size": "xs", "seed": 1, "rep": 1, "out": str(out),
           "reference_optimum": 924_091_395.643}
    out.mkdir(parents=True, exist_ok=True)
    return [measure({**job, "solver": "highs", "write": True, "root_lp": True}),
            measure({**job, "solver": "appsi_highs"})]


def numeric_cells(path: Path):
    """``(sheet, cell, header, row)`` of every numeric cell (not a boolean) below a sheet's first row."""
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        header = ["" if c.value is None else str(c.value) for c in ws[1]]
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                    j = cell.column - 1
                    yield ws, cell, header[j] if j < len(header) else "", row


def formats_by(path: Path) -> dict:
    """``{(sheet, header or row key): {number format}}`` over a workbook's numeric cells."""
    out = {}
    for ws, cell, head, row in numeric_cells(path):
        names = [str(c.value) for c in ws[1]]
        key = next((k for k in KEYS if k in names and "value" in names), None)
        label = row[names.index(key)].value if key else (row[names.index("metric")].value if "metric" in names
                                                         else head)
        out.setdefault((ws.title, label), set()).add(cell.number_format)
    return out


def test_no_numeric_cell_of_any_workbook_is_left_in_general(books):
    general = [f"{name}: {ws.title}!{cell.coordinate} ({head})" for name, path in books["paths"].items()
               for ws, cell, head, _row in numeric_cells(path) if cell.number_format == "General"]
    assert not general, f"{len(general)} numeric cells in General, e.g. {general[:10]}"


def test_every_figure_corridor_writes_has_a_unit_in_the_table(books):
    """No figure of the solution, pareto and bench workbooks falls back to the unit-less format: a new output
    column needs its unit in `corridor.io.units`."""
    unknown = set()
    for name, path in books["paths"].items():
        if name in ("comparison", "sweep"):  # its KPI rows carry their own unit column, checked below
            continue
        for ws, _cell, head, row in numeric_cells(path):
            names = [str(c.value) for c in ws[1]]
            key = next((k for k in KEYS if k in names and "value" in names), None)
            if key:
                unit = unit_of(row[names.index(key)].value, ws.title)
            elif "unit" in names:
                unit = canonical(row[names.index("unit")].value)
            else:
                unit = unit_of(head, ws.title)
            if unit is None:
                unknown.add((name, ws.title, row[names.index(key)].value if key else head))
    assert not unknown, sorted(unknown)


def test_money_tonnes_shares_and_seconds(books):
    paths = books["paths"]
    fmt = formats_by(paths["solution:disrupted"])
    money, tonnes, share, seconds, count = FORMATS["currency"], FORMATS["t"], FORMATS["share"], FORMATS["s"], "#,##0"
    assert (money, tonnes, share, seconds) == ("#,##0", "#,##0.0", "0.0%", "0.00")
    assert fmt[("summary", "objective")] == {money} and fmt[("summary", "best_bound")] == {money}
    assert fmt[("summary", "seconds_solve")] == {seconds} and fmt[("summary", "cost_freight")] == {money}
    assert fmt[("summary", "relative_gap")] == {"0.000%"} and fmt[("summary", "model_rows")] == {count}
    assert fmt[("costs", "amount")] == {money} and fmt[("costs", "share")] == {share}
    assert fmt[("route_flows", "tonnes")] == {tonnes} and fmt[("route_flows", "transit_days")] == {"#,##0.0"}
    assert fmt[("security", "expected_shortfall_share")] == {share}
    assert fmt[("security", "expected_shortfall_t")] == {tonnes} and fmt[("security", "expected_cost")] == {money}
    assert fmt[("scenarios", "probability")] == {share} and fmt[("scenarios", "cost_freight")] == {money}
    assert fmt[("scenarios", "shortfall_t:K")] == {tonnes}
    assert fmt[("corridor_periods", "East")] == {tonnes}
    years = formats_by(paths["solution:investments"])
    assert years[("costs_by_year", "year")] == {"0"} and years[("investments", "decided_units")] == {count}
    assert years[("summary", "discount_rate")] == {share}
    assert formats_by(paths["solution:economics"])[("charges", "per_t")] == {"#,##0.00"}
    assert formats_by(paths["solution:max_security"])[("summary", "security_metric_value")] == {share}
    pareto = formats_by(paths["pareto"])
    assert pareto[("pareto", "expected_cost")] == {money}
    assert pareto[("pareto", "optimised:expected_shortfall")] == {share}
    assert pareto[("pareto", "point")] == {count} and pareto[("summary", "points")] == {count}
    bench = formats_by(paths["bench"])
    assert bench[("results", "s_solve")] == {seconds} and bench[("results", "nonzeros")] == {count}
    assert bench[("results", "peak_mb")] == {"#,##0.0"} and bench[("results", "rel_error")] == {"0.00E+00"}


def test_comparison_formats_kpi_rows_by_their_unit_and_the_swept_value_by_its_input_unit(books):
    paths = books["paths"]
    wb = openpyxl.load_workbook(paths["comparison"])
    overview = {c.value: c.column for c in wb["overview"][1]}
    assert wb["overview"].cell(row=2, column=overview["objective"]).number_format == "#,##0"
    assert wb["overview"].cell(row=2, column=overview["seconds"]).number_format == "0.00"
    for sheet in ("kpis", "deltas"):
        rows = {(r[0].value, r[1].value): r for r in wb[sheet].iter_rows(min_row=2)}
        assert rows[("cost", "total")][3].number_format == "#,##0"
        assert rows[("shortfall_share", "total")][3].number_format == "0.0%"
        assert rows[("delivered", "total")][3].number_format == "#,##0.0"
    sweep = openpyxl.load_workbook(paths["sweep"])
    column = [c.value for c in sweep["overview"][1]].index("supply:M:capacity_t") + 1
    assert sweep["overview"].cell(row=2, column=column).number_format == "#,##0.0"  # supply capacity_t: t
    charted = [c for row in sweep["charts"].iter_rows() for c in row if c.column == 2 and c.value == 500.0]
    assert charted and {c.number_format for c in charted} == {"#,##0.0"}


def test_every_sheet_prints_one_page_wide_with_its_header_repeated(books):
    for name, path in books["paths"].items():
        for ws in openpyxl.load_workbook(path).worksheets:
            where = f"{name}: {ws.title}"
            assert ws.sheet_properties.pageSetUpPr.fitToPage, where
            assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0), where
            if ws.max_column > 6:
                assert ws.page_setup.orientation == "landscape", where
            if ws.freeze_panes == "A2" and ws.max_row > 1:
                assert ws.print_title_rows == "$1:$1", where
            if ws.title != "charts":
                assert ws.freeze_panes in ("A2", "B2"), where
                widths = [ws.column_dimensions[c.column_letter].width for c in ws[1]]
                assert all(10 <= w <= 80 for w in widths), (where, widths)
    summary = openpyxl.load_workbook(books["paths"]["solution:disrupted"])["summary"]
    assert summary.page_setup.orientation == "landscape"  # the corridor chart sits beside the table


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_summary_prints_on_one_page_in_libreoffice(books, tmp_path):
    wb = openpyxl.load_workbook(books["paths"]["solution:disrupted"])
    for name in wb.sheetnames:
        if name not in ("summary", "corridor_periods"):  # the summary's chart draws from corridor_periods
            del wb[name]
    wb["corridor_periods"].sheet_state = "hidden"  # not printed
    wb.save(tmp_path / "summary.xlsx")
    profile = (tmp_path / "lo-profile").as_uri()  # its own profile: another LibreOffice may run meanwhile
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(tmp_path / "summary.xlsx")], check=True, capture_output=True,
                   timeout=180)
    pdf = (tmp_path / "summary.pdf").read_bytes()
    pages = re.findall(rb"/Type\s*/Page\b(?!s)", pdf)
    boxes = {tuple(float(v) for v in box.split()) for box in re.findall(rb"/MediaBox\s*\[([^\]]*)\]", pdf)}
    assert len(pages) == 1, f"the summary printed on {len(pages)} pages"
    assert all(box[2] > box[3] for box in boxes), boxes  # landscape


@pytest.fixture
def umask():
    """Set the process umask for one test and restore it afterwards: ``umask(0o022)``."""
    old = os.umask(0o022)
    os.umask(old)

    def _set(mask):
        os.umask(mask)

    yield _set
    os.umask(old)


@pytest.mark.parametrize("mask", [0o022, 0o027])
def test_every_file_corridor_writes_gets_the_umask_permissions(books, tmp_path, umask, mask):
    """Workbooks (the template and the input books go through the same `atomic_save`), texts, the pareto and
    bench PNGs and the bench CSV: ``0o666 & ~umask``; 0o027 shows it is the umask, not a fixed 0o644."""
    umask(mask)
    rep, inputs = books["solved"]["disrupted"]
    table, ss, settings = books["frontier"]
    written = [write_solution(rep.tables, tmp_path / "solution.xlsx"),
               write_comparison([run_result("base", rep, inputs)], tmp_path / "comparison.xlsx"),
               *write_pareto(table, tmp_path / "pareto.xlsx", settings, ss.solves),  # the workbook and its PNG
               atomic_write_text(tmp_path / "notes.md", "text\n")]
    result = bench_report.write_outputs(books["records"], tmp_path / "bench")
    written += [result["workbook"], result["csv"], *result["charts"]]
    assert any(p.suffix == ".png" for p in written) and len(result["charts"]) == 2
    modes = {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in written}
    assert modes == dict.fromkeys(modes, oct(0o666 & ~mask)), modes
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary file left behind
