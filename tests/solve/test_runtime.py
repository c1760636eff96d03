"""HiGHS's thread pools (model/runtime.py): any sequence of solves in one process, with ``threads``
blank, 1, 2 or more, on every solve path, gives the answer each solve gives alone.

The case is the two-corridor case of test_security.py (a MIP: two route contracts):
  only A:   10 + 0.9*100*1 + 0.1*100*50 = 600, the min-cost optimum (expected shortfall share 0.1);
  A and B:  720, expected shortfall 0: what max_security chooses within cost_budget 800.
"""
import threading

import highspy
import numpy as np
import openpyxl
import pytest

from builders import two_corridors
from corridor.formulation.build import formulate
from corridor.io.validate import read_inputs
from corridor.pipeline import run
from corridor.solve import runtime
from corridor.solve.persistent import PersistentModel

SEQUENCE = [None, 1, 2, None, 3, 1, 2]


def _book(tmp_path, threads, **settings):
    return two_corridors(threads=threads, **settings).write(tmp_path / f"case-{threads}-{len(settings)}.xlsx")


def test_threads_blank_1_and_2_in_one_process_give_the_same_optimum(tmp_path):
    objectives = []
    for threads in (None, 1, 2):
        rep = run(_book(tmp_path, threads), tmp_path / f"out-{threads}.xlsx")
        assert rep.result.status == "optimal", rep.result.message
        objectives.append(rep.result.objective)
    assert objectives == [pytest.approx(600)] * 3


def test_a_long_sequence_on_every_solve_path(tmp_path):
    """Direct, Pyomo, persistent re-solve and max_security alternate with changing thread counts."""
    for i, threads in enumerate(SEQUENCE):
        direct = run(_book(tmp_path, threads), tmp_path / f"d{i}.xlsx", write=False)
        assert direct.result.status == "optimal" and direct.result.objective == pytest.approx(600)
        via_pyomo = run(_book(tmp_path, threads), tmp_path / f"p{i}.xlsx", write=False, via="pyomo")
        assert via_pyomo.result.status == "optimal" and via_pyomo.result.objective == pytest.approx(600)
        secure = run(_book(tmp_path, threads, objective="max_security", cost_budget=800), tmp_path / f"s{i}.xlsx",
                     write=False, security=False)
        assert secure.result.status == "optimal", secure.result.message
        assert secure.security["metric_value"] == pytest.approx(0.0, abs=1e-9)
        assert secure.result.objective == pytest.approx(720)
    inputs = read_inputs(_book(tmp_path, 1))
    spec = formulate(inputs).spec
    live = PersistentModel(spec, inputs.settings)
    for threads in SEQUENCE:
        res, _x, _reused = live.solve(spec, {**inputs.settings, "threads": threads})
        assert res.status == "optimal" and res.objective == pytest.approx(600)


def test_solves_on_other_threads_do_not_disturb_each_other(tmp_path):
    """Two threads of one process (as in a Dask worker) solve at once with different thread counts."""
    books = {t: _book(tmp_path, t) for t in (1, 2)}
    found, errors = {}, []

    def solve(threads):
        try:
            for k in range(3):
                rep = run(books[threads], tmp_path / f"t{threads}-{k}.xlsx", write=False)
                found.setdefault(threads, []).append((rep.result.status, rep.result.objective))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    workers = [threading.Thread(target=solve, args=(t,)) for t in (1, 2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not errors
    for threads in (1, 2):
        assert [s for s, _ in found[threads]] == ["optimal"] * 3
        assert [o for _, o in found[threads]] == [pytest.approx(600)] * 3


def test_more_threads_than_cores_are_clipped_and_said(tmp_path):
    cores = runtime.available_cores()
    assert runtime.thread_option(None) == (0, "")
    assert runtime.thread_option(1) == (1, "")
    n, warning = runtime.thread_option(cores + 5)
    assert n == cores and f"threads = {cores + 5}" in warning and f"ran with {cores}" in warning
    out = tmp_path / "big.xlsx"
    rep = run(_book(tmp_path, 100000), out)
    assert rep.result.status == "optimal" and rep.result.objective == pytest.approx(600)
    assert any("threads = 100000" in str(w) for w in rep.warnings)
    ws = openpyxl.load_workbook(out)["summary"]
    rows = {r[0]: r[1] for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == "solver_warning"}
    assert "threads = 100000" in rows["solver_warning"]


def test_the_banner_of_highs_does_not_reach_stdout(capfd, tmp_path):
    rep = run(_book(tmp_path, None), tmp_path / "quiet.xlsx", write=False)
    assert rep.result.status == "optimal"
    out = capfd.readouterr().out
    assert "Running HiGHS" not in out and "Copyright" not in out


def test_a_time_limit_gives_the_next_run_its_own_seconds():
    """HiGHS 1.16 counts ``time_limit`` against an instance's run time summed over all its runs: an LP of a few
    tenths of a second, run again with a limit of half that time set directly, stops at once; set through
    `runtime.set_time_limit`, the second run has its half and more."""

    def lp():
        h = runtime.new_highs()
        h.setOptionValue("output_flag", False)
        rng = np.random.default_rng(0)
        n, m = 1500, 700
        h.addVars(n, np.zeros(n), np.full(n, 10.0))
        a = (rng.random((m, n)) < 0.05) * rng.random((m, n))
        for i in range(m):
            idx = np.flatnonzero(a[i]).astype(np.int32)
            h.addRow(-highspy.kHighsInf, 50.0, len(idx), idx, a[i, idx])
        h.changeColsCost(n, np.arange(n, dtype=np.int32), -rng.random(n))
        return h, n, rng

    for use_helper in (False, True):
        h, n, rng = lp()
        runtime.run(h)
        first = h.getRunTime()
        assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal and first > 0
        h.changeColsCost(n, np.arange(n, dtype=np.int32), -rng.random(n))
        h.clearSolver()  # the same work again, from scratch
        if use_helper:
            runtime.set_time_limit(h, 60.0)
        else:
            h.setOptionValue("time_limit", 0.5 * first)
        runtime.run(h)
        want = highspy.HighsModelStatus.kOptimal if use_helper else highspy.HighsModelStatus.kTimeLimit
        assert h.getModelStatus() == want
    runtime.set_time_limit(h, None)
    assert h.getOptionValue("time_limit")[1] == highspy.kHighsInf
