"""Investments (contract v2): capacity the model may decide to build, as model-ready data.

A unit of investment i decided in period a is in service in every period from a + lead_periods to the end of
the horizon (in a cyclic horizon: in every period, decided once, lead 0).  ``Build[i,a]`` (whole units, at
most ``max_units`` over all a) is the decision; the units in service in p are the sum of the earlier
decisions, ``InService[i,p] = sum_{a: a + lead <= p} Build[i,a]``, an expression of integers, so no big-M
links them.  What the units add enters the capacity rows of their target exactly (`added_terms`):

- leg l in period q:          capacity_t(i) * capacity factor(l, q) per unit in service in q;
- site process s in period p: capacity_t(i) * capacity factor(site, p), input tonnes;
- supply (n, c) in period p:  capacity_t(i) * capacity factor(supply n, p);
- storage (n, c):             capacity_t(i) tonnes of stock (no seasonality).

`prepare_investments` records, for the rest of the formulation, the most each target can ever hold (its base
capacity plus every unit of every investment on it) so that variable bounds and the route bounds U[r,p] stay
valid, and the base capacity the rows keep on their right-hand side.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from corridor.io.strategic import target_key

if TYPE_CHECKING:
    from corridor.formulation.case_data import CaseData

INF = float("inf")


@dataclass
class Investment:
    """One investments row, with its target resolved: ``kind`` leg/site/storage/supply and ``key`` the leg id,
    the process id or the (node, commodity) of the storage or supply row."""

    id: str
    kind: str
    key: object
    capacity_t: float
    max_units: int
    capex: float
    fixed_per_year: float
    lead: int
    earliest: int  # index of the first period a unit may be decided in
    payer: str
    group: str | None
    row: int
    decisions: list  # the periods a unit may be decided in (those whose units can serve before the end)


def prepare_investments(d: CaseData, rows: list) -> None:
    """Fill ``d.investments`` and ``d.invested`` ((kind, key) -> [investment ids]) from the investments rows."""
    periods, cyclic = d.periods, d.cal.cyclic
    n = len(periods)
    for r in rows:
        kind, key = target_key(r, d.inputs.tables)
        lead = 0 if cyclic else int(r.get("lead_periods") or 0)
        first = d.cal.index[r["earliest_period"]] if r.get("earliest_period") else 0
        if cyclic:
            decisions = [periods[0]] if first == 0 else []
        else:
            decisions = [periods[a] for a in range(first, n) if a + lead < n]
        inv = Investment(r["investment"], kind, key, float(r["capacity_t"]), int(r.get("max_units") or 0),
                         float(r.get("capex") or 0.0), float(r.get("fixed_cost_per_year") or 0.0), lead, first,
                         r.get("payer") or "", r.get("exclusive_group"), r["_row"], decisions)
        if inv.max_units <= 0 or inv.capacity_t <= 0:
            inv.decisions = []
        d.investments[inv.id] = inv
        d.invested[(kind, key)].append(inv.id)


def serving(d: CaseData, inv: Investment, a: str) -> range:
    """Indices of the periods a unit of ``inv`` decided in ``a`` is in service (to the end of the horizon)."""
    if d.cal.cyclic:
        return range(len(d.periods))
    return range(d.cal.index[a] + inv.lead, len(d.periods))


def most_added(d: CaseData, kind: str, key: object) -> float:
    """The most capacity every unit of every investment on the target can add (before seasonality)."""
    return sum(d.investments[i].capacity_t * d.investments[i].max_units
               for i in d.invested.get((kind, key), ()) if d.investments[i].decisions)


def added_terms(f: object, d: CaseData, kind: str, key: object, p: str, factor: float = 1.0) -> tuple:
    """Columns and coefficients of the capacity the units in service in ``p`` add to a target, times ``factor``
    (its capacity factor there): ``sum_i sum_{a serving p} capacity_t(i) * factor * Build[i,a]``."""
    build = f.col("Build")
    t = d.cal.index[p]
    cols, coefs = [], []
    for i in d.invested.get((kind, key), ()):
        inv = d.investments[i]
        for a in inv.decisions:
            if t in serving(d, inv, a):
                cols.append(build[(i, a)])
                coefs.append(inv.capacity_t * factor)
    return cols, coefs


def fixed_cost_of(d: CaseData, i: str, a: str) -> float:
    """The discounted fixed cost of one unit of investment ``i`` decided in ``a``: fixed_cost_per_year *
    days(p) / 365 * discount(p) over every period p it is in service."""
    inv = d.investments[i]
    if not inv.fixed_per_year:
        return 0.0
    cal, periods = d.cal, d.periods
    return sum(inv.fixed_per_year * cal.days[periods[t]] / 365.0 * cal.discount[periods[t]]
               for t in serving(d, inv, a))


def decision_keys(d: CaseData) -> list:
    """The (investment, decision period) pairs of ``Build``, in sheet and time order."""
    return [(i, a) for i, inv in d.investments.items() for a in inv.decisions]


def in_service(d: CaseData, x_build: dict) -> dict:
    """{(investment, period): units in service} from the decided units ``x_build`` {(investment, a): units}."""
    out = defaultdict(float)
    for (i, a), units in x_build.items():
        if units:
            for t in serving(d, d.investments[i], a):
                out[(i, d.periods[t])] += units
    return out


__all__ = ["Investment", "added_terms", "decision_keys", "fixed_cost_of", "in_service", "most_added",
           "prepare_investments", "serving"]
