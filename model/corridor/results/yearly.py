"""The `costs_by_year` solution sheet of a multi-year plan (contract v2 `periods.year`): every cost line per
calendar year, nominal and in present value, so that a yearly figure (the price of independence per year, a
subsidy's yearly budget) can be read off and set against a reference.

A cost line is a sum of coefficients times columns (`corridor.formulation.spec.LinearSpec.costs`); the year of a
column is the year of the period in its key (the dispatch period of a shipment, the decision period of a build, the
period of a delivery or a stock).  A column whose key holds no period (costs "once over the horizon": route and
site fixed costs) counts in the first year, as the contract's discounting reading says.  Two lines are split by
period otherwise: the shortfall penalty's constant (penalty x quantity of every demand row, in the row's period)
and ``investment_fixed``, whose one coefficient per build covers every period in service (taken from the
`investments` sheet's nominal fixed cost per period).  The nominal amount is the present
value divided by the period's discount factor.  A leg charge is discounted with the period its tonnes enter the
leg but counted here in the shipment's dispatch year: the two differ only for tonnes dispatched in December that
enter a later leg in January.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from corridor.formulation.build import Formulation

COLUMNS = ["year", "cost", "nominal", "present_value"]


def column_periods(f: Formulation, periods: set) -> dict:
    """Column index -> the period id in its key (the first key element that is a period id), for every column
    whose key holds one."""
    out = {}
    for cols in f.spec.col.values():
        for key, j in cols.items():
            parts = key if isinstance(key, tuple) else (key,)
            p = next((k for k in parts if isinstance(k, str) and k in periods), None)
            if p is not None:
                out[j] = p
    return out


def costs_by_year(f: Formulation, x: Sequence[float], investments: pd.DataFrame | None = None) -> pd.DataFrame:
    """The ``costs_by_year`` sheet (`COLUMNS`: one row per year and cost line, then the year's ``total``); empty
    when the periods have no years.  ``investments``: the plan's `investments` sheet (its nominal fixed_cost per
    period splits the investment_fixed line)."""
    d = f.d
    cal = d.cal
    if not cal.years:
        return pd.DataFrame(columns=COLUMNS)
    spec, first = f.spec, cal.years[0]
    at = {y: i for i, y in enumerate(cal.years)}
    year_of = np.zeros(spec.n_cols, dtype=np.int64)  # index into cal.years; a column without a period: the first
    disc_of = np.ones(spec.n_cols)
    for j, p in column_periods(f, set(cal.discount)).items():
        if cal.year.get(p) is not None:
            year_of[j], disc_of[j] = at[cal.year[p]], cal.discount[p]
    xs = np.asarray([v or 0.0 for v in x], dtype=float)
    n = len(cal.years)
    pv, nominal = defaultdict(float), defaultdict(float)
    owed = defaultdict(float)  # the shortfall penalty's constant per period (present value)
    for key, (q, pen, _price) in d.demand.items():
        owed[key[3]] += q * pen * cal.discount[key[3]]
    total_owed = sum(owed.values())
    for line in spec.cost_order:
        if line == "investment_fixed" and investments is not None and len(investments):
            for p, fixed in zip(investments["period"], investments["fixed_cost"]):
                year = cal.year.get(p) or first
                nominal[(year, line)] += float(fixed or 0.0)
                pv[(year, line)] += float(fixed or 0.0) * cal.discount.get(p, 1.0)
            continue
        cols, coefs = spec.costs[line]
        cols = np.frombuffer(cols, dtype=np.int32)
        vals = np.frombuffer(coefs, dtype=np.float64) * xs[cols]
        by_pv = np.bincount(year_of[cols], weights=vals, minlength=n)
        by_nominal = np.bincount(year_of[cols], weights=vals / disc_of[cols], minlength=n)
        for i, year in enumerate(cal.years):
            pv[(year, line)] += float(by_pv[i])
            nominal[(year, line)] += float(by_nominal[i])
        const = spec.cost_constants.get(line, 0.0)
        if line == "shortfall_penalty" and const and total_owed:  # penalty x quantity, in each row's period
            for p, v in owed.items():
                share = const * v / total_owed
                pv[(cal.year[p], line)] += share
                nominal[(cal.year[p], line)] += share / cal.discount[p]
        else:
            pv[(first, line)] += const
            nominal[(first, line)] += const
    rows = []
    for year in cal.years:
        lines = [(line, nominal.get((year, line), 0.0), pv.get((year, line), 0.0)) for line in spec.cost_order]
        rows += [{"year": year, "cost": line, "nominal": n, "present_value": v} for line, n, v in lines]
        rows.append({"year": year, "cost": "total", "nominal": sum(n for _l, n, _v in lines),
                     "present_value": sum(v for _l, _n, v in lines)})
    return pd.DataFrame(rows, columns=COLUMNS)
