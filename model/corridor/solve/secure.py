"""The solve sequence of ``objective = max_security`` and of the cost-security frontier, on one HiGHS instance
of the model with its security rows (`corridor.formulation.families.security`): each step sets the objective
(cost or metric), the budget and the cap, warm-starts from the last plan and re-solves.  See
docs/security.md.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from corridor.formulation.families.security import add_security
from corridor.formulation.spec import INF
from corridor.solve.highs import run_highs, to_highs

if TYPE_CHECKING:
    from corridor.formulation.build import Formulation
    from corridor.solve.result import SolveResult

DEFAULT_BUDGET_PCT = 10.0


class SecureSolver:
    """One HiGHS instance of the model with its security rows; each `run` sets the objective (cost or
    metric), the budget and the cap, warm-starts from the last plan and re-solves."""

    def __init__(self, f: Formulation, settings: dict, tee: bool = False):

        self.f, self.settings = f, settings
        self.rows = add_security(f, settings)
        spec = f.spec
        self.h = to_highs(spec, settings, tee)
        n = spec.n_cols
        self.c_cost = np.zeros(n)
        for cols, coefs in spec.costs.values():
            np.add.at(self.c_cost, np.frombuffer(cols, dtype=np.int32), np.frombuffer(coefs, dtype=np.float64))
        self.cost_offset = sum(spec.cost_constants.values())
        self.c_metric = np.zeros(n)
        for j, a in self.rows.metric_cols.items():
            self.c_metric[j] = a
        self.idx = np.arange(n, dtype=np.int32)
        self.last_x = None
        self.solves = []

    def run(self, objective: str = "cost", budget: float | None = None,
            cap: float | None = None) -> tuple[SolveResult, list | None]:
        """Minimise ``objective`` (cost or metric) with expected cost <= budget and metric <= cap (None: no
        bound).  Returns (SolveResult, x)."""
        h, spec, rows = self.h, self.f.spec, self.rows
        if objective == "cost":
            c, off = self.c_cost, self.cost_offset
        else:  # solved in scaled units (tiny shares of demand would sit at the solver's tolerances)
            c, off = self.c_metric / rows.metric_scale, rows.metric_constant / rows.metric_scale
        h.changeColsCost(len(c), self.idx, c)
        h.changeObjectiveOffset(off)
        h.changeRowBounds(rows.budget_row, -INF,
                          INF if budget is None else (budget - self.cost_offset) / rows.budget_scale)
        h.changeRowBounds(rows.cap_row, -INF,
                          INF if cap is None else (cap - rows.metric_constant) / rows.metric_scale)
        if self.last_x is not None:
            h.setSolution(len(self.last_x), self.idx, np.asarray(self.last_x, dtype=np.float64))
        res, x = run_highs(h, spec)
        if objective != "cost":  # back to the metric's own units
            for attr in ("objective", "bound"):
                if getattr(res, attr) is not None:
                    setattr(res, attr, getattr(res, attr) * rows.metric_scale)
        res.x = x
        if x is not None:
            self.last_x = x
        self.solves.append((objective, budget, cap, res.status, res.objective, res.seconds))
        return res, x

    def cost_of(self, x: Sequence[float]) -> float:
        """Expected total cost of the plan ``x``."""
        return float(self.cost_offset + np.dot(self.c_cost, x))

    def metric_of(self, x: Sequence[float]) -> float:
        """The security metric's value for the plan ``x`` (a share of demand)."""
        return float(self.rows.metric_constant + np.dot(self.c_metric, x))


def budget_of(settings: dict, min_cost: float | None) -> float:
    """The cost budget of max_security: ``cost_budget``, else the min-cost optimum plus ``cost_budget_pct`` %
    (10 by default)."""
    if settings.get("cost_budget") is not None:
        return float(settings["cost_budget"])
    pct = settings.get("cost_budget_pct")
    pct = DEFAULT_BUDGET_PCT if pct is None else pct
    return min_cost + abs(min_cost) * pct / 100.0


def _cap(value, loose=False):
    """A cap that the plan achieving ``value`` meets, with room for the solver's tolerances."""
    return value + (1e-7 + 1e-6 * abs(value) if loose else 1e-9 + 1e-8 * abs(value))


def _at_level(ss, level, budget=None):
    """Least cost with the metric held at ``level`` (a tighter cap first, a looser one if that fails)."""
    res, x = ss.run("cost", budget=budget, cap=_cap(level))
    if not res.has_plan:
        res, x = ss.run("cost", budget=budget, cap=_cap(level, loose=True))
    return res, x


def _worst(results):
    order = ("error", "time_limit_no_plan", "infeasible", "unbounded", "stopped_with_plan", "time_limit_with_plan",
             "optimal")
    return min(results, key=lambda r: order.index(r.status) if r.status in order else 0)


def _unbudgeted(ss, budget):
    """The least metric without the budget row, then the least cost at that metric: when that plan costs no more
    than ``budget`` it is exactly the lexicographic optimum (no plan within the budget has a smaller metric, and
    none at that metric costs less), found without the dense budget row in either solve.  Returns (metric
    step, final step, x) or None (not proven, or over the budget: the budgeted sequence follows)."""
    free, x = ss.run("metric")
    if free.status != "optimal" or x is None:
        return None
    final, x2 = _at_level(ss, ss.metric_of(x))
    if final.status != "optimal" or x2 is None or ss.cost_of(x2) > budget + 1e-9 * max(1.0, abs(budget)):
        return None
    return free, final, x2


def solve_secure(f: Formulation, settings: dict, tee: bool = False) -> tuple[SolveResult, dict]:
    """``objective = max_security``: (1) the min-cost optimum C* when the budget is relative; (2) minimise the
    metric with expected cost <= budget; (3) minimise cost with the metric held at what (2) reached.
    Returns (SolveResult of the final plan, info dict)."""
    ss = SecureSolver(f, settings, tee)
    info = {"security_metric": ss.rows.metric, "cost_budget": None, "min_cost": None}
    min_cost = None
    if settings.get("cost_budget") is None:
        first, x = ss.run("cost")
        if not first.has_plan:
            return first, info
        min_cost = first.objective
        info["min_cost"] = min_cost
    budget = budget_of(settings, min_cost)
    info["cost_budget"] = budget
    quick = _unbudgeted(ss, budget)  # the least metric and its cheapest plan, if that plan fits the budget
    if quick is not None:
        sec, final, x2 = quick
        info["metric_optimum"] = info["metric_value"] = ss.metric_of(x2)
        info["metric_bound"] = sec.bound
        info["sequence"] = "metric without the budget row, then the least cost at it: within the budget"
        final.stats["security_solves"] = ss.solves
        info["solves"] = ss.solves
        return final, info
    info["sequence"] = "metric within the budget, then the least cost at it"
    sec, x = ss.run("metric", budget=budget)
    if not sec.has_plan:
        if min_cost is None:
            first, _ = ss.run("cost")
            min_cost = first.objective if first.has_plan else None
            info["min_cost"] = min_cost
        if sec.status == "infeasible" and min_cost is not None and budget < min_cost:
            sec.message = (f"the cost budget {budget:,.0f} is below the min-cost optimum {min_cost:,.0f}: no plan "
                           "meets it; raise cost_budget or use cost_budget_pct")
        return sec, info
    level = ss.metric_of(x)
    info["metric_optimum"] = level
    info["metric_bound"] = sec.bound
    final, x2 = _at_level(ss, level, budget)
    if not final.has_plan:  # keep the plan of step (2)
        final, x2 = sec, x
        final.objective = ss.cost_of(x)
    worst = _worst([sec, final])
    if worst.status != "optimal" and final.status == "optimal":
        final.status, final.proven_optimal = worst.status, False
        final.message = f"security step: {worst.message}"
    final.stats["security_solves"] = ss.solves
    info["metric_value"] = ss.metric_of(x2)
    info["solves"] = ss.solves
    return final, info


def frontier_plans(f: Formulation, settings: dict, points: int = 5, tee: bool = False) -> tuple[SecureSolver, list]:
    """Epsilon-constraint sweep from the min-cost plan to the most secure plan (the least metric, at the least
    cost that reaches it): ``points`` budgets evenly spaced between their costs; at each inner budget, minimise
    the metric within the budget, then the cost at that metric.
    Returns [(budget, SolveResult, x)] in order of rising budget."""
    ss = SecureSolver(f, settings, tee)
    out = []
    first, x = ss.run("cost")
    if not first.has_plan:
        return ss, [(None, first, None)]
    c0, lo, x_lo = first.objective, first, x
    best, xb = ss.run("metric")
    if not best.has_plan:
        return ss, [(c0, lo, x_lo)]
    hi, x_hi = _at_level(ss, ss.metric_of(xb))
    c1 = hi.objective if hi.has_plan else ss.cost_of(xb)
    if not hi.has_plan:
        hi, x_hi = best, xb
    out.append((c0, lo, x_lo))
    n = max(2, points)
    for i in range(1, n - 1):
        b = c0 + (c1 - c0) * i / (n - 1)
        res, x = ss.run("metric", budget=b)
        if res.has_plan:
            res2, x2 = _at_level(ss, ss.metric_of(x), b)
            if res2.has_plan:
                res, x = res2, x2
        out.append((b, res, x))
    out.append((c1, hi, x_hi))
    return ss, out
