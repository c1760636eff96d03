"""Hand a `LinearSpec` to HiGHS in one call (column-wise arrays, no per-element API) and read the plan back.

This is the product's fast path: no Pyomo expression is generated or walked, so the hand-over costs
about as much as copying the arrays.  The persistent Pyomo path (`dispatch.solve` on a ConcreteModel) stays
available for scenario re-solves and Pyomo tooling; both give the same plan.
"""
from __future__ import annotations

import re
import time
from pathlib import Path

import highspy
import numpy as np

from corridor.formulation.spec import INF, LinearSpec
from corridor.perf import RELEASE_AT_NONZEROS, release_memory
from corridor.solve import runtime, start
from corridor.solve.result import SolveResult, outcome


def to_highs(spec: LinearSpec, settings: dict | None = None, tee: bool = False, names: bool = False) -> highspy.Highs:
    """A ``highspy.Highs`` holding the model of ``spec`` (options from ``settings``), ready to run.
    ``names``: also pass readable column and row names (for exported files).  Warnings about settings
    that could not be honoured (`runtime.configure`) are kept on the instance as ``corridor_warnings``."""
    h = runtime.new_highs()
    h.corridor_warnings = runtime.configure(h, settings, tee)
    if spec.n_cols == 0:
        return h
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = spec.n_cols, spec.n_rows
    n = numbers(spec)
    lp.col_cost_, lp.offset_ = n["cost"], n["offset"]
    lp.col_lower_, lp.col_upper_, lp.row_lower_, lp.row_upper_ = n["lb"], n["ub"], n["row_lo"], n["row_hi"]
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = np.frombuffer(spec.indptr, dtype=np.int64).astype(np.int32)
    lp.a_matrix_.index_ = np.frombuffer(spec.indices, dtype=np.int32)
    lp.a_matrix_.value_ = n["data"]
    if names:
        lp.col_names_, lp.row_names_ = _names(spec)
    status = h.passModel(lp)
    if status == highspy.HighsStatus.kError:
        raise ModelRefused(refusal_reason(n))
    integer = spec.integer_columns()
    if len(integer):  # only the (few) integer columns are marked
        h.changeColsIntegrality(len(integer), integer, np.ones(len(integer), dtype=np.uint8))
    return h


class ModelRefused(RuntimeError):
    """HiGHS refused the model when it was handed over (a number it cannot take); the message says which."""


LARGE_MATRIX_VALUE = 1e15  # HiGHS refuses matrix coefficients at or above this (its option large_matrix_value)


def refusal_reason(n: dict) -> str:
    """Why HiGHS may have refused the arrays ``n`` (`numbers`): the largest finite number in them."""
    big = max((float(np.max(np.abs(v[np.isfinite(v)]), initial=0.0)) for k, v in n.items() if k != "offset"),
              default=0.0)
    return (f"HiGHS refused the model; its largest finite number is {big:.3g}" + (
        f" (HiGHS takes no coefficient at or above {LARGE_MATRIX_VALUE:g}: a capacity or cost typed as "
        "'unlimited' is a blank cell, not a huge number)" if big >= LARGE_MATRIX_VALUE else ""))


def numbers(spec: LinearSpec) -> dict:
    """The numeric part of ``spec`` as HiGHS sees it: dense costs, offset, column and row bounds clipped to
    ``kHighsInf`` (what `to_highs` passes; `corridor.solve.persistent` compares them to re-solve in place) and
    the matrix values (copies, safe to keep)."""
    inf = highspy.kHighsInf
    c = np.zeros(spec.n_cols)
    for cols, coefs in spec.costs.values():
        np.add.at(c, np.frombuffer(cols, dtype=np.int32), np.frombuffer(coefs, dtype=np.float64))

    def clip(arr):
        """Float64 view of ``arr`` with the infinities HiGHS's way."""
        return np.clip(np.frombuffer(arr, dtype=np.float64), -inf, inf)

    return {"cost": c, "offset": float(sum(spec.cost_constants.values())),
            "lb": clip(spec.lb), "ub": clip(spec.ub), "row_lo": clip(spec.row_lo), "row_hi": clip(spec.row_hi),
            "data": np.array(np.frombuffer(spec.data, dtype=np.float64))}


def run_highs(h: highspy.Highs, spec: LinearSpec) -> tuple[SolveResult, list | None]:
    """Run HiGHS and return (SolveResult, column values or None)."""
    t0 = time.perf_counter()
    if spec.n_cols == 0:
        if spec.unmet_empty_rows():  # e.g. 0 >= a must-meet demand
            return outcome("infeasible", "empty_row_infeasible", False, None, None, 0.0), None
        value = sum(spec.cost_constants.values())
        return SolveResult("optimal", "empty", True, True, value, value, 0.0, 0.0,
                           "proven optimal: no flow is possible, the plan is empty"), []
    if spec.n_nonzeros >= RELEASE_AT_NONZEROS:
        release_memory()
    runtime.run(h)
    seconds = time.perf_counter() - t0
    ms = h.getModelStatus()
    info = h.getInfo()
    S = highspy.HighsModelStatus
    has_plan = info.primal_solution_status == 2  # kSolutionStatusFeasible
    x = list(h.getSolution().col_value) if has_plan else None
    obj = info.objective_function_value if has_plan else None
    bound = info.mip_dual_bound if spec.n_integer else (obj if ms == S.kOptimal else None)
    kind = {S.kOptimal: "optimal", S.kTimeLimit: "time_limit", S.kInfeasible: "infeasible",
            S.kUnbounded: "unbounded", S.kUnboundedOrInfeasible: "infeasible_or_unbounded"}.get(ms, "other")
    res = outcome(kind, h.modelStatusToString(ms), has_plan, obj, bound, seconds)
    res.warnings = list(getattr(h, "corridor_warnings", ()))
    return res, x



def solve_spec(spec: LinearSpec, settings: dict | None = None, tee: bool = False) -> SolveResult:
    """Hand over and solve; the result records the hand-over seconds in ``stats['handover_s']``."""
    t0 = time.perf_counter()
    h = to_highs(spec, settings, tee)
    handover = time.perf_counter() - t0
    info = give_start(h, spec, settings)
    res, x = run_highs(h, spec)
    res.stats["handover_s"] = handover
    if info is not None:
        note_start(res, info)
    res.x = x
    return res


def give_start(h: highspy.Highs, spec: LinearSpec, settings: dict | None) -> dict | None:
    """On a large MIP (`start.wanted`), find a starting plan from the LP relaxation (`start.lp_start`, on an
    instance of its own) and pass it to ``h``, whose time limit is cut by the seconds that took, so that the
    run stays within ``time_limit_s``.  Returns the start's info (None when the model is too small for one)."""
    if not start.wanted(spec, settings):
        return None
    limit = float((settings or {}).get("time_limit_s") or 0) or None
    x0, info = start.lp_start(to_highs(spec, settings), spec, limit)
    if limit is not None:
        runtime.set_time_limit(h, max(1.0, limit - info["seconds"]))
    if x0 is not None and not start.pass_start(h, x0):
        info.update(objective=None, how="HiGHS refused the rounded LP plan")
    return info


def note_start(res: SolveResult, info: dict) -> None:
    """Record where the starting plan came from on ``res`` (its stats, its message), count its seconds in the
    solve's, and take the LP relaxation's optimum as the bound when it is better than HiGHS's (HiGHS stopped
    before its root), so that the gap is against a real bound."""
    res.stats["start"] = start.describe(info)
    res.stats["start_s"] = info["seconds"]
    res.seconds += info["seconds"]
    lp = info.get("bound")
    if res.has_plan and res.objective is not None and lp is not None and (res.bound is None or lp > res.bound):
        res.bound = lp  # HiGHS stopped before its root bound reached the relaxation's: the relaxation's is valid
        res.gap = 0.0 if res.objective == lp else abs(res.objective - lp) / max(1e-10, abs(res.objective))
        res.stats["bound_from"] = "LP relaxation"
    res.message = f"{res.message}; {res.stats['start']}"


def write_model(spec: LinearSpec, path: str | Path, settings: dict | None = None) -> None:
    """Write the model as MPS or LP (by the file's suffix) through HiGHS, with readable column/row names."""
    h = to_highs(spec, settings, names=True)
    h.writeModel(str(path))


def _names(spec):
    """Column and row names ``Block(key,...)`` restricted to characters every LP/MPS reader accepts (letters,
    digits, ``_ . ( ) ,``; anything else becomes ``_``, ``*`` becomes ``ALL``), made unique if that collides."""
    bad = re.compile(r"[^A-Za-z0-9_.(),]")

    def clean(block, key, seen):
        name = bad.sub("_", f"{block}({_k(key)})".replace("*", "ALL"))
        if name in seen:
            name = f"{name}_{len(seen)}"
        seen.add(name)
        return name

    cols, seen = [""] * spec.n_cols, set()
    for vb in spec.var_blocks.values():
        for i, key in enumerate(vb.keys):
            cols[vb.start + i] = clean(vb.name, key, seen)
    rows, seen = [""] * spec.n_rows, set()
    for rb in spec.row_blocks.values():
        for r, key in zip(rb.rows(), rb.keys):
            rows[r] = clean(rb.name, key, seen)
    return cols, rows


def _k(key):
    return ",".join(map(str, key)) if isinstance(key, tuple) else str(key)


__all__ = ["ModelRefused", "INF", "give_start", "note_start", "numbers", "run_highs", "solve_spec", "to_highs",
           "write_model"]
