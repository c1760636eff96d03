"""Runnable (route, dispatch period) pairs: the calendar walk of each route's legs, their seasonal factors and
the bound, freight and handling of each pair (`route_periods`, called by `case_data.prepare`)."""
from __future__ import annotations

import math
from collections import defaultdict
from typing import TYPE_CHECKING

from corridor.formulation.investments import most_added

if TYPE_CHECKING:
    from corridor.formulation.case_data import CaseData

INF = math.inf


class RoutePeriod:
    """A runnable (route, dispatch period): arrival period, freight and handling per tonne, bound U[r,p]."""

    __slots__ = ("arrive", "freight", "handling", "bound")

    def __init__(self, arrive: str, freight: float, handling: float, bound: float):
        self.arrive, self.freight, self.handling, self.bound = arrive, freight, handling, bound


def route_periods(d: CaseData) -> None:
    """Fill ``d.ship``, ``d.leg_periods`` and ``d.leg_cap``: runnable (route, dispatch period) pairs with costs per
    tonne and the period each leg is used in.

    A route whose legs, route and corridor have no seasonality has the same costs and bound in every
    period; only the periods its legs fall in differ.  Calendar shifts are tabulated once per distance.
    """
    cal, se = d.cal, d.seasons
    tables = {}

    def table(days):  # days travelled -> [period reached, for each dispatch period]
        t = tables.get(days)
        if t is None:
            t = tables[days] = [cal.shift(p, days) for p in cal.periods]
        return t

    seasonal = se.targets
    periods = cal.periods
    leg_static = {leg: (INF if rec["capacity_t"] is None else rec["capacity_t"] + most_added(d, "leg", leg),
                        rec["cost_per_t"] or 0.0,
                        rec["handling_cost_per_t"] or 0.0, ("leg", leg) in seasonal) for leg, rec in d.legs.items()}
    at_keys = {}  # (leg, days before it) -> [(leg, period it is used in) for each dispatch period]: shared tuples

    def leg_keys(leg, before):
        got = at_keys.get((leg, before))
        if got is None:
            got = at_keys[(leg, before)] = [None if q is None else (leg, q) for q in table(before)]
        return got

    factors = {}  # (target type, target) -> ([capacity factor], [cost factor]) per period, seasonal ones only

    def factor(ttype, target):
        key = (ttype, target)
        got = factors.get(key)
        if got is None:
            got = factors[key] = ([se.cap_factor(ttype, target, p) for p in periods],
                                  [se.cost_factor(ttype, target, p) for p in periods])
        return got

    index = cal.index
    users_of = defaultdict(list)  # (leg, period it is used in) -> [(r, p)]: d.leg_periods, in first-use order
    ship = d.ship
    for r, route in d.routes.items():
        legs = [(leg,) + leg_static[leg] for leg in route.legs]
        keys = [leg_keys(leg, before) for leg, before in zip(route.legs, route.leg_days)]
        arrivals = table(route.total_days)
        flat = not any(x[4] for x in legs) and ("route", r) not in seasonal and ("corridor", route.corridor) \
            not in seasonal
        if flat:  # the same costs and bound in every period: only the periods its legs fall in differ
            bound0 = min([route.max_t] + [x[1] for x in legs])
            freight0, handling0 = sum(x[2] for x in legs), sum(x[3] for x in legs)
            if bound0 <= 0 or bound0 < route.min_t:
                continue
            for p, arrive, lqs in zip(periods, arrivals, zip(*keys)):
                if arrive is None:
                    continue  # open horizon: would arrive after the end, never delivered
                rp = (r, p)  # one tuple shared by d.ship and leg_periods
                ship[rp] = RoutePeriod(arrive, freight0, handling0, bound0)
                for lq in lqs:
                    users_of[lq].append(rp)
            continue
        f_route, f_corr = factor("route", r), factor("corridor", route.corridor)
        leg_f = [factor("leg", x[0]) if x[4] else None for x in legs]
        for i, p in enumerate(periods):
            arrive = arrivals[i]
            if arrive is None:
                continue
            f_cap = f_route[0][i] * f_corr[0][i]
            bound = route.max_t * f_cap if f_cap > 0 else 0.0
            freight = handling = 0.0
            for (_leg, cap0, cost, hand, _s), w, lf in zip(legs, keys, leg_f):
                if lf is None:
                    cap, c_f = cap0, 1.0
                else:
                    qi = index[w[i][1]]
                    cap = cap0 * lf[0][qi] if lf[0][qi] > 0 else 0.0
                    c_f = lf[1][qi]
                bound = min(bound, cap)
                freight += cost * c_f
                handling += hand * c_f
            if bound <= 0 or bound < route.min_t:
                continue
            f_cost = f_route[1][i] * f_corr[1][i]
            rp = (r, p)
            ship[rp] = RoutePeriod(arrive, freight * f_cost, handling * f_cost, bound)
            for w in keys:
                users_of[w[i]].append(rp)
    d.leg_periods.update(users_of)
    leg_cap = d.leg_cap  # a leg's effective capacity in a period depends on the leg and the period alone
    for lq in users_of:
        leg = lq[0]
        cap0, _cost, _hand, is_seasonal = leg_static[leg]
        if cap0 < INF:
            if is_seasonal:
                fc = factor("leg", leg)[0][index[lq[1]]]
                leg_cap[lq] = cap0 * fc if fc > 0 else 0.0
            else:
                leg_cap[lq] = cap0
