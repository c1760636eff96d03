"""Benchmark harness: published reference problems and scaled instances, per stage, per solver.

Each (instance, solver, repetition) runs in a fresh worker process, so that its peak memory is its own:
wall seconds and the peak resident memory reached by the end of each stage (read, validate, build,
handover, solve, extract, write) are recorded with the model's size, the status, objective, bound, gap
and the root LP bound.  An instance is built as users solve it: `formulate` of the validated inputs, so a
workbook's disruption scenarios make the two-stage model (the build stage prepares every scenario).
Besides min cost, a job may time another objective on the ``highs`` path (``objective``: a ``max_security``
metric or ``frontierN``, `bench.objectives`).  Solvers:

- ``highs``: the product's path (the formulation's arrays handed to HiGHS in one call);
- ``appsi_highs``: Pyomo's stock path on the same formulation (`build_model`, then appsi's HiGHS
  ``set_instance`` as the hand-over);
- ``highs_mps``: HiGHS reading the exported MPS file (hand-over = write + read the file);
- ``cbc``, ``glpk``, ``scip``: through Pyomo's file interfaces when the executable is present (skipped
  with a note otherwise).

`bench/report.py` turns the records into the results workbook, the CSV, the charts and the targets.
"""
from __future__ import annotations

import dataclasses
import multiprocessing as mp
import shutil
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import highspy  # loaded before any stage is timed, for every solver path alike

from corridor.bench.generator import generate, size_n, write_instance
from corridor.bench.objectives import ALL, MIN_COST, objective_settings, parse_objectives, solve_objective
from corridor.bench.reference import reference_instances
from corridor.formulation.build import formulate
from corridor.io.books import raw_workbook
from corridor.io.reader import read_workbook
from corridor.io.validate import validate
from corridor.io.writer import write_solution
from corridor.perf import StageClock, peak_rss_mb
from corridor.pipeline import DEFAULT_INPUT, STRATEGIC_INPUT, plan_view
from corridor.results.extract import cost_breakdown, extract
from corridor.solve.highs import give_start, note_start, numbers, run_highs, to_highs, write_model
from corridor.solve.pyomo import build_model
from corridor.solve.result import outcome
from corridor.solve.runtime import on_fresh_thread

if TYPE_CHECKING:
    from corridor.formulation.spec import LinearSpec

SOLVERS = ("highs", "appsi_highs", "highs_mps", "cbc", "glpk", "scip")
EXECUTABLES = {"cbc": "cbc", "glpk": "glpsol", "scip": "scip"}


def available(solver: str) -> tuple[bool, str]:
    """(whether ``solver`` can run here, why not): the file solvers need their executable on the PATH."""
    if solver in EXECUTABLES:
        exe = EXECUTABLES[solver]
        return (True, "") if shutil.which(exe) else (False, f"'{exe}' is not installed on this machine")
    return True, ""


def measure(job: dict) -> dict:
    """Run one job (in the worker process): ``{instance, path | (size, seed), solver, objective, time_limit,
    out}``."""
    rec = {k: job.get(k) for k in ("instance", "kind", "size", "seed", "solver", "rep", "reference_optimum")}
    rec["objective_kind"] = job.get("objective") or MIN_COST
    rec["peak_mb_start"] = peak_rss_mb()
    clock = StageClock(memory=True)
    try:
        _run(job, rec, clock.stage)
    except Exception as exc:  # a failing run is a record, not a crash of the benchmark
        rec["status"] = "error"
        rec["note"] = f"{type(exc).__name__}: {exc}"
        rec["traceback"] = traceback.format_exc(limit=4)
    rec.update({f"s_{k}": v for k, v in clock.seconds.items()})
    rec.update({f"peak_mb_{k}": v for k, v in clock.peak_mb.items()})
    rec["peak_mb"] = peak_rss_mb()
    return rec


def _run(job, rec, stage):
    import pyomo.environ  # noqa: F401


    solver = job["solver"]
    if job.get("path"):
        with stage("read"):
            raw = read_workbook(job["path"])
    else:
        raw = raw_workbook(generate(job["size"], job["seed"]))
    with stage("validate"):
        inputs = validate(raw)
    del raw  # the raw records are not needed once validated
    objective = job.get("objective") or MIN_COST
    if objective != MIN_COST:  # built as a workbook with that objective is: the metric decides what is tracked
        inputs = dataclasses.replace(inputs, settings=objective_settings(inputs.settings, objective))
    with stage("build"):
        f = formulate(inputs)  # as the pipeline builds it: the disruption scenarios make a two-stage model
        m = build_model(f) if solver not in ("highs", "highs_mps") else None
    settings = dict(inputs.settings)
    if job.get("time_limit"):
        settings["time_limit_s"] = job["time_limit"]
    rec.update(f.spec.stats())
    rec["scenarios"] = len(f.views)
    if objective != MIN_COST:  # its own HiGHS instance with the security rows: hand-over inside the solve
        rec.update(solve_objective(f, settings, objective, stage))
        return
    if solver == "highs":
        result = _solve_direct(f, settings, stage)
    elif solver == "highs_mps":
        result = _solve_mps(f, settings, stage, Path(job["out"]))
    elif solver == "appsi_highs":
        result = _solve_appsi(m, settings, stage)
    else:
        result = _solve_pyomo_file(m, solver, settings, stage)
    rec.update(status=result.status, objective=result.objective, bound=result.bound, gap=result.gap,
               termination=result.termination, start=result.stats.get("start"),
               start_s=result.stats.get("start_s"))
    if result.has_plan and result.x is not None:
        with stage("extract"):
            tables = extract(plan_view(f), result, costs=cost_breakdown(f, result.x))  # as the pipeline does
        if job.get("write"):
            with stage("write"):
                write_solution(tables, Path(job["out"]) / f"{job['instance']}-{solver}.xlsx")
    if solver == "highs" and f.spec.n_cols:
        rec["s_raw_load"] = raw_load_seconds(f.spec)
    if job.get("root_lp"):
        rec["root_lp_bound"] = root_lp_bound(f.spec)
        if rec["root_lp_bound"] is not None and result.objective:
            rec["root_lp_gap"] = (result.objective - rec["root_lp_bound"]) / abs(result.objective)
    ref = job.get("reference_optimum")
    if ref is not None and result.objective is not None:
        rec["rel_error"] = abs(result.objective - ref) / max(1.0, abs(ref))
        rec["match"] = "yes" if rec["rel_error"] <= 1e-6 else "NO"


def _solve_direct(f, settings, stage):
    with stage("handover"):
        h = to_highs(f.spec, settings)
    with stage("solve"):
        info = give_start(h, f.spec, settings)  # large MIPs: a plan from the LP relaxation first
        result, x = run_highs(h, f.spec)
    if info is not None:
        note_start(result, info)
    result.x = x
    return result


def _solve_mps(f, settings, stage, out):
    path = out / f"model-{time.time_ns()}.mps"
    with stage("handover"):
        write_model(f.spec, path, settings)
        h = to_highs(type(f.spec)(), settings)  # an empty spec: HiGHS with the options only
        h.readModel(str(path))
    with stage("solve"):
        result, x = run_highs(h, f.spec)
    result.x = x
    path.unlink(missing_ok=True)
    return result


def _solve_appsi(m, settings, stage):
    from pyomo.contrib.appsi.base import TerminationCondition as TC
    from pyomo.contrib.appsi.solvers import Highs

    opt = Highs()
    opt.config.time_limit = float(settings.get("time_limit_s") or 600)
    opt.config.mip_gap = settings.get("mip_rel_gap")
    opt.config.load_solution = False
    with stage("handover"):
        opt.set_instance(m)
    with stage("solve"):
        t0 = time.perf_counter()
        res = on_fresh_thread(lambda: opt.solve(m))  # HiGHS's thread pool: see solve/runtime
    ok = res.best_feasible_objective is not None
    if ok:
        res.solution_loader.load_vars()
    kind = {TC.optimal: "optimal", TC.maxTimeLimit: "time_limit", TC.infeasible: "infeasible",
            TC.unbounded: "unbounded", TC.infeasibleOrUnbounded: "infeasible_or_unbounded"}.get(
        res.termination_condition, "other")
    r = outcome(kind, res.termination_condition.name, ok, res.best_feasible_objective, res.best_objective_bound,
                time.perf_counter() - t0)
    r.x = [v.value or 0.0 for v in m._columns] if ok else None
    return r


def _solve_pyomo_file(m, solver, settings, stage):
    import pyomo.environ as pyo

    opt = pyo.SolverFactory(solver)
    if solver == "cbc":
        opt.options.update({"sec": settings.get("time_limit_s"), "ratio": settings.get("mip_rel_gap")})
    elif solver == "glpk":
        opt.options.update({"tmlim": int(settings.get("time_limit_s") or 600), "mipgap": settings.get("mip_rel_gap")})
    elif solver == "scip":
        opt.options.update({"limits/time": settings.get("time_limit_s"), "limits/gap": settings.get("mip_rel_gap")})
    with stage("solve"):
        t0 = time.perf_counter()
        res = opt.solve(m, load_solutions=False)
    tc = str(res.solver.termination_condition)
    ok = len(res.solution) > 0
    if ok:
        m.solutions.load_from(res)
    kind = "optimal" if tc == "optimal" else ("time_limit" if "timelimit" in tc.lower() else
                                                ("infeasible" if tc == "infeasible" else "other"))
    r = outcome(kind, tc, ok, pyo.value(m.Total_Cost_Objective) if ok else None, None, time.perf_counter() - t0)
    r.x = [v.value or 0.0 for v in m._columns] if ok else None
    return r


def raw_load_seconds(spec: LinearSpec) -> float:
    """Seconds a bare ``highspy`` load of the spec's arrays takes: the HiGHS-format arrays are made first
    (untimed), then a fresh ``Highs`` gets them through ``HighsLp`` and ``passModel`` with the integrality, as
    a hand-written loader that already had them would do.  The floor the product's build + hand-over is
    compared with (`bench.report.targets`)."""
    import numpy as np

    n = numbers(spec)
    start = np.frombuffer(spec.indptr, dtype=np.int64).astype(np.int32)
    index = np.array(np.frombuffer(spec.indices, dtype=np.int32))
    integrality = np.frombuffer(spec.integer, dtype=np.int8).astype(np.uint8)
    t0 = time.perf_counter()
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = spec.n_cols, spec.n_rows
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = n["cost"], n["lb"], n["ub"]
    lp.row_lower_, lp.row_upper_ = n["row_lo"], n["row_hi"]
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = start, index, n["data"]
    h.passModel(lp)
    marked = np.flatnonzero(integrality).astype(np.int32)
    if len(marked):
        h.changeColsIntegrality(len(marked), marked, integrality[marked])
    seconds = time.perf_counter() - t0
    del h
    return seconds


def root_lp_bound(spec: LinearSpec) -> float | None:
    """The LP relaxation's optimum (integrality dropped) - the root LP bound before any cut."""
    saved = spec.integer
    spec.integer = type(saved)("b", bytes(len(saved)))
    try:
        h = to_highs(spec, {"time_limit_s": 600})
        res, _x = run_highs(h, spec)
    finally:
        spec.integer = saved
    return res.objective


def run_jobs(jobs: Sequence[dict], progress: Callable[[str], object] = print) -> list:
    """Run every job in its own worker process; return the records in job order."""
    ctx = mp.get_context("spawn")
    out = []
    for i, job in enumerate(jobs, start=1):
        ok, why = available(job["solver"])
        if not ok:
            out.append({**{k: job.get(k) for k in ("instance", "kind", "size", "seed", "solver", "rep")},
                        "objective_kind": job.get("objective") or MIN_COST, "status": "skipped", "note": why})
            progress(f"[{i}/{len(jobs)}] {job['instance']:<10} {job['solver']:<12} skipped: {why}")
            continue
        with ctx.Pool(1, maxtasksperchild=1) as pool:
            rec = pool.apply(measure, (job,))
        out.append(rec)
        tot = sum(v for k, v in rec.items() if k.startswith("s_") and isinstance(v, float))
        obj, kind = rec.get("objective"), rec.get("objective_kind", MIN_COST)
        what = job["solver"] if kind == MIN_COST else f"{job['solver']} {kind}"
        progress(f"[{i}/{len(jobs)}] {job['instance']:<10} {what:<12} {rec.get('status', ''):<22} "
                 f"obj {obj if obj is None else f'{obj:,.3f}'}  nnz {rec.get('nonzeros', 0):,}  {tot:.2f}s"
                 + (f"  metric {rec['metric_value']:.6g}" if rec.get("metric_value") is not None else "")
                 + (f"  steps {rec['steps_proven']}/{rec['steps']} proven" if rec.get("steps") else "")
                 + (f"  match {rec['match']}" if "match" in rec else "")
                 + (f"  {rec['note'][:200]}" if rec.get("note") else ""))
    return out


CASES = {"default": DEFAULT_INPUT, "strategic": STRATEGIC_INPUT}  # the embedded cases a bench run may time


def case_objectives(instance: str, objectives: Iterable[str] | None) -> list:
    """The objectives timed on a case instance: those named (min cost first, `objectives.parse_objectives`);
    by default every one (`objectives.ALL`) on the default case, min cost on any other (a strategic case's
    security solve takes minutes)."""
    if objectives is None:
        return list(ALL) if instance == "default" else [MIN_COST]
    return parse_objectives(objectives)


def plan_jobs(out_dir: Path, sizes: Iterable[str | int] = (), reference: bool = False,
              external: str | Path | None = None, solvers: Iterable[str] = ("highs",), repeat: int = 1, seed: int = 1,
              time_limit: float | None = None, cases: Iterable[str] = CASES, in_memory: bool = False,
              objectives: Iterable[str] | None = None, workbooks: Iterable[str | Path] = ()) -> list:
    """The jobs of one benchmark run; instances are written as workbooks under ``out_dir/instances``.
    ``cases``: which embedded cases to run too (``default``: the one-year case, ``strategic``: 2027-2032);
    ``workbooks``: more input workbooks to time as cases (named by their stem).  ``objectives``: what the cases
    are solved for besides min cost, on the ``highs`` path (`case_objectives`); the reference and scaled
    instances, and the other solvers, are timed for min cost only."""
    inst_dir = out_dir / "instances"
    inst_dir.mkdir(parents=True, exist_ok=True)
    instances = []
    for case in cases:
        if case not in CASES:
            raise ValueError(f"unknown case {case!r} for --cases (allowed: {', '.join(CASES)} or none)")
        instances.append({"instance": case, "kind": "case", "path": str(CASES[case])})
    for book in workbooks:
        instances.append({"instance": Path(book).stem, "kind": "case", "path": str(book)})
    if reference:
        for name, convert, src, optimum in reference_instances(external):
            path = convert(src, inst_dir / f"{name}.xlsx")
            instances.append({"instance": name, "kind": "reference", "path": str(path), "reference_optimum": optimum})
    for size in sizes:
        size_n(size)
        inst = {"instance": f"gen-{size}", "kind": "scaled", "size": size, "seed": seed}
        if not in_memory:
            inst["path"] = str(write_instance(size, seed, inst_dir / f"gen-{size}-seed{seed}.xlsx"))
        instances.append(inst)
    jobs = []
    for inst in instances:
        kinds = case_objectives(inst["instance"], objectives) if inst["kind"] == "case" else [MIN_COST]
        for solver in solvers:
            for objective in kinds if solver == "highs" else [MIN_COST]:
                first = solver == "highs" and objective == MIN_COST
                for rep in range(1, repeat + 1):
                    jobs.append({**inst, "solver": solver, "objective": objective, "rep": rep, "time_limit": time_limit,
                                 "out": str(out_dir), "write": first and rep == 1, "root_lp": first and rep == 1})
    return jobs
