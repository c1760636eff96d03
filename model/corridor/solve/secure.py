"""The solve sequence of ``objective = max_security`` on one HiGHS instance of the model with its security rows
(`corridor.formulation.families.security`): each step sets the objective (cost or metric), the budget and the
cap, warm-starts from earlier plans and re-solves.  Every step of a run shares one `TimeBudget` (``time_limit_s``
for the whole run, `corridor.solve.budget`).  The frontier's sweep over budgets is `corridor.solve.frontier`.
See docs/security.md.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import highspy
import numpy as np

from corridor.formulation.families.security import add_security
from corridor.formulation.spec import INF
from corridor.solve import runtime
from corridor.solve.budget import TimeBudget
from corridor.solve.fixing import BudgetFixer, CapFixer
from corridor.solve.highs import run_highs, to_highs
from corridor.solve.result import SolveResult, outcome
from corridor.solve.start import copy_model, relaxation_bound, reoptimised, rounded_up
from corridor.solve.steps import NOT_COMPUTED, Step, not_computed
from corridor.solve.untracked import plain_min_cost

if TYPE_CHECKING:
    from corridor.formulation.build import Formulation

DEFAULT_BUDGET_PCT = 10.0
FREE_TRY_FACTOR, FREE_TRY_MIN_S, FREE_TRY_NO_MIN_COST_S = 1.5, 10.0, 60.0  # the unbudgeted metric step's time
MIN_COST = "least cost (the min-cost optimum)"
FREE_METRIC = "least metric without the budget row"
METRIC = "least metric within the budget"
COST = "least cost at that metric within the budget"


class SecureSolver:
    """One HiGHS instance of the model with its security rows; each `run` sets the objective (cost or
    metric), the budget and the cap, warm-starts from the last plan and re-solves, within the run's
    `TimeBudget` (``timer``; default: ``time_limit_s`` of ``settings`` from now)."""

    def __init__(self, f: Formulation, settings: dict, tee: bool = False, timer: TimeBudget | None = None):
        self.timer = (timer or TimeBudget.of(settings)).start()
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
        self.lb = np.frombuffer(spec.lb, dtype=np.float64)
        self.ub = np.frombuffer(spec.ub, dtype=np.float64)
        self.fixer = BudgetFixer(self.h, spec, self.c_cost, self.cost_offset, [self.rows.budget_row,
                                                                             self.rows.cap_row])
        self.capper = CapFixer(self.h, spec, self.c_metric, self.rows.metric_constant, self.rows.metric_scale,
                               self.c_cost, [self.rows.budget_row, self.rows.cap_row])
        self.last_x = None
        self.solves = []
        self.steps: list[Step] = []

    def run(self, objective: str = "cost", budget: float | None = None, cap: float | None = None,
            seconds: float | None = None, name: str = "", starts: Sequence | None = None,
            bound: float | None = None, note: str = "") -> tuple[SolveResult | None, list | None]:
        """Minimise ``objective`` (cost or metric) with expected cost <= budget and metric <= cap (None: no
        bound), for at most ``seconds`` (default: all that remains of the time budget), started from the best
        of ``starts`` (plans found earlier; default: the last one) re-solved for this step.  ``bound``: a lower
        bound on this step's optimum proven elsewhere (else the LP relaxation's is computed); a start meeting it
        is optimal with no search.  ``note``: said on the step's line.  Returns (SolveResult, x); (None, None)
        when no time remains (the step is recorded as not computed)."""
        name = name or objective
        if self.timer.spent or (seconds is not None and seconds <= 0):
            self.steps.append(Step(name, objective, NOT_COMPUTED, note=f"{self.timer.describe()} was spent"))
            return None, None
        h, spec, rows = self.h, self.f.spec, self.rows
        fixed = self.fixer.bounds_for(budget, self.timer) if budget is not None else {}
        starts = [x for x in (starts if starts is not None else [self.last_x]) if x is not None]
        capped = self.capper.bounds_for(cap, starts[0] if starts else None, self.timer) if cap is not None else {}
        for j, (lo, hi) in capped.items():  # with the budget's: both hold for every plan the step allows
            a, b = fixed.get(j, (self.lb[j], self.ub[j]))
            if max(a, lo) <= min(b, hi):
                fixed[j] = (max(a, lo), min(b, hi))
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
        for j, (lo, hi) in fixed.items():
            h.changeColBounds(j, lo, hi)
        t0, proof = self.timer.elapsed(), None
        if starts:
            start_x, proof = self._start(c, off, fixed, seconds, starts, bound)
            h.setSolution(len(start_x), self.idx, np.asarray(start_x, dtype=np.float64))
        allot = self.timer.set_on(h, seconds)
        try:
            if proof is not None:  # the start meets the LP relaxation's bound: optimal, no search needed
                res = outcome("optimal", proof[2], True, proof[0], proof[1],
                              self.timer.elapsed() - t0)
                x = [float(v) for v in start_x]
            else:
                res, x = run_highs(h, spec)
        finally:
            for j in fixed:
                h.changeColBounds(j, spec.lb[j], spec.ub[j])
        if fixed:
            res.stats["budget_fixed_columns"] = len(fixed)
        if objective != "cost":  # back to the metric's own units
            for attr in ("objective", "bound"):
                if getattr(res, attr) is not None:
                    setattr(res, attr, getattr(res, attr) * rows.metric_scale)
        res.x = x
        if x is not None:
            self.last_x = x
        self.solves.append((objective, budget, cap, res.status, res.objective, res.seconds))
        n_cap = sum(1 for j in capped if j in fixed)
        note = "; ".join(n for n in (note, f"{len(fixed) - n_cap} integer columns fixed by the budget (LP bound)"
                                     if len(fixed) > n_cap else "",
                                     f"{n_cap} opened by the cap (LP probe)" if n_cap else "") if n)
        self.steps.append(Step(name, objective, res.status, res.objective, res.bound, res.gap, res.seconds, allot,
                               note))
        return res, x

    def _start(self, c, off, fixed, seconds, starts, known=None):
        """The step's start: of ``starts``, the best once each has its integer columns kept and the rest
        re-solved as an LP for this step (`start.reoptimised`); with (value, bound) when it meets ``known`` or
        else the LP relaxation's bound (within the MIP gap), so that it is proven optimal without a search.
        When none can be re-solved, the first of ``starts`` as it is."""
        lo, hi = self.lb.copy(), self.ub.copy()
        for j, (a, b) in fixed.items():
            lo[j], hi[j] = a, b
        left = self.timer.remaining() if seconds is None else min(seconds, self.timer.remaining())
        limit = min(left / (4 + len(starts)), 60.0) if math.isfinite(left) else 60.0
        best, value = None, math.inf
        for x0 in starts:
            x = reoptimised(self.h, self.f.spec, x0, lo, hi, limit)
            v = math.inf if x is None else float(np.dot(c, x) + off)
            if v < value:
                best, value = x, v
        if best is None:
            return starts[0], None
        bound = known if known is not None else relaxation_bound(self.h, self.f.spec, limit)
        gap = self.settings.get("mip_rel_gap")
        if bound is not None and value - bound <= max(1e-6, (1e-4 if gap is None else gap) * abs(value)):
            return best, (value, bound, "start at the LP relaxation's bound" if known is None else
                          "start at a bound proven before the step")
        return best, None

    def rounded_free(self, budget: float, seconds: float) -> tuple[bool | None, np.ndarray | None]:
        """(fits, plan): the design the unbudgeted metric leans towards, and whether the budget may afford it.  The
        LP relaxation of the least metric without the budget row (interior point on a copy of the model, within
        ``seconds``), its integer columns rounded up (`start.rounded_up`: a site opened a little is open):
        (False, None) when that design breaks a bound the budget implies (`fixing.BudgetFixer`: proven, so no
        plan with it fits the budget); else (True, that plan, a start whose flows the step re-solves); (None, None)
        when the LP did not finish (nothing is known)."""
        spec, rows = self.f.spec, self.rows
        integer = spec.integer_columns()
        if not len(integer) or seconds <= 0:
            return None, None
        lp = copy_model(self.h)
        lp.changeColsCost(spec.n_cols, self.idx, self.c_metric / rows.metric_scale)
        lp.changeObjectiveOffset(rows.metric_constant / rows.metric_scale)
        for r in (rows.budget_row, rows.cap_row):
            lp.changeRowBounds(r, -INF, INF)
        lp.changeColsIntegrality(len(integer), integer, np.zeros(len(integer), dtype=np.uint8))
        lp.setOptionValue("solver", "ipm")
        runtime.set_time_limit(lp, seconds)
        runtime.run(lp)
        if lp.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None, None
        x = rounded_up(spec, np.asarray(lp.getSolution().col_value))
        fixed = self.fixer.bounds_for(budget, self.timer)
        if any(not lo - 1e-9 <= x[j] <= hi + 1e-9 for j, (lo, hi) in fixed.items()):
            return False, None
        return True, x

    def cost_of(self, x: Sequence[float]) -> float:
        """Expected total cost of the plan ``x``."""
        return float(self.cost_offset + np.dot(self.c_cost, x))

    def metric_of(self, x: Sequence[float]) -> float:
        """The security metric of the plan ``x`` (a share of demand), from its flows: never the value a solve left
        the metric's own columns at (`SecurityRows.value_of`)."""
        return self.rows.value_of(x)

    def fits(self, x: Sequence[float], budget: float) -> bool:
        """True when the plan ``x`` costs no more than ``budget`` (to the solver's tolerance)."""
        return self.cost_of(x) <= budget + 1e-9 * max(1.0, abs(budget))


def budget_of(settings: dict, min_cost: float | None) -> float:
    """The cost budget of max_security: ``cost_budget``, else the min-cost optimum plus ``cost_budget_pct`` %
    (10 by default)."""
    if settings.get("cost_budget") is not None:
        return float(settings["cost_budget"])
    pct = settings.get("cost_budget_pct")
    pct = DEFAULT_BUDGET_PCT if pct is None else pct
    return min_cost + abs(min_cost) * pct / 100.0


def cap_at(value: float, loose: bool = False) -> float:
    """A cap that the plan achieving ``value`` meets, with room for the solver's tolerances."""
    return value + (1e-7 + 1e-6 * abs(value) if loose else 1e-9 + 1e-8 * abs(value))


def least_cost_at(ss: SecureSolver, level: float, budget: float | None = None,
                  seconds: Callable[[], float] | None = None,
                  name: str = "least cost at that metric") -> tuple[SolveResult | None, list | None]:
    """Least cost with the metric held at ``level`` (a tighter cap first, a looser one if that fails).
    ``seconds``: a callable giving the time for each try (None: all that remains)."""
    res, x = ss.run("cost", budget=budget, cap=cap_at(level), seconds=seconds() if seconds else None, name=name)
    if res is not None and not res.has_plan and res.status != "time_limit_no_plan":
        res, x = ss.run("cost", budget=budget, cap=cap_at(level, loose=True), seconds=seconds() if seconds else None,
                        name=name + " (looser cap)")
    return res, x


class _Plans:
    """The plans a max_security run found within the budget, each with the step that gave it, and what the
    metric steps proved: a bound on the least metric within the budget, and the optimum when one was proven."""

    def __init__(self, ss: SecureSolver):
        self.ss, self.found, self.bound, self.optimum = ss, [], None, None

    def add(self, x, step: SolveResult, name: str, budget: float, within: bool = False) -> None:
        """Keep the plan ``x`` of ``step`` if it fits the budget (``within``: it was solved within it)."""
        if x is not None and (within or self.ss.fits(x, budget)):
            self.found.append((x, step, name))

    def learn(self, res: SolveResult | None) -> None:
        """What a metric step proved: its bound (valid within the budget: the unbudgeted problem is a
        relaxation) and, when optimal, its optimum."""
        if res is None:
            return
        if res.bound is not None:
            self.bound = res.bound if self.bound is None else max(self.bound, res.bound)
        if res.status == "optimal" and res.objective is not None:
            self.optimum = res.objective if self.optimum is None else max(self.optimum, res.objective)

    def best(self):
        """(x, step result, step name) of the least metric, then the least cost; None when there is none."""
        if not self.found:
            return None
        ss = self.ss
        m = min(ss.metric_of(x) for x, _s, _n in self.found)
        tied = [p for p in self.found if ss.metric_of(p[0]) <= cap_at(m, loose=True)]
        c = min(ss.cost_of(p[0]) for p in tied)
        tied = [p for p in tied if ss.cost_of(p[0]) <= c + 1e-9 * max(1.0, abs(c))]
        # equal plans: the one a proven least-cost step gave (it proves the cost at that metric)
        return min(reversed(tied), key=lambda p: (not (p[2] in LEVEL_OF.values() and p[1].status == "optimal"),
                                                  ss.cost_of(p[0])))  # the latest of equal plans


def solve_secure(f: Formulation, settings: dict, tee: bool = False,
                 timer: TimeBudget | None = None) -> tuple[SolveResult, dict]:
    """``objective = max_security`` within the time budget ``timer`` (each step gets all that remains):

    (1) the min-cost optimum C* when the budget is relative; (2) the least metric with expected cost <= budget,
    started from the min-cost plan, with the integer columns the budget rules out fixed (`fixing.BudgetFixer`:
    proven from the min-cost LP relaxation, so no plan within the budget is lost); (3) the least cost at that
    metric within the budget, unless the min-cost plan already reaches it (then nothing costs less: it is the
    lexicographic optimum).  The plan kept is the least metric, then the least cost, of the plans found within
    the budget; when a step stopped, the result says which, with that step's own gap (docs/security.md).
    Returns (SolveResult of that plan, info)."""
    ss = SecureSolver(f, settings, tee, timer)
    info = {"security_metric": ss.rows.metric, "cost_budget": None, "min_cost": None}
    plans = _Plans(ss)
    min_cost, first = None, None
    if settings.get("cost_budget") is None:
        first, x = _min_cost(ss)
        if first is None or not first.has_plan:
            return _no_plan(ss, first, info, "the min-cost step found no plan"), info
        min_cost = info["min_cost"] = first.objective
    budget = info["cost_budget"] = budget_of(settings, min_cost)
    if first is not None:
        plans.add(first.x, first, MIN_COST, budget)
    # a relaxation (its bound holds within the budget) and a source of routes and sites for the budgeted step's
    # start: worth a try, not a wait, so it gets 1.5 times the min-cost solve (at least 10 s; 60 s without one),
    # and only when the design its LP relaxation leans towards, rounded up, fits the budget (else its plan would
    # most likely not fit either: the budgeted step alone decides)
    try_s = max(FREE_TRY_MIN_S, FREE_TRY_FACTOR * first.seconds) if first is not None else FREE_TRY_NO_MIN_COST_S
    fits, xr = ss.rounded_free(budget, min(try_s, ss.timer.remaining()) / 2)
    free, xf = None, None
    if fits is not False:
        free, xf = ss.run("metric", name=FREE_METRIC, seconds=min(try_s, ss.timer.remaining()),
                          starts=None if xr is None else [xr])
        plans.learn(free)
    else:
        info["free_metric_step"] = ("not solved: the design of its LP relaxation, rounded up, breaks a bound the "
                                    "budget implies (budget fixing)")
    if free is not None and free.has_plan:
        plans.add(xf, free, FREE_METRIC, budget)
    if free is not None and free.status == "optimal" and plans.found and ss.fits(xf, budget):
        sec, x = free, xf  # the least metric without the budget fits it: the least within it
    else:  # started from the min-cost plan and from the unbudgeted plan's routes and sites, within the budget
        sec, x = ss.run("metric", budget=budget, name=METRIC, starts=[first.x if first else None,
                                                                     xf if xf is not None else xr])
    if sec is not None and sec.status == "infeasible" and not plans.found:
        if min_cost is None and not ss.timer.spent:
            low, _ = ss.run("cost", name=MIN_COST)
            min_cost = info["min_cost"] = low.objective if low is not None and low.has_plan else None
        if min_cost is not None and budget < min_cost:
            sec.message = (f"the cost budget {budget:,.0f} is below the min-cost optimum {min_cost:,.0f}: no "
                           "plan meets it; raise cost_budget or use cost_budget_pct")
        _finish(ss, info, None, plans)
        return sec, info
    plans.learn(sec)
    if sec is not None and sec.has_plan:
        plans.add(x, sec, METRIC, budget, within=True)
        reached = first is not None and plans.optimum is not None and ss.metric_of(first.x) <= cap_at(plans.optimum,
                                                                                                       loose=True)
        if not reached:
            lvl, x2 = least_cost_at(ss, ss.metric_of(x), budget, name=COST)
            if lvl is not None and lvl.has_plan:
                plans.add(x2, lvl, COST, budget, within=True)
    best = plans.best()
    if best is None:  # the metric step's own ending, or: no time remained for one
        return _no_plan(ss, sec, info, "no plan within the cost budget was found"), info
    return _result(ss, info, best, plans, first), info


def _min_cost(ss):
    """The min-cost step; for a model that tracks what cost does not need (max_dependence), solved on the plain
    model first and proven on this one by the plain model's bound (`untracked.plain_min_cost`)."""
    plain = plain_min_cost(ss.f, ss.settings, ss.timer)
    if plain is None:
        return ss.run("cost", name=MIN_COST)
    res, x0 = plain
    proven = res.status == "optimal" and res.bound is not None
    return ss.run("cost", name=MIN_COST, starts=[x0], bound=res.bound if proven else None,
                  note=f"solved on the model without dependence tags ({res.status}, {res.seconds:.2f} s), its plan "
                       "re-solved here" + (" and proven by its bound" if proven else ""))


def _no_plan(ss, res, info, what):
    """The result of a run that ends without a plan (a step stopped before it found one, or no time remained)."""
    _finish(ss, info, None, None)
    if res is not None and not res.has_plan:
        return res
    stopped = next((s for s in ss.steps if s.status != "optimal"), None)
    out = not_computed(f"{what} before {ss.timer.describe()} was spent" + (f" ({stopped.line()})" if stopped else ""))
    out.status, out.termination = "time_limit_no_plan", "time limit"
    return out


LEVEL_OF = {MIN_COST: MIN_COST, FREE_METRIC: COST, METRIC: COST, COST: COST}
STOPPED = ("time_limit_with_plan", "time_limit_no_plan", "stopped_with_plan", "error")


def _result(ss, info, best, plans, first):
    """The SolveResult of the plan kept: proven only when every step it rests on is; otherwise the step that
    stopped (or was not computed) where the proof fails, the gap of what is not proven and what was not
    computed are said (message, ``info``)."""
    x, step, source = best
    metric = ss.metric_of(x)
    metric_proven = plans.optimum is not None and metric <= cap_at(plans.optimum, loose=True)
    cost_step = source in (MIN_COST, COST)
    cost_proven = step.status == "optimal" and (source == COST or (source == MIN_COST and metric_proven))
    res = SolveResult(step.status, step.termination, True, False, step.objective if cost_step else ss.cost_of(x),
                      step.bound if cost_step else None, step.gap if cost_step else None, step.seconds,
                      step.message, dict(step.stats), x, list(step.warnings))
    gap = None
    if plans.bound is not None:
        gap = 0.0 if metric <= plans.bound else (metric - plans.bound) / max(1e-10, abs(metric))
    info.update(metric_value=metric, metric_bound=plans.bound, metric_gap=0.0 if metric_proven else gap,
                metric_proven=metric_proven, plan_from=source)
    if not metric_proven:
        key = [s for s in ss.steps if s.objective == "metric"]
        res.gap, res.bound = gap, None
        why = (f"the plan is NOT proven the most secure within the budget: its {ss.rows.metric} is {metric:.6g}, "
               f"the best bound {_g(plans.bound)} (gap {_pct(gap)})")
        if source == MIN_COST:
            why += "; no step found a more secure plan within the budget: this is the min-cost plan"
    elif not cost_proven:
        key = [s for s in ss.steps if s.name.startswith(LEVEL_OF[source])]
        if not (cost_step and step.status != "optimal"):
            res.gap, res.bound = None, None
        why = (f"the plan is the most secure within the budget ({ss.rows.metric} {metric:.6g}, proven), but its "
               f"cost is NOT proven the least at that metric (gap {_pct(res.gap)})")
    elif first is not None and first.status != "optimal":
        key = [ss.steps[0]]
        res.gap, res.bound = first.gap, None
        why = (f"the cost budget rests on a min-cost plan NOT proven optimal (gap {_pct(first.gap)}): the plan is "
               "the most secure within that budget")
    else:
        key = []
    stopped = (next((s for s in reversed(key) if s.status in STOPPED), None)
               or next((s for s in reversed(key) if s.status != "optimal"), None) or (key[-1] if key else None))
    if stopped is None:
        res.status, res.proven_optimal = "optimal", True
    else:
        timed = any(s.status in ("time_limit_with_plan", "time_limit_no_plan", NOT_COMPUTED) for s in ss.steps)
        res.status, res.proven_optimal = ("time_limit_with_plan" if timed else "stopped_with_plan"), False
        others = [f"'{s.name}' stopped ({s.status}, gap {_pct(s.gap)})" for s in ss.steps if s.status in STOPPED]
        skipped = [s.name for s in ss.steps if s.status == NOT_COMPUTED]
        res.message = f"{why}. Stopped: " + ("; ".join(others) or "none")
        if skipped:
            res.message += f"; not computed ({ss.timer.describe()} was spent): " + "; ".join(skipped)
        info["stopped_step"] = stopped.line()
    info["sequence"] = {MIN_COST: ("the min-cost plan: the most secure within the budget" if metric_proven else
                                   "the min-cost plan: no step found a more secure plan within the budget"),
                        FREE_METRIC: "metric without the budget row: within the budget",
                        METRIC: "metric within the budget", COST: "metric within the budget, then the least cost at it"
                        }[source]
    _finish(ss, info, res, plans)
    return res


def _finish(ss, info, res, plans):
    info["steps"] = [s.line() for s in ss.steps]
    info["not_computed"] = [s.name for s in ss.steps if s.status == NOT_COMPUTED]
    info["solves"] = ss.solves
    if res is not None:
        res.stats["security_solves"] = ss.solves


def _g(v):
    return "unknown" if v is None else f"{v:.6g}"


def _pct(gap):
    return "unknown" if gap is None else f"{100 * gap:.4g}%"


__all__ = ["COST", "FREE_METRIC", "METRIC", "MIN_COST", "SecureSolver", "budget_of", "cap_at", "least_cost_at",
           "solve_secure"]
