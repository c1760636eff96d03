"""Supply security inside the optimizer: the security metrics as linear functions of the plan, the cost
budget, and the solve sequence of ``objective = max_security`` (see docs/security.md).

Notation: s scenario with probability pi_s; D the demand over the horizon (t, all markets); D_m a market's;
Q_s - sum Deliver[s,.] the scenario's shortfall (t); L_s = shortfall / D its share of demand.

- expected_shortfall:    sum_s pi_s L_s
- worst_case_shortfall:  WorstShortfall, with  Worst_Shortfall[s]:  L_s <= WorstShortfall
- cvar_shortfall:        CvarEta + 1/(1-alpha) sum_s pi_s CvarExcess[s],
                         Cvar_Excess[s]:  L_s - CvarEta <= CvarExcess[s]
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

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from corridor.formulation.families.horizon import route_horizon
from corridor.formulation.provenance import NONE, untag

if TYPE_CHECKING:
    from corridor.formulation.build import Formulation
    from corridor.formulation.case_data import CaseData


def demand_tonnes(d: CaseData) -> tuple[float, dict]:
    """(total demand over the horizon, {market: demand}) in tonnes."""
    per = defaultdict(float)
    for (m, _c, _e, _p), (q, _pen, _price) in d.demand.items():
        per[m] += q
    return sum(per.values()), dict(per)


def supply_countries(d: CaseData) -> set:
    """The countries the supply comes from (dependence on them is not a risk to measure)."""
    return {d.country[n] for (n, _c, _p) in d.supply}


def tokens(k: str) -> set:
    """What tonnes of tag ``k`` depend on: transit countries, processing country, '@corridor' (tracked tags)."""
    _c, _cc, pc, _eu, tc = untag(k)
    out = set() if tc == NONE else set(tc.split("+"))
    if pc != NONE:
        out.add(pc)
    return out


@dataclass
class SecurityRows:
    """Where the security rows sit in the spec: the metric's columns and constant, the Cost_Budget and
    Security_Cap row indices and the scales they are written in."""

    metric: str
    metric_cols: dict  # column -> coefficient of the metric (a share of demand, 0..1)
    metric_constant: float
    budget_row: int
    cap_row: int
    budget_scale: float = 1.0  # Cost_Budget row = expected cost / budget_scale
    metric_scale: float = 1.0  # Security_Cap row and the metric objective = metric / metric_scale
    notes: list = field(default_factory=list)
    # the plan's own value without the metric's auxiliary columns (`value_of`): (weight, {column: coef}, constant)
    # per scenario (L_s, worst case and CVaR) or per Dependence_Cap row (its share at risk)
    terms: list = field(default_factory=list)
    alpha: float = 0.9

    def value_of(self, x: Sequence[float]) -> float:
        """The metric of the plan ``x`` computed from its flows alone: the least value the metric's auxiliary
        columns (WorstShortfall, CvarEta/CvarExcess, MaxDependence) could take for these flows, never the
        value the solver left them at (a time-limited solve may leave them anywhere above it)."""
        if self.metric == "expected_shortfall":
            return float(self.metric_constant + sum(a * x[j] for j, a in self.metric_cols.items()))
        vals = [c0 + sum(a * x[j] for j, a in acc.items()) for _w, acc, c0 in self.terms]
        if self.metric == "cvar_shortfall":
            return cvar(vals, [w for w, _a, _c in self.terms], self.alpha)
        return max(vals, default=0.0)


def cvar(losses: Sequence[float], probs: Sequence[float], alpha: float) -> float:
    """CVaR_alpha of a discrete loss: min over eta of eta + E[(L - eta)+] / (1 - alpha) (eta at a loss value)."""
    return min(eta + sum(p * max(loss - eta, 0.0) for loss, p in zip(losses, probs)) / (1.0 - alpha)
               for eta in losses)


def _merge(acc, cols, coefs, w=1.0):
    for j, a in zip(cols, coefs):
        acc[j] = acc.get(j, 0.0) + a * w


def shortfall_share(v: Formulation, D: float) -> tuple[dict, float]:
    """Columns/coefficients and constant of L_s (the view's shortfall as a share of demand)."""
    acc, const = {}, 0.0
    for _key, (cols, coefs, c0) in v.expr("Shortfall").items():
        _merge(acc, cols, coefs, 1.0 / D)
        const += c0 / D
    return acc, const


def add_security(f: Formulation, settings: dict) -> SecurityRows:
    """Add the chosen metric's columns and rows, the Cost_Budget and Security_Cap rows, and the route contracts'
    horizon bound (`horizon.route_horizon`, per disruption scenario); return where the security rows are."""
    spec = f.spec
    for v in f.views.values():
        route_horizon(v, v.d)
    metric = settings.get("security_metric") or "expected_shortfall"
    views = list(f.views.values())
    D, per_market = demand_tonnes(f.d)
    D = D or 1.0
    mcols, mconst, terms = {}, 0.0, []
    alpha = settings.get("cvar_alpha", 0.9)
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
            terms.append((v.probability, acc, c0))
        mcols[w] = 1.0
    elif metric == "cvar_shortfall":
        eta = spec.add_vars("CvarEta", ["all"], ub=1.0, doc="value-at-risk of the shortfall share")["all"]
        ex = spec.add_vars("CvarExcess", [v.name for v in views], ub=1.0, doc="shortfall share above CvarEta")
        blk = spec.block("Cvar_Excess")
        for v in views:
            acc, c0 = shortfall_share(v, D)
            spec.add_row(blk, v.name, list(acc) + [eta, ex[v.name]], list(acc.values()) + [-1.0, -1.0], hi=-c0)
            terms.append((v.probability, acc, c0))
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
                terms.append((1.0, acc, 1.0))
        mcols[z] = 1.0
    else:
        raise ValueError(f"unknown security metric {metric}")
    cost = {}
    for cols, coefs in spec.costs.values():
        _merge(cost, cols, coefs)
    # the row in units of the geometric mean of its largest and smallest coefficient: money per tonne spans ~1e10
    # (a holding cost times a small probability against a route's fixed cost), so scaling by the largest would
    # push the smallest below the solver's 1e-9 matrix tolerance, and HiGHS would drop them
    mags = [abs(a) for a in cost.values() if a != 0.0]
    scale = math.sqrt(max(mags) * min(mags)) if mags else 1.0
    blk = spec.block("Cost_Budget")
    spec.add_row(blk, "expected_total_cost", list(cost), [a / scale for a in cost.values()])
    budget_row = spec.n_rows - 1
    mscale = max([1e-12] + [abs(a) for a in mcols.values()])  # the metric in units of its largest coefficient
    blk = spec.block("Security_Cap")
    spec.add_row(blk, metric, list(mcols), [a / mscale for a in mcols.values()])
    return SecurityRows(metric, mcols, mconst, budget_row, spec.n_rows - 1, scale, mscale, terms=terms, alpha=alpha)


