"""A starting plan for large MIPs: the LP relaxation rounded and repaired, handed to HiGHS as its first incumbent.

On a large model HiGHS may spend the whole time limit in presolve and the root LP, and a run stopped there
has only the trivial plan (at gen-l, about 1M nonzeros: "ship nothing", 89% gap after 60 s).  Where the
model is large (`wanted`: at least `START_AT_NONZEROS` nonzeros and some integer column) `lp_start` builds a
plan from the model's arrays alone, whatever the workbook:

1. the LP relaxation (integrality dropped), within a share of the time limit;
2. rounding and repair, one integer block at a time (Open, Active, ActivePeriod, Apply ...; the blocks'
   names come from the spec, not from a workbook): the block's columns are fixed at their relaxed values
   rounded up (a route used a little is active, a site opened a little is open) and the LP is re-solved
   from the previous basis with every block fixed so far.  When that is infeasible (a count of routes or
   of licence applications exceeded, a minimum volume that cannot be carried) the block is rounded to the
   nearest integer instead, then down.  With every integer block fixed, the LP optimum is a feasible plan
   of the MIP; when no rounding of a block can be repaired there is no start.

The plan is passed to HiGHS with ``setSolution`` before the MIP search, so the gap HiGHS reports is against
it at worst, and the run always ends with a plan at least as good.  `SolveResult.stats['start']` says where
the starting plan came from (and is quoted on the summary's message).  Small models skip it: HiGHS finds
its own plans there in less time than the relaxation takes.
"""
from __future__ import annotations

import logging
import time

import highspy
import numpy as np

from corridor.formulation.spec import LinearSpec
from corridor.solve import runtime

log = logging.getLogger("corridor.start")

START_AT_NONZEROS = 200_000  # below this HiGHS's own root heuristics find plans sooner than an LP start
LP_SHARE = 0.8  # at most this share of the time limit goes to the relaxation and the repair (a plan first)


def wanted(spec: LinearSpec, settings: dict | None) -> bool:
    """Whether to build a starting plan for ``spec``: a MIP of at least `START_AT_NONZEROS` nonzeros, unless the
    settings say ``heuristic_start = no`` (or False)."""
    flag = (settings or {}).get("heuristic_start")
    if flag in (False, "no", 0):
        return False
    if flag in (True, "yes", 1):
        return spec.n_integer > 0
    return spec.n_integer > 0 and spec.n_nonzeros >= START_AT_NONZEROS


def lp_start(h: highspy.Highs, spec: LinearSpec, time_limit: float | None) -> tuple[list | None, dict]:
    """``(column values, info)`` of a feasible plan of ``spec`` from its LP relaxation (module docstring), or
    ``(None, info)`` when none was found in time.  ``h`` is a HiGHS instance of its own holding the model
    (`highs.to_highs`), used up by the relaxation.  ``info``: ``source``, ``objective``, ``bound`` (the
    relaxation's optimum, a lower bound on every plan's cost), ``seconds``, ``how``."""
    t0 = time.perf_counter()
    info: dict = {"source": "none", "objective": None, "bound": None, "seconds": 0.0, "how": ""}
    integer = spec.integer_columns()
    budget = (time_limit or 600.0) * LP_SHARE
    h.changeColsIntegrality(len(integer), integer, np.zeros(len(integer), dtype=np.uint8))
    runtime.set_time_limit(h, budget)
    runtime.run(h)
    _log(h, "LP relaxation", t0)
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        info["how"] = f"the LP relaxation did not finish ({h.modelStatusToString(h.getModelStatus())})"
        return None, _done(info, t0)
    info["bound"] = h.getInfo().objective_function_value  # the relaxation's optimum bounds every plan's cost
    relaxed = np.asarray(h.getSolution().col_value)
    up = rounded_up(spec, relaxed)[integer]
    h.changeColsBounds(len(integer), integer, up, up)
    runtime.set_time_limit(h, max(1e-3, budget - (time.perf_counter() - t0)))
    runtime.run(h)
    _log(h, "all rounded up", t0)
    if h.getModelStatus() == highspy.HighsModelStatus.kTimeLimit:
        info["how"] = "the rounded LP relaxation could not be repaired in time"
        return None, _done(info, t0)
    if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
        return _plan(h, integer, info, t0, "rounded up (then down where a row of integer columns only, a count "
                     "or a link, asked for it)")
    lo_all = np.frombuffer(spec.lb, dtype=np.float64)[integer]
    h.changeColsBounds(len(integer), integer, lo_all, np.frombuffer(spec.ub, dtype=np.float64)[integer])
    chosen = []
    for name, cols in _integer_blocks(spec):  # block by block, the earlier blocks' values kept
        lo, hi = np.frombuffer(spec.lb, dtype=np.float64)[cols], np.frombuffer(spec.ub, dtype=np.float64)[cols]
        for how, rounded in (("up", np.ceil(relaxed[cols] - 1e-6)), ("to nearest", np.floor(relaxed[cols] + 0.5)),
                             ("down", np.floor(relaxed[cols] + 1e-6))):
            fixed = np.clip(rounded, lo, hi)
            h.changeColsBounds(len(cols), cols, fixed, fixed)
            left = budget - (time.perf_counter() - t0)
            if left <= 0:
                info["how"] = "the rounded LP relaxation could not be repaired in time"
                return None, _done(info, t0)
            runtime.set_time_limit(h, max(1e-3, left))
            runtime.run(h)
            _log(h, f"{name} {how}", t0)
            if h.getModelStatus() == highspy.HighsModelStatus.kTimeLimit:
                info["how"] = "the rounded LP relaxation could not be repaired in time"
                return None, _done(info, t0)
            if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
                chosen.append(f"{name} {how}")
                break
        else:
            info["how"] = f"no rounding of {name} could be repaired"
            return None, _done(info, t0)
    return _plan(h, integer, info, t0, "rounded block by block (" + ", ".join(chosen) + ")")


def _plan(h, integer, info, t0, how):
    x = list(h.getSolution().col_value)
    for j in integer.tolist():
        x[j] = float(round(x[j]))  # exactly integral (they are fixed at integers)
    info.update(source="LP relaxation", objective=h.getInfo().objective_function_value,
                how=f"the LP relaxation {how} and repaired (the rest re-solved with those fixed)")
    return x, _done(info, t0)


def rounded_up(spec: LinearSpec, relaxed: np.ndarray) -> np.ndarray:
    """The LP relaxation's values ``relaxed`` with every integer column rounded up (within its bounds: a route
    used a little is active, a site opened a little is open), then lowered where a row of integer columns only
    asks for it (`_fit_integer_rows`); the other columns as they are."""
    integer = spec.integer_columns()
    x = np.array(relaxed, dtype=np.float64)
    up = np.clip(np.ceil(x[integer] - 1e-6), np.frombuffer(spec.lb, dtype=np.float64)[integer],
                 np.frombuffer(spec.ub, dtype=np.float64)[integer])
    x[integer] = _fit_integer_rows(spec, integer, up, x[integer])
    return x


def _fit_integer_rows(spec: LinearSpec, integer: np.ndarray, values: np.ndarray, relaxed: np.ndarray) -> np.ndarray:
    """``values`` (the integer columns rounded up) lowered where a row made of integer columns only (at most
    two routes into a market, one licence application per window, a period's activation under the route's)
    is exceeded: in each such row the columns of positive coefficient with the smallest relaxed values go
    down to their floor until it holds.  A few passes, since lowering one column may break another row."""
    n = spec.n_cols
    is_int = np.zeros(n, dtype=bool)
    is_int[integer] = True
    indptr = np.frombuffer(spec.indptr, dtype=np.int64)
    cols = np.frombuffer(spec.indices, dtype=np.int32)
    data = np.frombuffer(spec.data, dtype=np.float64)
    rows = np.repeat(np.arange(spec.n_rows), np.diff(indptr))
    pure = np.bincount(rows, weights=(~is_int[cols]).astype(np.float64), minlength=spec.n_rows) == 0
    pure &= np.diff(indptr) > 0
    hi = np.frombuffer(spec.row_hi, dtype=np.float64)
    x = np.zeros(n)
    x[integer] = values
    floor = np.zeros(n)
    floor[integer] = np.maximum(np.floor(relaxed + 1e-6), np.frombuffer(spec.lb, dtype=np.float64)[integer])
    lp = np.zeros(n)
    lp[integer] = relaxed
    for _ in range(10):
        act = np.bincount(rows, weights=data * x[cols], minlength=spec.n_rows)
        bad = np.flatnonzero(pure & (act > hi + 1e-9))
        if not len(bad):
            break
        for i in bad.tolist():
            a, b = indptr[i], indptr[i + 1]
            over = float(np.dot(data[a:b], x[cols[a:b]])) - hi[i]
            for k in np.argsort(lp[cols[a:b]], kind="stable").tolist():
                if over <= 1e-9:
                    break
                j, c = int(cols[a + k]), float(data[a + k])
                if c > 0 and x[j] > floor[j]:
                    over -= c * (x[j] - floor[j])
                    x[j] = floor[j]
    return x[integer]


def _integer_blocks(spec: LinearSpec) -> list:
    """``[(block name, its columns)]`` of the integer variable blocks, in column order."""
    return [(vb.name, np.arange(vb.start, vb.start + len(vb.keys), dtype=np.int32))
            for vb in spec.var_blocks.values() if vb.integer and vb.keys]


def _log(h, what, t0):
    log.debug("start: %s: %s after %.1f s", what, h.modelStatusToString(h.getModelStatus()), time.perf_counter() - t0)


def _done(info: dict, t0: float) -> dict:
    info["seconds"] = time.perf_counter() - t0
    return info


def pass_start(h: highspy.Highs, x: list) -> bool:
    """Give HiGHS the plan ``x`` as its first incumbent; False if it refused it."""
    sol = highspy.HighsSolution()
    sol.col_value = x
    sol.value_valid = True
    return h.setSolution(sol) != highspy.HighsStatus.kError


def reoptimised(h: highspy.Highs, spec: LinearSpec, x: list | np.ndarray, lo: np.ndarray, hi: np.ndarray,
                time_limit: float) -> np.ndarray | None:
    """The plan ``x`` with its integer columns kept (rounded, within ``lo``/``hi``: the column bounds of the
    coming solve) and every other column re-solved as an LP for ``h``'s current objective and rows, on a copy
    of ``h``'s model (interior point with crossover: the security metrics' minimax rows are degenerate for the
    simplex, 3 s against 24-90 s on the default case's max_dependence).  A start no worse than ``x`` for a
    MIP whose objective or rows changed since ``x`` was found (a security step after the min-cost plan: same
    routes, plants and licences, flows moved to serve the metric).  None when that LP is infeasible or does
    not finish in ``time_limit``; ``h`` is not changed."""
    integer = spec.integer_columns()
    if not len(integer) or time_limit <= 0:
        return None
    v = np.clip(np.round(np.asarray(x, dtype=np.float64)[integer]), lo[integer], hi[integer])
    lp = copy_model(h)
    lp.changeColsIntegrality(len(integer), integer, np.zeros(len(integer), dtype=np.uint8))
    lp.changeColsBounds(len(integer), integer, v, v)
    lp.setOptionValue("solver", "ipm")
    runtime.set_time_limit(lp, time_limit)
    runtime.run(lp)
    if lp.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    out = np.asarray(lp.getSolution().col_value, dtype=np.float64)
    out[integer] = v
    return out


def relaxation_bound(h: highspy.Highs, spec: LinearSpec, time_limit: float) -> float | None:
    """The optimum of the LP relaxation of ``h``'s current model (objective, rows and column bounds as they
    are), on a copy of it, by interior point with crossover: a lower bound on every plan's objective.  None
    when it does not finish in ``time_limit``; ``h`` is not changed."""
    integer = spec.integer_columns()
    if time_limit <= 0:
        return None
    lp = copy_model(h)
    if len(integer):
        lp.changeColsIntegrality(len(integer), integer, np.zeros(len(integer), dtype=np.uint8))
    lp.setOptionValue("solver", "ipm")
    runtime.set_time_limit(lp, time_limit)
    runtime.run(lp)
    if lp.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return float(lp.getInfo().objective_function_value)


def copy_model(h: highspy.Highs) -> highspy.Highs:
    """A new HiGHS instance holding ``h``'s current model, quiet, with ``h``'s thread count."""
    threads = h.getOptionValue("threads")
    lp = runtime.new_highs()
    lp.setOptionValue("output_flag", False)
    lp.setOptionValue("threads", threads[1] if isinstance(threads, tuple) else threads)
    lp.passModel(h.getLp())
    return lp


def describe(info: dict) -> str:
    """One line for the summary: where the starting plan came from and what it cost."""
    if info.get("objective") is None:
        return f"no starting plan ({info.get('how') or 'none tried'}); HiGHS started from its own"
    return (f"starting plan: {info['how']}, objective {info['objective']:,.2f}, in {info['seconds']:.1f} s; "
            "the gap is the best plan's against the better of HiGHS's bound and the LP relaxation's")


__all__ = ["LP_SHARE", "START_AT_NONZEROS", "copy_model", "describe", "lp_start", "pass_start", "relaxation_bound",
           "reoptimised", "rounded_up", "wanted"]
