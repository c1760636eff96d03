"""corridor study and corridor sweep: parallel runs, isolation of failures, re-solves, Dask, and the default study.

The tiny case (as in test_overrides): mine M (100 t at 1 USD/t), market K needing 80 t, route A (East,
10 USD/t, 60 t) and route B (West, 20 USD/t).  Base optimum 1,080 USD.
"""
import os
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from builders import Net
from corridor.cli import EXIT_INPUT, EXIT_OK, EXIT_SCENARIO_FAILED, main
from corridor.studies.result import RunResult
from corridor.studies.runner import RunTask, _Progress, _run_local, run_study

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "inputs" / "kazakhstan_rare_earths.xlsx"


def tiny_book(path, scenarios, must_meet="no"):
    n = Net(periods=1).node("M", "mine").node("K", "market")
    n.supply("M", 100, cost=1.0, commodity="ore")
    n.link("A", "M", "K", cost=10, cap=60, corridor="East").link("B", "M", "K", cost=20, corridor="West")
    n.demand("K", 80, commodity="ore", must_meet=must_meet)
    n.sheets["scenarios"] = [dict(zip(("scenario", "sheet", "key", "column", "value"), r)) for r in scenarios]
    return n.write(path)


def overview(path):
    ws = openpyxl.load_workbook(path, read_only=True)["overview"]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:] if r[0] is not None]


def charts(path):
    with zipfile.ZipFile(path) as z:
        return [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]


SCENARIOS = [("cap-70", "legs", "A", "capacity_t", 70),
             ("cap-x2", "legs", "A", "capacity_t", "x2"),
             ("dear", "legs", "*", "cost_per_t", "x2"),
             ("both", "include", None, None, "cap-70"), ("both", "legs", "B", "cost_per_t", "+5")]
EXPECTED = {"base": 1080, "cap-70": 980, "cap-x2": 880, "dear": 60 * 20 + 20 * 40 + 80, "both": 70 * 10 + 10 * 25 + 80}


def test_study_solves_each_scenario_in_worker_processes(tmp_path, capsys):
    book = tiny_book(tmp_path / "case.xlsx", SCENARIOS)
    code = main(["study", str(book), "--all", "--workers", "2", "-o", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert code == EXIT_OK
    assert "on 2 workers" in out
    for name, objective in EXPECTED.items():
        line = next(s for s in out.splitlines() if f"] {name} " in s)
        assert "optimal" in line and f"{objective:,.0f}" in line
        assert (tmp_path / "out" / f"{name}.xlsx").exists()
    rows = {r["scenario"]: r for r in overview(tmp_path / "out" / "comparison.xlsx")}
    assert {n: r["objective"] for n, r in rows.items()} == pytest.approx(EXPECTED)
    assert rows["cap-x2"]["delta_vs_base"] == pytest.approx(-200)
    assert len(charts(tmp_path / "out" / "comparison.xlsx")) >= 2
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        [f"{n}.xlsx" for n in EXPECTED] + ["comparison.xlsx"])  # no temporary or lock file left


def test_study_objectives_equal_solves_of_copies_edited_by_hand(tmp_path):
    """Each scenario's objective equals `corridor solve` on a copy edited with openpyxl (not by the override
    code)."""
    book = tiny_book(tmp_path / "case.xlsx", SCENARIOS)
    rep = run_study(book, workers=0, out_dir=tmp_path / "out", log=lambda s: None)
    edits = {"cap-70": [("legs", "A", "capacity_t", lambda v: 70)],
             "cap-x2": [("legs", "A", "capacity_t", lambda v: v * 2)],
             "dear": [("legs", "A", "cost_per_t", lambda v: v * 2), ("legs", "B", "cost_per_t", lambda v: v * 2)],
             "both": [("legs", "A", "capacity_t", lambda v: 70), ("legs", "B", "cost_per_t", lambda v: v + 5)]}
    by = {r.name: r.objective for r in rep.results}
    for name, changes in edits.items():
        copy = edit_copy(book, tmp_path / f"{name}-copy.xlsx", changes)
        assert main(["solve", str(copy), "-o", str(tmp_path / f"{name}-solved.xlsx")]) == EXIT_OK
        summary = dict(openpyxl.load_workbook(tmp_path / f"{name}-solved.xlsx", read_only=True)["summary"]
                       .iter_rows(min_row=2, values_only=True))
        assert by[name] == pytest.approx(summary["objective"], rel=1e-9), name


def edit_copy(book, target, changes, drop_scenarios=True):
    """Copy ``book`` to ``target`` and apply ``(sheet, id, column, f(old))`` to the rows whose first cell is id."""
    shutil.copy(book, target)
    wb = openpyxl.load_workbook(target)
    for sheet, row_id, column, f in changes:
        ws = wb[sheet]
        header = [c.value for c in ws[1]]
        j = header.index(column)
        hits = [r for r in ws.iter_rows(min_row=2) if r[0].value == row_id or row_id == "*"]
        assert hits, (sheet, row_id)
        for r in hits:
            r[j].value = f(r[j].value)
    if drop_scenarios and "scenarios" in wb.sheetnames:
        del wb["scenarios"]
    wb.save(target)
    return target


def test_resolve_in_place_gives_the_rebuilt_objective(tmp_path):
    book = tiny_book(tmp_path / "case.xlsx", SCENARIOS)
    again = run_study(book, workers=0, out_dir=tmp_path / "reuse", log=lambda s: None)
    rebuilt = run_study(book, workers=0, out_dir=tmp_path / "rebuild", reuse=False, log=lambda s: None)
    assert {r.name: r.objective for r in again.results} == pytest.approx(
        {r.name: r.objective for r in rebuilt.results})
    reused = {r.name for r in again.results if r.reused}
    assert {"cap-70", "cap-x2", "dear", "both"} <= reused  # numbers only: solved in place after the base
    assert not any(r.reused for r in rebuilt.results)


def test_a_failing_scenario_does_not_stop_the_others(tmp_path, capsys):
    rows = [("ok", "legs", "A", "capacity_t", 70),
            ("no-plan", "legs", "*", "capacity_t", 10),            # must-meet 80 t over 20 t of legs: no plan
            ("bad-value", "legs", "B", "cost_per_t", "-50"),        # -30 USD/t: refused by the contract
            ("no-time", "settings", "time_limit_s", None, 1e-9),    # the solver stops before any plan
            ("ok-too", "legs", "B", "cost_per_t", 15)]
    book = tiny_book(tmp_path / "case.xlsx", rows, must_meet="yes")
    code = main(["study", str(book), "--workers", "2", "-o", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert code == EXIT_SCENARIO_FAILED
    res = {r["scenario"]: r for r in overview(tmp_path / "out" / "comparison.xlsx")}
    assert res["ok"]["objective"] == pytest.approx(980) and res["ok-too"]["objective"] == pytest.approx(
        60 * 10 + 20 * 15 + 80)
    assert res["no-plan"]["status"] == "infeasible" and res["no-plan"]["objective"] is None
    assert res["bad-value"]["status"] == "input_error"
    assert "set by scenarios row 4" in res["bad-value"]["message"]
    assert res["no-time"]["status"] in ("time_limit_no_plan", "time_limit_with_plan", "optimal")
    assert not (tmp_path / "out" / "no-plan.xlsx").exists() and not (tmp_path / "out" / "bad-value.xlsx").exists()
    assert (tmp_path / "out" / "ok-too.xlsx").exists()
    assert "no plan for" in captured.err and "no-plan (infeasible)" in captured.err


def crash_on_boom(task):
    """A stand-in worker function: the process dies on the task named boom."""
    if task.name == "boom":
        os._exit(3)
    return RunResult(task.name, "optimal", objective=float(len(task.name)))


def test_a_worker_process_that_dies_takes_only_its_own_task():
    tasks = [RunTask(n, None, Path("x.xlsx"), None) for n in ("base", "a", "boom", "bb", "ccc")]
    results, lines = {}, []
    _run_local(tasks, 2, results, _Progress(len(tasks)), lines.append, fn=crash_on_boom)
    assert results["boom"].status == "error" and "died" in results["boom"].message
    assert {n: r.objective for n, r in results.items() if n != "boom"} == {"base": 4, "a": 1, "bb": 2, "ccc": 3}


def test_unknown_names_and_bad_sweeps_are_input_errors(tmp_path, capsys):
    book = tiny_book(tmp_path / "case.xlsx", SCENARIOS)
    assert main(["study", str(book), "--scenarios", "cap70", "-o", str(tmp_path / "o")]) == EXIT_INPUT
    assert "'cap70' is not a scenario of the workbook; did you mean 'cap-70'" in capsys.readouterr().err
    assert main(["sweep", str(book), "--set", "legs:AA:capacity_t", "--values", "1x", "-o",
                 str(tmp_path / "o")]) == EXIT_INPUT
    assert "--set legs:AA:capacity_t column 'key': 'AA' matches no row of legs" in capsys.readouterr().err
    assert main(["sweep", str(book), "--set", "legs:A:capacity_t", "--values", "1x,lots", "-o",
                 str(tmp_path / "o")]) == EXIT_INPUT
    assert "'lots' is not a number" in capsys.readouterr().err
    assert not (tmp_path / "o" / "comparison.xlsx").exists()


def test_sweep_solves_each_value_and_charts_them(tmp_path, capsys):
    book = tiny_book(tmp_path / "case.xlsx", [])
    code = main(["sweep", str(book), "--set", "legs:A:capacity_t", "--values", "0.5x,1x,2x,75",
                 "--workers", "2", "-o", str(tmp_path / "sw")])
    assert code == EXIT_OK, capsys.readouterr().err
    rows = {r["scenario"]: r for r in overview(tmp_path / "sw" / "comparison.xlsx")}
    assert {n: r["objective"] for n, r in rows.items()} == pytest.approx(
        {"base": 1080, "capacity_t=0.5x": 1380, "capacity_t=1x": 1080, "capacity_t=2x": 880,
         "capacity_t=75": 75 * 10 + 5 * 20 + 80})
    xml = charts(tmp_path / "sw" / "comparison.xlsx")
    assert any("scatterChart" in c or "lineChart" in c for c in xml)
    assert any("Objective against legs:A:capacity_t" in c for c in xml)


def test_dask_path_matches_the_local_path(tmp_path):
    distributed = pytest.importorskip("distributed")
    book = tiny_book(tmp_path / "case.xlsx", SCENARIOS)
    local = run_study(book, workers=2, out_dir=tmp_path / "local", log=lambda s: None)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        remote = run_study(book, dask=c.scheduler_address, out_dir=tmp_path / "dask", log=lambda s: None)
    assert [r.name for r in remote.results] == [r.name for r in local.results]
    assert {r.name: r.objective for r in remote.results} == pytest.approx(
        {r.name: r.objective for r in local.results})
    assert remote.workers == 2
    for r in remote.results:  # the parent wrote the plans the Dask workers sent back
        assert r.output is not None and Path(r.output).parent == (tmp_path / "dask").resolve()
        assert openpyxl.load_workbook(r.output, read_only=True)["summary"] is not None
