"""The comparison workbook of a planning study (model/comparison.py) and the KPIs of one run (model/kpis.py).

The workbook tests build `RunResult`s by hand (synthetic KPIs) and read the written workbook back with
openpyxl; one test takes the KPIs of a real solved run of the smallest generated instance.
"""
from __future__ import annotations

import math
import pickle
import zipfile
from collections import defaultdict

import openpyxl
import pytest

from corridor.io.files import OutputError
from corridor.studies.comparison import write_comparison
from corridor.studies.result import Kpi, RunResult

SWEEP = {"sheet": "sites", "key": "CN-BAOTOU", "column": "capacity_t", "values": ["0.5x", "1x", "2x"]}


def synthetic_kpis(total, freight_share=0.4, china=0.7, site_open="no"):
    """A small KPI list shaped like `model.kpis.kpis` output: costs adding up to ``total``."""
    freight = total * freight_share
    return [Kpi("cost", "total", "USD", float(total)), Kpi("cost", "supply", "USD", float(total - freight)),
            Kpi("cost", "freight", "USD", float(freight)),
            Kpi("delivered", "JP", "t", 900.0), Kpi("delivered", "total", "t", 900.0),
            Kpi("corridor", "reo: China", "t", 1000.0 * china), Kpi("corridor", "reo: Sea", "t", 1000.0 * (1 - china)),
            Kpi("corridor_share", "reo: China", "share", china), Kpi("corridor_share", "reo: Sea", "share", 1 - china),
            Kpi("site_open", "KZ-NEW", "yes/no", site_open)]


def result(name, total, **kw):
    """A RunResult with a plan (objective ``total``) over a 365-day horizon unless told otherwise."""
    kw.setdefault("horizon_days", 365.0)
    kpis = kw.pop("kpis", None) or synthetic_kpis(total, **kw.pop("shape", {}))
    return RunResult(name, "optimal", "proven optimal", float(total), 2.5, None, kpis, **kw)


def failed(name, **kw):
    """A RunResult without a plan."""
    return RunResult(name, "infeasible", "no plan satisfies every hard constraint", None, 1.0, **kw)


def rows_by_first_cell(ws):
    """``{first cell: {header: value}}`` of a plain table (header in row 1)."""
    header = [c.value for c in ws[1]]
    return {row[0]: dict(zip(header, row)) for row in ws.iter_rows(min_row=2, values_only=True)}


def chart_xml(path):
    """The chart parts of an xlsx: ``{part name: xml text}``."""
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart") and n.endswith(".xml")}


@pytest.fixture
def study(tmp_path):
    """A study: base, a dearer scenario with a reference subsidy, one over two years, one failing, one
    named like a formula; returns the written path."""
    results = [result("base", 100e6),
               result("no-china", 230e6, description="avoid CN", compare_per_year=120e6,
                      compare_source="subsidy plan", shape={"china": 0.0, "site_open": "yes"}, reused=True),
               result("two-years", 230e6, horizon_days=730.0, compare_per_year=120e6),
               failed("broken"),
               result("=1+1", 90e6)]
    return write_comparison(results, tmp_path / "comparison.xlsx")


def test_overview_deltas_per_year_and_verdict(study):
    ws = openpyxl.load_workbook(study)["overview"]
    assert ws.freeze_panes == "B2" and ws.auto_filter.ref
    rows = rows_by_first_cell(ws)
    assert list(rows) == ["base", "no-china", "two-years", "broken", "=1+1"]
    base, dear, slow = rows["base"], rows["no-china"], rows["two-years"]
    assert base["delta_vs_base"] == 0 and base["verdict"] == "the base case"
    assert dear["objective"] == pytest.approx(230e6)
    assert dear["delta_vs_base"] == pytest.approx(130e6)
    assert dear["delta_vs_base_pct"] == pytest.approx(1.3)
    assert dear["delta_per_year"] == pytest.approx(130e6)
    assert dear["compare_per_year"] == pytest.approx(120e6) and dear["compare_source"] == "subsidy plan"
    assert dear["delta_per_year_minus_compare"] == pytest.approx(10e6)
    assert dear["verdict"] == ("costs 130.0 M USD/yr more than the base: 10.0 M USD/yr above the reference "
                              "(120.0 M USD/yr)")
    assert dear["reused"] == "yes" and dear["description"] == "avoid CN"
    assert slow["delta_per_year"] == pytest.approx(65e6)  # 130e6 over two years
    assert slow["delta_per_year_minus_compare"] == pytest.approx(-55e6)
    assert slow["verdict"] == ("costs 65.0 M USD/yr more than the base: 55.0 M USD/yr below the reference "
                               "(120.0 M USD/yr)")
    assert rows["=1+1"]["verdict"] == "costs 10.0 M USD/yr less than the base"
    fmt = {c.value: ws.cell(row=3, column=c.column).number_format for c in ws[1]}
    assert fmt["objective"] == "#,##0" and fmt["delta_vs_base_pct"] == "0.0%"


def test_a_failing_scenario_shows_its_status_and_is_left_out_of_the_charts(study):
    wb = openpyxl.load_workbook(study)
    broken = rows_by_first_cell(wb["overview"])["broken"]
    assert broken["status"] == "infeasible"
    assert broken["message"] == "no plan satisfies every hard constraint"
    for column in ("objective", "delta_vs_base", "delta_per_year", "delta_per_year_minus_compare"):
        assert broken[column] is None
    charted = {c.value for row in wb["charts"].iter_rows() for c in row}
    assert "broken" not in charted and "no-china" in charted
    header = [c.value for c in wb["kpis"][1]]
    column = header.index("broken") + 1
    assert all(wb["kpis"].cell(row=r, column=column).value is None for r in range(2, wb["kpis"].max_row + 1))


def test_kpis_and_deltas_sheets(study):
    wb = openpyxl.load_workbook(study)
    kpis, deltas = wb["kpis"], wb["deltas"]
    header = [c.value for c in kpis[1]]
    assert header == ["group", "name", "unit", "base", "no-china", "two-years", "broken", "=1+1"]
    assert [c.value for c in deltas[1]] == header
    rows = {(r[0], r[1]): r for r in kpis.iter_rows(min_row=2, values_only=True)}
    drows = {(r[0], r[1]): r for r in deltas.iter_rows(min_row=2, values_only=True)}
    assert list(rows)[:3] == [("cost", "total"), ("cost", "supply"), ("cost", "freight")]
    assert rows[("cost", "total")][3:5] == (100e6, 230e6)
    assert drows[("cost", "total")][3:] == (0, 130e6, 130e6, None, -10e6)
    assert drows[("corridor_share", "reo: China")][4] == pytest.approx(-0.7)
    assert rows[("site_open", "KZ-NEW")][3:5] == ("no", "yes")
    assert drows[("site_open", "KZ-NEW")][3:] == (None,) * 5  # text: no delta
    assert all(v == 0 for v in (r[3] for r in drows.values() if r[0] != "site_open"))
    assert kpis.cell(row=2, column=4).number_format == "#,##0"


def test_no_base_plan_leaves_a_note_on_the_deltas_sheet(tmp_path):
    path = write_comparison([failed("base"), result("a", 1e6)], tmp_path / "c.xlsx")
    wb = openpyxl.load_workbook(path)
    assert "no deltas" in wb["deltas"]["A2"].value
    assert rows_by_first_cell(wb["overview"])["a"]["verdict"] == "no base plan to compare with"


def test_study_charts_are_native_charts(study):
    charts = chart_xml(study)
    assert len(charts) == 2  # total cost by cost line, corridor mix (one commodity)
    text = "".join(charts.values())
    assert "Total cost by scenario" in text and "Corridor mix by scenario" in text
    assert 'grouping val="stacked"' in text and 'grouping val="percentStacked"' in text


def test_formula_like_names_stay_text(study):
    wb = openpyxl.load_workbook(study)
    assert wb["overview"]["A6"].value == "=1+1" and wb["overview"]["A6"].data_type == "s"
    header = {c.value: c for c in wb["kpis"][1]}
    assert header["=1+1"].data_type == "s"
    cells = [c for row in wb["charts"].iter_rows() for c in row if c.value == "=1+1"]
    assert cells and all(c.data_type == "s" for c in cells)
    assert not any(c.data_type == "f" for ws in wb for row in ws.iter_rows() for c in row)


def test_sweep_has_its_value_columns_and_line_charts(tmp_path):
    results = [result(f"cap {x}x", 100e6 / x, x_value=x, label=f"{x}x", shape={"china": min(0.9, 0.3 * x)})
               for x in (0.5, 1.0)]
    results.insert(1, failed("cap 0.75x", x_value=0.75, label="0.75x"))
    results.append(result("cap 2.0x", 60e6, x_value=2.0, label="2.0x"))
    path = write_comparison(results, tmp_path / "sweep.xlsx", base_name="cap 1.0x", sweep=SWEEP)
    rows = rows_by_first_cell(openpyxl.load_workbook(path)["overview"])
    assert rows["cap 0.5x"]["sites:CN-BAOTOU:capacity_t"] == 0.5 and rows["cap 0.5x"]["label"] == "0.5x"
    assert rows["cap 2.0x"]["delta_vs_base"] == pytest.approx(-40e6)
    charts = chart_xml(path)
    assert len(charts) == 4
    scatter = [x for x in charts.values() if "scatterChart>" in x]  # <scatterChart> or <c:scatterChart>
    assert len(scatter) == 2
    assert any("Objective against sites:CN-BAOTOU:capacity_t" in x for x in scatter)
    assert any("Corridor tonnes against" in x for x in scatter)


def test_a_failed_write_leaves_no_file(tmp_path):
    target = tmp_path / "taken"
    target.mkdir()  # the path is a folder: the final move fails
    with pytest.raises(OutputError):
        write_comparison([result("base", 1e6)], target)
    assert list(tmp_path.iterdir()) == [target] and not list(target.iterdir())
    blocker = tmp_path / "file"
    blocker.write_text("x")  # the folder to write in is a file
    with pytest.raises(OutputError):
        write_comparison([result("base", 1e6)], blocker / "c.xlsx")
    assert blocker.read_text() == "x"


def test_kpis_of_a_real_run_add_up(tmp_path):
    from corridor.bench.generator import write_instance
    from corridor.io.validate import read_inputs
    from corridor.pipeline import run
    from corridor.studies.kpis import horizon_days, kpis

    path = write_instance("xs", 1, tmp_path / "xs.xlsx")
    report = run(path, write=False)
    inputs = read_inputs(path)
    figures = kpis(report, inputs)
    assert horizon_days(inputs) == 360.0
    assert all(type(k.value) in (float, str) or k.value is None for k in figures)
    assert pickle.loads(pickle.dumps(figures)) == figures
    by = defaultdict(dict)
    for k in figures:
        by[k.group][k.name] = k.value
    assert list(by)[:3] == ["cost", "delivered", "shortfall"]
    costs = by["cost"]
    assert costs["total"] == pytest.approx(report.result.objective)
    assert sum(v for n, v in costs.items() if n != "total") == pytest.approx(costs["total"], rel=1e-6)
    demand = report.tables["deliveries"].groupby("market")["demand_t"].sum()
    for market, wanted in demand.items():
        assert by["delivered"][market] + by["shortfall"][market] == pytest.approx(wanted)
    assert by["shortfall_share"]["total"] == pytest.approx(by["shortfall"]["total"] / demand.sum())
    share_sums = defaultdict(float)
    for name, share in by["corridor_share"].items():
        share_sums[name.split(": ")[0]] += share or 0.0
    assert share_sums and all(math.isclose(s, 1.0) for s in share_sums.values())
    assert set(by["licence"]) >= {"CN-EXPORT", "CN-EXPORT applications"}
    assert "expected_shortfall_t" in by["security"] and "run" not in by
    assert kpis(type(report)(path, None, type(report.result)("infeasible", "x", False, False, None, None, None, 0.0)),
                inputs) == []
