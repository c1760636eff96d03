"""Supply security inside the optimizer: the security metrics as linear functions of the plan, the cost
budget, and the solve sequence of ``objective = max_security`` (see docs/security.md).

Notation: s scenario with probability pi_s; D the demand over the horizon (t, all markets); D_m a market's;
Q_s - sum Deliver[s,.] the scenario's shortfall (t); L_s = shortfall / D its share of demand.

- expected_shortfall:    sum_s pi_s L_s
- worst_case_shortfall:  WorstShortfall, with  Worst_Shortfall[s]:  L_s <= WorstShortfall
- cvar_shortfall:        CvarEta + 1/(1-alpha) sum_s pi_s CvarExcess[s],  Cvar_Excess[s]:  L_s - CvarEta <= CvarExcess[s]
                         (Rockafellar-Uryasev; at the optimum it is the mean of the worst (1-alpha) tail of L)
- max_dependence:        MaxDependence, with
                         Dependence_Cap[m,x]:  1 - sum_s pi_s (Delivered[s,m] - T[s,m,x]) / D_m <= MaxDependence
                         the expected share of market m's demand at risk from x: delivered through x, or not
                         delivered at all (so cutting deliveries never lowers it).  T[s,m,x]: tonnes delivered to m
                         whose chain crossed country x in transit, was processed in x, or left the producing
                         country by corridor x (tracked tags); x = '-' bounds the shortfall alone

Rows ``Cost_Budget``: expected total cost <= budget, and ``Security_Cap``: metric <= cap, are part of the
model with infinite bounds until a solve sets them; the objective vector is switched between cost and
metric on the same HiGHS instance, which keeps its basis and takes the previous plan as a start.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from .provenance import NONE, untag
from .spec import INF

DEFAULT_BUDGET_PCT = 10.0


def demand_tonnes(d):
    """(total demand over the horizon, {market: demand}) in tonnes."""
    per = defaultdict(float)
    for (m, _c, _e, _p), (q, _pen, _price) in d.demand.items():
        per[m] += q
    return sum(per.values()), dict(per)


def supply_countries(d):
    return {d.country[n] for (n, _c, _p) in d.supply}


def tokens(k) -> set:
    """What tonnes of tag ``k`` depend on: transit countries, processing country, '@corridor' (tracked tags)."""
    _c, _cc, pc, _eu, tc = untag(k)
    out = set() if tc == NONE else set(tc.split("+"))
    if pc != NONE:
        out.add(pc)
    return out


@dataclass
class SecurityRows:
    metric: str
    metric_cols: dict  # column -> coefficient of the metric (a share of demand, 0..1)
    metric_constant: float
    budget_row: int
    cap_row: int
    budget_scale: float = 1.0  # Cost_Budget row = expected cost / budget_scale
    metric_scale: float = 1.0  # Security_Cap row and the metric objective = metric / metric_scale
    notes: list = field(default_factory=list)


def _merge(acc, cols, coefs, w=1.0):
    for j, a in zip(cols, coefs):
        acc[j] = acc.get(j, 0.0) + a * w


def shortfall_share(v, D):
    """Columns/coefficients and constant of L_s (the view's shortfall as a share of demand)."""
    acc, const = {}, 0.0
    for _key, (cols, coefs, c0) in v.expr("Shortfall").items():
        _merge(acc, cols, coefs, 1.0 / D)
        const += c0 / D
    return acc, const


def add_security(f, settings) -> SecurityRows:
    """Add the chosen metric's columns and rows, the Cost_Budget and Security_Cap rows; return where they are."""
    spec = f.spec
    metric = settings.get("security_metric") or "expected_shortfall"
    views = list(f.views.values())
    D, per_market = demand_tonnes(f.d)
    D = D or 1.0
    mcols, mconst = {}, 0.0
    if metric == "expected_shortfall":
        for v in views:
            acc, c0 = shortfall_share(v, D)
            _merge(mcols, list(acc), list(acc.values()), v.probability)
            mconst += v.probability * c0
    elif metric == "worst_case_shortfall":
        w = spec.add_vars("WorstShortfall", ["all"], ub=1.0, doc="largest scenario shortfall share")["all"]
        blk = spec.block("Worst_Shortfall")
        for v in views:
            acc, c0 = shortfall_share(v, D)
            spec.add_row(blk, v.name, list(acc) + [w], list(acc.values()) + [-1.0], hi=-c0)
        mcols[w] = 1.0
    elif metric == "cvar_shortfall":
        alpha = settings.get("cvar_alpha", 0.9)
        eta = spec.add_vars("CvarEta", ["all"], ub=1.0, doc="value-at-risk of the shortfall share")["all"]
        ex = spec.add_vars("CvarExcess", [v.name for v in views], ub=1.0, doc="shortfall share above CvarEta")
        blk = spec.block("Cvar_Excess")
        for v in views:
            acc, c0 = shortfall_share(v, D)
            spec.add_row(blk, v.name, list(acc) + [eta, ex[v.name]], list(acc.values()) + [-1.0, -1.0], hi=-c0)
            mcols[ex[v.name]] = v.probability / (1.0 - alpha)
        mcols[eta] = 1.0
    elif metric == "max_dependence":
        z = spec.add_vars("MaxDependence", ["all"], ub=1.0, doc="largest expected dependence share")["all"]
        exclude = supply_countries(f.d)
        per_view = []
        seen = defaultdict(set)  # market -> tokens its tonnes can depend on
        for v in views:
            cols = defaultdict(list)  # market -> [(column, tokens)]
            for (mk, _c, _e, _p, k), j in v.col("Deliver").items():
                toks = tokens(k) - exclude - {f.d.country[mk]}
                cols[mk].append((j, toks))
                seen[mk] |= toks
            per_view.append((v.probability, cols))
        blk = spec.block("Dependence_Cap")
        for mk in sorted(per_market):
            for x in ["-"] + sorted(seen[mk]):  # '-': the market's expected shortfall alone
                acc = {}
                for p, cols in per_view:
                    for j, toks in cols.get(mk, ()):
                        if x not in toks:
                            acc[j] = acc.get(j, 0.0) - p / per_market[mk]
                spec.add_row(blk, (mk, x), list(acc) + [z], list(acc.values()) + [-1.0], hi=-1.0)
        mcols[z] = 1.0
    else:
        raise ValueError(f"unknown security metric {metric}")
    cost = {}
    for cols, coefs in spec.costs.values():
        _merge(cost, cols, coefs)
    scale = max([1.0] + [abs(a) for a in cost.values()])  # the row in units of its largest coefficient
    blk = spec.block("Cost_Budget")
    spec.add_row(blk, "expected_total_cost", list(cost), [a / scale for a in cost.values()])
    budget_row = spec.n_rows - 1
    mscale = max([1e-12] + [abs(a) for a in mcols.values()])  # the metric in units of its largest coefficient
    blk = spec.block("Security_Cap")
    spec.add_row(blk, metric, list(mcols), [a / mscale for a in mcols.values()])
    return SecurityRows(metric, mcols, mconst, budget_row, spec.n_rows - 1, scale, mscale)


class SecureSolver:
    """One HiGHS instance of the model with its security rows; each `run` sets the objective (cost or
    metric), the budget and the cap, warm-starts from the last plan and re-solves."""

    def __init__(self, f, settings, tee=False):
        from .highs_direct import to_highs

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

    def run(self, objective="cost", budget=None, cap=None):
        """Minimise ``objective`` (cost or metric) with expected cost <= budget and metric <= cap (None: no
        bound).  Returns (SolveResult, x)."""
        from .highs_direct import run_highs

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

    def cost_of(self, x):
        return float(self.cost_offset + np.dot(self.c_cost, x))

    def metric_of(self, x):
        return float(self.rows.metric_constant + np.dot(self.c_metric, x))


def budget_of(settings, min_cost):
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


def solve_secure(f, settings, tee=False):
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


def pareto(f, settings, points=5, tee=False):
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

