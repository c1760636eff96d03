"""Integer columns a cost budget rules out, proven from the min-cost LP relaxation (budget fixing); and the
binaries a metric cap forces open, proven by probing the metric's LP relaxation (cap fixing, `CapFixer`).

A max_security step or a frontier point minimises the metric subject to ``expected cost <= budget``.  Its
LP relaxation is weak where a binary carries a large fixed cost: the LP opens a third of a 150 M USD plant
for 50 M and takes a third of its capacity, so the root bound sits at the metric of a plan no integer
solution within the budget can reach, and HiGHS spends the whole time limit at the root (the recalibrated
default case: 84.6% gap after 300 s, no plan better than the min-cost one).  Fixing the columns the budget
excludes closes it: the same step is proven optimal in about 4 s.

Both tests are valid lower bounds on the expected cost of every plan, so a fixing never removes a plan
that fits the budget:

- reduced cost: with z the min-cost LP optimum and d_j the reduced cost of integer column j at its lower
  bound l_j in that LP, every plan has ``cost >= z + d_j (x_j - l_j)`` (LP duality); so x_j <= l_j +
  floor((budget - z) / d_j).  At the upper bound with d_j < 0, symmetrically.
- probing: for a binary j at 0 whose fixed cost could exceed the budget's slack (``z + c_j (1 - x*_j) >
  budget``; the others cannot be excluded by this test), the LP with x_j = 1 gives v_j; when v_j > budget
  (or that LP is infeasible) x_j = 0 in every plan within the budget.

The LP and the probes are computed once per HiGHS instance (they do not depend on the budget); each budget
then only compares.  A margin of 1e-7 of the budget (and 1e-6 USD) keeps the solver's tolerances on the
safe side.  The probes stop when the run's time budget is half spent (a probe is an LP: about 2 s on the
default case).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import highspy
import numpy as np

from corridor.formulation.spec import INF, LinearSpec
from corridor.solve import runtime
from corridor.solve.budget import TimeBudget
from corridor.solve.start import copy_model

MAX_PROBES = 60  # the probes of one instance, at most (largest fixed cost first)


@dataclass
class BudgetFixing:
    """What the min-cost LP relaxation proves about the integer columns (see the module docstring)."""

    lp_cost: float | None = None  # z: the min-cost LP optimum (None: not computed or not optimal)
    cols: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))  # integer columns
    lb: np.ndarray = field(default_factory=lambda: np.zeros(0))
    ub: np.ndarray = field(default_factory=lambda: np.zeros(0))
    reduced: np.ndarray = field(default_factory=lambda: np.zeros(0))  # d_j at the LP optimum
    value: np.ndarray = field(default_factory=lambda: np.zeros(0))  # x*_j at the LP optimum
    probed: dict = field(default_factory=dict)  # column -> LP cost with it at 1 (inf: that LP is infeasible)

    def bounds_within(self, budget: float) -> dict:
        """{column: (lo, hi)} for the integer columns whose bounds ``budget`` tightens."""
        out: dict = {}
        z = self.lp_cost
        if z is None:
            return out
        slack = budget + margin(budget) - z
        if slack < 0:  # no plan fits the budget at all; the step's own solve says so
            return out
        for j, lo, hi, d in zip(self.cols.tolist(), self.lb.tolist(), self.ub.tolist(), self.reduced.tolist()):
            new_lo, new_hi = lo, hi
            if abs(d) > 1e-9 and slack / abs(d) < hi - lo:  # the reduced cost allows less than the range
                if d > 0:
                    new_hi = lo + math.floor(slack / d)
                else:
                    new_lo = hi - math.floor(slack / -d)
            v = self.probed.get(j)
            if v is not None and v > budget + margin(budget) and lo == 0.0:
                new_hi = 0.0
            if (new_lo, new_hi) != (lo, hi):
                out[j] = (new_lo, new_hi)
        return out


def margin(budget: float) -> float:
    """The room left for the solver's tolerances when a bound is compared with ``budget`` (USD)."""
    return 1e-6 + 1e-7 * abs(budget)


class BudgetFixer:
    """Budget fixing on one HiGHS instance ``h`` of ``spec`` (see the module docstring): the min-cost LP
    relaxation is solved once, each probe once; `bounds_for` gives the column bounds a budget implies.
    ``c_cost``/``offset``: the expected cost; ``free_rows``: rows left unbounded in those LPs (the budget and
    the metric cap)."""

    def __init__(self, h: highspy.Highs, spec: LinearSpec, c_cost: np.ndarray, offset: float, free_rows: list[int]):
        self.h, self.c_cost, self.offset, self.free_rows = h, c_cost, offset, free_rows
        self.n = spec.n_cols
        ints = spec.integer_columns()
        self.fixing = BudgetFixing(cols=ints)
        self.lb = np.frombuffer(spec.lb, dtype=np.float64)
        self.ub = np.frombuffer(spec.ub, dtype=np.float64)
        self.solved = False

    def bounds_for(self, budget: float, timer: TimeBudget) -> dict:
        """{column: (lo, hi)} that every plan with expected cost <= ``budget`` satisfies, tighter than the
        model's own; computing what is still missing within ``timer`` (the LP gets at most a quarter of what
        remains, the probes stop when half of it is spent).  ``h`` is not changed."""
        fx = self.fixing
        if not len(fx.cols):
            return {}
        if not self.solved or self._candidates(budget):
            self._relaxed(lambda lp: self._solve(lp, budget, timer))
        return fx.bounds_within(budget)

    def _relaxed(self, work):
        """Run ``work`` on a copy of ``h``'s model holding the min-cost LP relaxation (``h`` is not changed):
        interior point with crossover, whose basis gives the reduced costs (the simplex takes 20-90 s on the
        default case's models with the security rows, the interior point 2-5 s)."""
        h, ints = copy_model(self.h), self.fixing.cols
        h.changeColsCost(self.n, np.arange(self.n, dtype=np.int32), self.c_cost)
        h.changeObjectiveOffset(self.offset)
        for r in self.free_rows:
            h.changeRowBounds(r, -INF, INF)
        h.changeColsIntegrality(len(ints), ints, np.zeros(len(ints), dtype=np.uint8))
        h.setOptionValue("solver", "ipm")
        work(h)

    def _solve(self, h, budget, timer):
        fx = self.fixing
        left = timer.remaining()
        if not self.solved:
            self.solved = True
            runtime.set_time_limit(h, max(1.0, left / 4) if math.isfinite(left) else None)
            runtime.run(h)
            if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                return
            sol = h.getSolution()
            ints = fx.cols
            fx.lp_cost = h.getInfo().objective_function_value
            fx.lb, fx.ub = self.lb[ints].copy(), self.ub[ints].copy()
            fx.reduced = np.asarray(sol.col_dual)[ints]
            fx.value = np.asarray(sol.col_value)[ints]
        end = timer.elapsed() + (left / 2 if math.isfinite(left) else INF)
        for j in self._candidates(budget)[:MAX_PROBES - len(fx.probed)]:
            rest = end - timer.elapsed()
            if rest <= 0:
                break
            fx.probed[j] = _probe(h, j, 1.0, rest)

    def _candidates(self, budget):
        """Binaries at 0 in the LP, not yet probed, whose fixed cost could exceed ``budget``'s slack and whose
        reduced cost does not settle them: largest fixed cost first."""
        fx = self.fixing
        if fx.lp_cost is None or len(fx.probed) >= MAX_PROBES:
            return []
        z, top = fx.lp_cost, budget + margin(budget)
        out = []
        for j, lo, hi, x, d in zip(fx.cols.tolist(), fx.lb.tolist(), fx.ub.tolist(), fx.value.tolist(),
                                   fx.reduced.tolist()):
            c = float(self.c_cost[j])
            if lo == 0.0 and hi == 1.0 and c > 0 and j not in fx.probed and z + c * (1.0 - x) > top \
                    and not z + max(d, 0.0) > top:
                out.append((-c, j))
        return [j for _c, j in sorted(out)]


class CapFixer:
    """Cap fixing, the metric's side of budget fixing: binaries that every plan with metric <= cap has at 1.

    A step with a metric cap (the least cost at the metric a step proved: max_security's last step, a frontier
    point's second solve) has a weak LP relaxation for the same reason as the budgeted step: a plant the cap
    needs is opened a little in the LP and charged a little of its fixed cost (on the default case at +40%
    the least cost at the plant plan's metric took 50-100 s).  Probing on the metric's LP relaxation without
    the budget and cap rows, a relaxation of every step: a binary j of positive fixed cost, at 1 in the step's
    start, is set to 0; when that LP's least metric m_j exceeds the cap (or that LP is infeasible), x_j = 1 in
    every plan that meets the cap.  m_j does not depend on the cap, so each probe is solved once per instance
    (on a copy of the model, by interior point) and each cap only compares, with a margin of 1e-7 + 1e-6 of
    the cap for the solver's tolerances.  At most `MAX_CAP_PROBES` binaries per step (largest fixed cost
    first), within a quarter of the time that remains.

    The metric's LP without a binary fixed is solved first: a binary at 0 in its optimum has m_j equal to that
    optimum, below the cap, and is not probed; and each probe may take at most `CAP_PROBE_FACTOR` times that
    LP's time (plus a second).  A probe is then a cheap question or none: with the dependence metric, the LP
    with the Baotou contract closed took 117 s by interior point (67 s by dual simplex from the free LP's
    basis), against 3 s for the free LP, and a step spent 64 s on it before its MIP."""

    def __init__(self, h: highspy.Highs, spec: LinearSpec, c_metric: np.ndarray, offset: float, scale: float,
                 c_cost: np.ndarray, free_rows: list[int]):
        self.h, self.c_metric, self.offset, self.scale = h, c_metric, offset, scale
        self.c_cost, self.free_rows, self.n = c_cost, free_rows, spec.n_cols
        ints = self.ints = spec.integer_columns()
        lb, ub = np.frombuffer(spec.lb, dtype=np.float64), np.frombuffer(spec.ub, dtype=np.float64)
        self.binaries = [int(j) for j in ints if lb[j] == 0.0 and ub[j] == 1.0 and c_cost[j] > 0]
        self.probed: dict[int, float] = {}  # column -> least metric with it at 0 (inf: infeasible; -inf: stopped)
        self.free: tuple | None = None  # (the metric LP's optimum, its seconds, its column values); () failed

    def bounds_for(self, cap: float, start: np.ndarray | list | None, timer: TimeBudget) -> dict:
        """{column: (1, 1)} for the binaries that every plan with metric <= ``cap`` (a share) has at 1, probing
        what is still missing among those at 1 in ``start``.  ``h`` is not changed."""
        if start is not None:
            todo = sorted((j for j in self.binaries if start[j] > 0.5 and j not in self.probed),
                          key=lambda j: -self.c_cost[j])[:MAX_CAP_PROBES]
            if todo:
                self._probe(todo, timer)
        top = cap + 1e-7 + 1e-6 * abs(cap)
        return {j: (1.0, 1.0) for j, m in self.probed.items() if m > top}

    def _probe(self, todo, timer):
        left = timer.remaining()
        end = timer.elapsed() + (left / 4 if math.isfinite(left) else INF)
        lp = self._free_lp(end, timer)
        if lp is None:
            return
        m_free, seconds, x = self.free
        for j in todo:
            rest = min(end - timer.elapsed(), CAP_PROBE_FACTOR * seconds + 1.0)
            if x[j] <= 1e-9:  # already 0 at the free optimum: m_j is that optimum
                self.probed[j] = m_free
            elif rest > 0:
                self.probed[j] = _probe(lp, j, 0.0, rest) * self.scale

    def _free_lp(self, end, timer):
        """The copy of the model holding the metric's LP relaxation, solved once without a binary fixed (its
        optimum, seconds and plan in ``free``); None when that LP did not solve."""
        if self.free == ():
            return None
        lp = copy_model(self.h)
        lp.changeColsCost(self.n, np.arange(self.n, dtype=np.int32), self.c_metric / self.scale)
        lp.changeObjectiveOffset(self.offset / self.scale)
        for r in self.free_rows:
            lp.changeRowBounds(r, -INF, INF)
        ints = self.ints
        if len(ints):
            lp.changeColsIntegrality(len(ints), ints, np.zeros(len(ints), dtype=np.uint8))
        lp.setOptionValue("solver", "ipm")
        if self.free is None:
            t0 = timer.elapsed()
            runtime.set_time_limit(lp, max(end - t0, 1e-3))
            runtime.run(lp)
            if lp.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                self.free = ()
                return None
            self.free = (float(lp.getInfo().objective_function_value) * self.scale, timer.elapsed() - t0,
                         np.asarray(lp.getSolution().col_value))
        return lp


def _probe(h: highspy.Highs, j: int, at: float, seconds: float) -> float:
    """The optimum of ``h``'s LP with binary ``j`` fixed at ``at``, within ``seconds``: inf when that LP is
    infeasible, -inf when it stopped (no conclusion, and not tried again); ``j`` is back at [0, 1] after."""
    runtime.set_time_limit(h, seconds)
    h.changeColBounds(j, at, at)
    try:
        runtime.run(h)
        ms = h.getModelStatus()
        if ms == highspy.HighsModelStatus.kOptimal:
            return float(h.getInfo().objective_function_value)
        return INF if ms == highspy.HighsModelStatus.kInfeasible else -INF
    finally:
        h.changeColBounds(j, 0.0, 1.0)


MAX_CAP_PROBES = 3  # the cap probes of one step, at most (largest fixed cost first)
CAP_PROBE_FACTOR = 3.0  # a cap probe may take this many times the free metric LP's seconds (plus one)

__all__ = ["CAP_PROBE_FACTOR", "MAX_CAP_PROBES", "MAX_PROBES", "BudgetFixer", "BudgetFixing", "CapFixer", "margin"]
