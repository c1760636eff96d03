"""Runnable (route, dispatch period) pairs: the calendar walk of each route's legs, their seasonal factors and
the bound, freight and handling of each pair (`route_periods`, called by `case_data.prepare`).

The pairs are numbered once, in route order then period order (`RoutePeriod.id`, the position in
``CaseData.rp_keys``); which (leg, period) each of them uses is kept as arrays (`LegUses`), from which the
families read what they need with numpy and ``CaseData.leg_periods`` is built only when asked for.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from corridor.formulation.investments import most_added

if TYPE_CHECKING:
    from corridor.formulation.case_data import CaseData

INF = math.inf


class RoutePeriod:
    """A runnable (route, dispatch period): arrival period, freight and handling per tonne, bound U[r,p], and its
    number ``id`` (its position in ``CaseData.rp_keys``)."""

    __slots__ = ("arrive", "freight", "handling", "bound", "id")

    def __init__(self, arrive: str, freight: float, handling: float, bound: float, id: int):  # noqa: A002
        self.arrive, self.freight, self.handling, self.bound, self.id = arrive, freight, handling, bound, id


class LegUses:
    """Which (leg, period) every route-period uses, as arrays: use i is route-period ``rp[i]`` on leg-period
    ``lq[i]`` (uses in route-period order, each route-period's legs in route order).  Leg-periods are numbered
    in first-use order; leg-period ``n`` is ``(legs[code[n] // n_periods], periods[code[n] % n_periods])``.
    ``cap_lq``: the number of each key of ``CaseData.leg_cap``, in its order."""

    def __init__(self, legs: list, periods: list, code: np.ndarray, lq: np.ndarray, rp: np.ndarray,
                 cap_lq: np.ndarray):
        self.legs, self.periods, self.code, self.lq, self.rp, self.cap_lq = legs, periods, code, lq, rp, cap_lq

    def key(self, n: int) -> tuple:
        """The (leg, period) of leg-period number ``n``."""
        leg, q = divmod(int(self.code[n]), len(self.periods))
        return (self.legs[leg], self.periods[q])

    def users(self, rp_keys: list) -> dict:
        """(leg, period) -> [(route, dispatch period) using it], in first-use order (``CaseData.leg_periods``)."""
        order = np.argsort(self.lq, kind="stable")
        counts = np.bincount(self.lq, minlength=len(self.code))
        ends = np.cumsum(counts).tolist()
        rps = [rp_keys[i] for i in self.rp[order].tolist()]
        out, start = {}, 0
        for n, end in enumerate(ends):
            out[self.key(n)] = rps[start:end]
            start = end
        return out


def route_periods(d: CaseData, limits: dict) -> None:
    """Fill ``d.ship``, ``d.rp_keys``, ``d.leg_uses`` and ``d.leg_cap``: runnable (route, dispatch period) pairs
    with costs per tonne and the period each leg is used in.

    A pair runs when its bound from the route's max_volume_t and its legs' capacities (with their seasonal
    factors) is positive and at least the route's min_volume_t; its bound U[r,p] is then cut to each of the
    route's ``limits`` in turn (`case_data._bounds`).  A route whose legs, route and corridor have no
    seasonality has the same costs and bound in every period; only the periods its legs fall in differ.
    Calendar shifts are tabulated once per distance.
    """
    cal, se = d.cal, d.seasons
    periods, index = cal.periods, cal.index
    n_p = len(periods)
    tables = {}  # days travelled -> [index of the period reached, -1 past the end, for each dispatch period]
    reach = {}  # days travelled -> ([dispatch periods with an arrival], [their arrival period ids])

    def table(days):
        t = tables.get(days)
        if t is None:
            t = tables[days] = [-1 if q is None else index[q] for q in (cal.shift(p, days) for p in periods)]
        return t

    def arrivals(days):
        got = reach.get(days)
        if got is None:
            t = table(days)
            got = reach[days] = ([i for i in range(n_p) if t[i] >= 0], [q for q in t if q >= 0])
        return got

    seasonal = se.targets
    leg_no = {leg: i for i, leg in enumerate(d.legs)}
    leg_static = {leg: (INF if rec["capacity_t"] is None else rec["capacity_t"] + most_added(d, "leg", leg),
                        rec["cost_per_t"] or 0.0,
                        rec["handling_cost_per_t"] or 0.0, ("leg", leg) in seasonal) for leg, rec in d.legs.items()}
    factors = {}  # (target type, target) -> ([capacity factor], [cost factor]) per period
    ones = ([1.0] * n_p, [1.0] * n_p)  # a target without seasonality

    def factor(ttype, target):
        key = (ttype, target)
        got = factors.get(key)
        if got is None:
            got = factors[key] = ones if key not in seasonal else (
                [se.cap_factor(ttype, target, p) for p in periods], [se.cost_factor(ttype, target, p) for p in periods])
        return got

    ship, rp_keys = d.ship, d.rp_keys
    rp_route, rp_period, rp_arrive = [], [], []  # route number, dispatch and arrival period index of each
    tab_no = {}  # days before a leg -> its row in `shift`
    route_legs, route_tabs, n_legs = [], [], []  # each route's legs (numbers) and their rows in `shift`
    for ri, (r, route) in enumerate(d.routes.items()):
        legs = [(leg,) + leg_static[leg] for leg in route.legs]
        route_legs.extend(leg_no[leg] for leg in route.legs)
        route_tabs.extend(tab_no.setdefault(before, len(tab_no)) for before in route.leg_days)
        n_legs.append(len(route.legs))
        flat = not any(x[4] for x in legs) and ("route", r) not in seasonal and ("corridor", route.corridor) \
            not in seasonal
        if flat:  # the same costs and bound in every period: only the periods its legs fall in differ
            bound0 = min([route.max_t] + [x[1] for x in legs])
            freight0, handling0 = sum(x[2] for x in legs), sum(x[3] for x in legs)
            if bound0 <= 0 or bound0 < route.min_t or not legs:
                continue
            for x in limits[r]:  # bound0 = min(bound0, x), one limit after the other
                if x < bound0:
                    bound0 = x
            at, arrive = arrivals(route.total_days)  # open horizon: one arriving after the end is never made
            n0 = len(rp_keys)
            keys = [(r, periods[i]) for i in at]  # one tuple shared by d.ship and d.rp_keys
            rp_keys.extend(keys)
            ship.update(zip(keys, [RoutePeriod(periods[a], freight0, handling0, bound0, n0 + i)
                                   for i, a in enumerate(arrive)]))
            rp_route.extend([ri] * len(at))
            rp_period.extend(at)
            rp_arrive.extend(arrive)
            continue
        f_route, f_corr = factor("route", r), factor("corridor", route.corridor)
        leg_f = [factor("leg", x[0]) if x[4] else None for x in legs]
        leg_q = [table(before) for before in route.leg_days]
        arrive_at = table(route.total_days)
        for i, p in enumerate(periods):
            if arrive_at[i] < 0:
                continue
            f_cap = f_route[0][i] * f_corr[0][i]
            bound = route.max_t * f_cap if f_cap > 0 else 0.0
            freight = handling = 0.0
            for (_leg, cap0, cost, hand, _s), qt, lf in zip(legs, leg_q, leg_f):
                if lf is None:
                    cap, c_f = cap0, 1.0
                else:
                    qi = qt[i]
                    cap = cap0 * lf[0][qi] if lf[0][qi] > 0 else 0.0
                    c_f = lf[1][qi]
                bound = min(bound, cap)
                freight += cost * c_f
                handling += hand * c_f
            if bound <= 0 or bound < route.min_t:
                continue
            for x in limits[r]:
                if x < bound:
                    bound = x
            f_cost = f_route[1][i] * f_corr[1][i]
            rp = (r, p)
            ship[rp] = RoutePeriod(periods[arrive_at[i]], freight * f_cost, handling * f_cost, bound, len(rp_keys))
            rp_keys.append(rp)
            rp_route.append(ri)
            rp_period.append(i)
            rp_arrive.append(arrive_at[i])
    d.rp_route, d.rp_period = np.array(rp_route, dtype=np.int64), np.array(rp_period, dtype=np.int64)
    d.rp_arrive = np.array(rp_arrive, dtype=np.int64)
    _leg_uses(d, leg_static, factor, tab_no, np.array(route_legs, dtype=np.int64),
              np.array(route_tabs, dtype=np.int64), np.array(n_legs, dtype=np.int64))


def _leg_uses(d, leg_static, factor, tab_no, route_legs, route_tabs, n_legs):
    """``d.leg_uses`` (every route-period's legs, each with the period it is used in) and ``d.leg_cap``."""
    cal, periods = d.cal, d.cal.periods
    n_p = len(periods)
    shift = np.full((max(len(tab_no), 1), n_p), -1, dtype=np.int64)  # row of `days before`: period used in
    for before, row in tab_no.items():
        shift[row] = [-1 if q is None else cal.index[q] for q in (cal.shift(p, before) for p in periods)]
    legs_per_rp = n_legs[d.rp_route]
    use_rp = np.repeat(np.arange(len(d.rp_keys), dtype=np.int64), legs_per_rp)
    first = np.zeros(len(n_legs) + 1, dtype=np.int64)
    np.cumsum(n_legs, out=first[1:])
    ends = np.cumsum(legs_per_rp)
    at = np.repeat(first[d.rp_route] - ends + legs_per_rp, legs_per_rp) + np.arange(int(ends[-1]) if len(ends) else 0)
    code = route_legs[at] * n_p + shift[route_tabs[at], d.rp_period[use_rp]]
    uniq, first_use, inverse = np.unique(code, return_index=True, return_inverse=True)
    order = np.argsort(first_use, kind="stable")  # leg-periods numbered in first-use order
    rank = np.empty(len(uniq), dtype=np.int64)
    rank[order] = np.arange(len(uniq), dtype=np.int64)
    codes = uniq[order]
    legs = list(d.legs)
    finite = np.array([leg_static[leg][0] < INF for leg in legs] or [False], dtype=bool)
    cap_lq = np.flatnonzero(finite[codes // n_p])  # the leg-periods of legs with a finite capacity
    leg_cap = d.leg_cap  # a leg's effective capacity in a period depends on the leg and the period alone
    for c in codes[cap_lq].tolist():
        li, qi = divmod(c, n_p)
        leg = legs[li]
        cap0, _cost, _hand, is_seasonal = leg_static[leg]
        if is_seasonal:
            fc = factor("leg", leg)[0][qi]
            leg_cap[(leg, periods[qi])] = cap0 * fc if fc > 0 else 0.0
        else:
            leg_cap[(leg, periods[qi])] = cap0
    d.leg_uses = LegUses(legs, periods, codes, rank[inverse.reshape(-1)], use_rp, cap_lq)
