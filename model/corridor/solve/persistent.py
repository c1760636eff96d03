"""Re-solve scenarios that differ only in numbers on one live HiGHS model (no rebuild of the solver model).

A planning study solves many scenarios of one workbook that change only numbers (capacities, costs,
demand).  Such a scenario formulates into a `LinearSpec` with the *same structure* as the base (same
sizes, same sparsity pattern, same integrality, same named blocks and keys): only the cost vector, the
objective offset, the column and row bounds and the matrix values differ.  `PersistentModel` keeps one
``highspy.Highs`` alive, applies just those differences in place (vectorised where highspy allows) and
runs again, optionally with a MIP start (e.g. the base plan).  A scenario whose structure differs is
rebuilt from scratch with `highs.to_highs`, so the caller never has to tell the two apart.

The result is exactly what `highs.run_highs` returns for the same spec, with
``res.stats["reused"]`` (and the seconds spent applying the changes in ``stats["apply_s"]``).
"""
from __future__ import annotations

import copy
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

import highspy
import numpy as np

from corridor.formulation.spec import LinearSpec
from corridor.solve import runtime
from corridor.solve.highs import numbers, run_highs, to_highs

if TYPE_CHECKING:
    from corridor.io.validate import Inputs
    from corridor.solve.result import SolveResult


def same_structure(a: LinearSpec, b: LinearSpec) -> bool:
    """True when ``b`` can be applied to a solver model built from ``a`` by changing numbers only: same
    sizes, sparsity pattern (``indptr``/``indices``), integrality flags, and the same variable and row
    blocks (names, keys and row runs, in the same order)."""
    if a is b:
        return True
    if a.n_cols != b.n_cols or a.n_rows != b.n_rows or a.n_nonzeros != b.n_nonzeros:
        return False
    if a.indptr != b.indptr or a.indices != b.indices or a.integer != b.integer:
        return False
    if list(a.var_blocks) != list(b.var_blocks) or list(a.row_blocks) != list(b.row_blocks):
        return False
    for va, vb in zip(a.var_blocks.values(), b.var_blocks.values()):
        if va.start != vb.start or va.integer != vb.integer or va.keys != vb.keys:
            return False
    for ra, rb in zip(a.row_blocks.values(), b.row_blocks.values()):
        if ra.segments != rb.segments or ra.keys != rb.keys:
            return False
    return True


def _changed(old, new):
    """Indices (int32) where two float arrays differ."""
    return np.flatnonzero(old != new).astype(np.int32)


def apply_numbers(h: highspy.Highs, spec: LinearSpec, old: dict, new: dict) -> dict:
    """Change in ``h`` only the entries where ``new`` differs from ``old`` (both from `numbers`); return the
    counts of changed costs, column bounds, row bounds and coefficients."""
    counts = {}
    idx = _changed(old["cost"], new["cost"])
    if len(idx):
        _check(h.changeColsCost(len(idx), idx, new["cost"][idx]), "changeColsCost")
    counts["costs"] = len(idx)
    if old["offset"] != new["offset"]:
        _check(h.changeObjectiveOffset(new["offset"]), "changeObjectiveOffset")
    idx = np.flatnonzero((old["lb"] != new["lb"]) | (old["ub"] != new["ub"])).astype(np.int32)
    if len(idx):
        _check(h.changeColsBounds(len(idx), idx, new["lb"][idx], new["ub"][idx]), "changeColsBounds")
    counts["col_bounds"] = len(idx)
    idx = np.flatnonzero((old["row_lo"] != new["row_lo"]) | (old["row_hi"] != new["row_hi"])).astype(np.int32)
    if len(idx):
        _check(h.changeRowsBounds(len(idx), idx, new["row_lo"][idx], new["row_hi"][idx]), "changeRowsBounds")
    counts["row_bounds"] = len(idx)
    idx = _changed(old["data"], new["data"])
    if len(idx):  # highspy has no vectorised coefficient change: one call per changed nonzero
        indptr = np.frombuffer(spec.indptr, dtype=np.int64)
        rows = np.searchsorted(indptr, idx, side="right") - 1
        cols = np.frombuffer(spec.indices, dtype=np.int32)[idx]
        for r, j, v in zip(rows.tolist(), cols.tolist(), new["data"][idx].tolist()):
            _check(h.changeCoeff(r, j, v), "changeCoeff")
    counts["coefficients"] = len(idx)
    return counts


def _check(status, what):
    """Raise when a highspy call reports an error (a warning is fine)."""
    if status == highspy.HighsStatus.kError:
        raise RuntimeError(f"HiGHS refused {what}")


def apply_options(h: highspy.Highs, settings: dict | None, tee: bool = False, defaults: dict | None = None) -> list:
    """Set the options `to_highs` sets from ``settings`` (time limit, relative gap, threads); an option absent
    from ``settings`` goes back to ``defaults`` (HiGHS's own when None), so nothing is left from a previous
    scenario.  Returns the warnings of settings that could not be honoured (`runtime.configure`)."""
    settings = settings or {}
    defaults = defaults or default_options()
    h.setOptionValue("output_flag", bool(tee))
    limit = settings.get("time_limit_s")
    runtime.set_time_limit(h, float(limit) if limit else defaults["time_limit"])
    gap = settings.get("mip_rel_gap")
    h.setOptionValue("mip_rel_gap", float(gap) if gap is not None else defaults["mip_rel_gap"])
    threads, warning = runtime.thread_option(settings.get("threads"))
    h.setOptionValue("threads", threads)
    h.corridor_warnings = [warning] if warning else []
    return h.corridor_warnings


def set_options(h: highspy.Highs, options: dict | None) -> None:
    """Set extra HiGHS options by name (e.g. ``{"mip_heuristic_run_rins": False}``); raise on an unknown one."""
    for name, value in (options or {}).items():
        _check(h.setOptionValue(name, value), f"option {name}={value!r}")


def default_options() -> dict:
    """HiGHS's default values of the options `apply_options` manages (read from a fresh instance)."""
    h = runtime.new_highs()
    return {k: h.getOptionValue(k)[1] for k in ("time_limit", "mip_rel_gap")}


def set_start(h: highspy.Highs, spec: LinearSpec, start: Sequence[float] | None) -> bool:
    """Pass ``start`` (one value per column) to HiGHS as a starting solution (a MIP start); False (nothing
    passed) when it is None, empty or of the wrong length."""
    if start is None or spec.n_cols == 0 or len(start) != spec.n_cols:
        return False
    sol = highspy.HighsSolution()
    sol.col_value = np.asarray(start, dtype=np.float64)
    sol.value_valid = True
    return h.setSolution(sol) != highspy.HighsStatus.kError


def scaled(inputs: Inputs, sheet: str, column: str, factor: float, **where: object) -> Inputs:
    """A deep copy of validated ``inputs`` with ``column`` of ``sheet`` multiplied by ``factor`` in the rows
    whose fields equal every ``where`` value (blank cells stay blank), e.g.
    ``scaled(inputs, "legs", "capacity_t", 2, mode="ferry")``: a numbers-only scenario."""
    out = copy.deepcopy(inputs)
    for row in out.tables[sheet]:
        if row.get(column) is not None and all(row.get(k) == v for k, v in where.items()):
            row[column] = row[column] * factor
    return out


def start_violation(spec: LinearSpec, x: Sequence[float] | None) -> float:
    """The largest violation of ``spec``'s column bounds, row bounds or integrality by ``x`` (0.0: the plan
    is feasible for ``spec``, so HiGHS accepts it as a MIP start; inf when ``x`` has the wrong length)."""
    if x is None or len(x) != spec.n_cols:
        return float("inf")
    if spec.n_cols == 0:
        return 0.0
    x = np.asarray(x, dtype=np.float64)
    lb, ub = np.frombuffer(spec.lb, dtype=np.float64), np.frombuffer(spec.ub, dtype=np.float64)
    worst = max(float(np.max(lb - x, initial=0.0)), float(np.max(x - ub, initial=0.0)))
    integer = np.frombuffer(spec.integer, dtype=np.int8).astype(bool)
    if integer.any():
        xi = x[integer]
        worst = max(worst, float(np.max(np.abs(xi - np.round(xi)))))
    if spec.n_rows:
        indptr = np.frombuffer(spec.indptr, dtype=np.int64)
        rows = np.repeat(np.arange(spec.n_rows), np.diff(indptr))
        prod = np.frombuffer(spec.data, dtype=np.float64) * x[np.frombuffer(spec.indices, dtype=np.int32)]
        act = np.bincount(rows, weights=prod, minlength=spec.n_rows)
        lo, hi = np.frombuffer(spec.row_lo, dtype=np.float64), np.frombuffer(spec.row_hi, dtype=np.float64)
        worst = max(worst, float(np.max(lo - act, initial=0.0)), float(np.max(act - hi, initial=0.0)))
    return worst


class PersistentModel:
    """One live HiGHS model re-solved scenario after scenario: numbers-only changes are applied in place,
    anything else rebuilds it (see the module docstring)."""

    def __init__(self, spec: LinearSpec, settings: dict | None = None, tee: bool = False, options: dict | None = None):
        """Build the live model of ``spec`` with `to_highs` (options from ``settings``); ``options``: extra
        HiGHS options by name, kept for every solve and rebuild (give a rebuild the same for a fair
        comparison)."""
        self.tee = tee
        self.options = dict(options or {})
        self.defaults = default_options()
        self._build(spec, settings)

    def _build(self, spec, settings):
        """(Re)create the Highs object from ``spec`` and remember its numbers."""
        self.h = to_highs(spec, settings, self.tee)
        set_options(self.h, self.options)
        self.spec = spec
        self.settings = dict(settings or {})
        self.numbers = numbers(spec)

    def solve(self, spec: LinearSpec, settings: dict | None = None, start: Sequence[float] | None = None,
              options: dict | None = None) -> tuple[SolveResult, list | None, bool]:
        """Solve ``spec`` (settings: None keeps the current ones); return ``(SolveResult, x, reused)``.

        Same structure as the live model: only the differing costs, offset, bounds, coefficients and
        options are changed, then HiGHS runs again; otherwise the model is rebuilt (``reused`` False).
        ``start``: column values (e.g. the base plan) passed as a MIP start when its length matches.
        Without a start a MIP begins with no incumbent, as a fresh model would (an LP keeps its basis).
        ``res.stats``: ``reused``, ``apply_s`` (structure check + changes, or the rebuild), ``start_passed``
        (handed to HiGHS; HiGHS itself rejects a start that is infeasible for ``spec``) and ``changes``
        (counts per kind).  ``options``: HiGHS options by name for this solve (set after the model's own
        ``options``; give both values of an option across calls, as they stay set).  The live model keeps a
        reference to ``spec``: do not mutate it afterwards."""
        t0 = time.perf_counter()
        settings = self.settings if settings is None else dict(settings)
        reused = same_structure(self.spec, spec)
        counts = {}
        if reused:
            new = self.numbers if spec is self.spec else numbers(spec)
            try:
                counts = apply_numbers(self.h, spec, self.numbers, new)
                apply_options(self.h, settings, self.tee, self.defaults)
                self.spec, self.settings, self.numbers = spec, settings, new
            except RuntimeError:  # HiGHS refused a change: the live model is not trusted any more
                reused, counts = False, {}
        if not reused:
            self._build(spec, settings)
        set_options(self.h, options)
        started = set_start(self.h, spec, start)
        if not started and reused and spec.n_integer:
            self.h.clearSolver()  # no incumbent left from the previous run
        apply_s = time.perf_counter() - t0
        res, x = run_highs(self.h, spec)
        res.stats.update(reused=reused, apply_s=apply_s, start_passed=started, changes=counts)
        return res, x, reused


__all__ = ["PersistentModel", "apply_numbers", "apply_options", "numbers", "same_structure", "scaled", "set_options",
           "set_start", "start_violation"]
