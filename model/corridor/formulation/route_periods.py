"""Runnable (route, dispatch period) pairs: the calendar walk of each route's legs, their seasonal factors and
the bound, freight and handling of each pair (`route_periods`, called by `case_data.prepare`).

The pairs are numbered once, in route order then period order (`RoutePeriod.id`, the position in
``CaseData.rp_keys``); which (leg, period) each of them uses is kept as arrays (`LegUses`), from which the
families read what they need with numpy and ``CaseData.leg_periods`` is built only when asked for.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
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


class RoutePeriods(Mapping):
    """``CaseData.ship``: (route, dispatch period) -> `RoutePeriod` of the runnable pairs, read from one list per
    attribute by route-period number (``index``); each `RoutePeriod` is made when asked for."""

    def __init__(self, index: dict, periods: list, arrive: list, freight: list, handling: list, bound: list):
        self.index, self.periods = index, periods
        self.arrive, self.freight, self.handling, self.bound = arrive, freight, handling, bound

    def __getitem__(self, key: tuple) -> RoutePeriod:
        i = self.index[key]
        return RoutePeriod(self.periods[self.arrive[i]], self.freight[i], self.handling[i], self.bound[i], i)

    def __contains__(self, key: object) -> bool:
        return key in self.index

    def __iter__(self) -> Iterator[tuple]:
        return iter(self.index)

    def __len__(self) -> int:
        return len(self.index)

    def drop(self, keys: Iterable[tuple]) -> None:
        """Leave the pairs ``keys`` out (their numbers and list entries stay)."""
        index = self.index
        for key in keys:
            del index[key]


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
    """Fill ``d.ship`` (`RoutePeriods`), ``d.rp_*``, ``d.leg_uses`` and ``d.leg_cap``: runnable (route, dispatch
    period) pairs with costs per tonne and the period each leg is used in.

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

    rp_keys, number = d.rp_keys, {}  # (r, p) of each route-period number; its number
    rp_route, rp_period, rp_arrive = [], [], []  # route number, dispatch and arrival period index of each
    freights, handlings, bounds = [], [], []  # per tonne; U[r,p]
    tab_no = {}  # days before a leg -> its row in `shift`; each route's legs (numbers) and their rows in it:
    routes = d.routes.values()
    route_legs = [leg_no[leg] for route in routes for leg in route.legs]
    route_tabs = [tab_no.setdefault(before, len(tab_no)) for route in routes for before in route.leg_days]
    n_legs = [len(route.legs) for route in routes]
    seasonal_legs = {leg for leg, x in leg_static.items() if x[3]}
    flats, varying = [], []  # each route: (legs, flat); the routes with seasonality
    for r, route in d.routes.items():
        legs = [(leg,) + leg_static[leg] for leg in route.legs]
        flat = seasonal_legs.isdisjoint(route.legs) and ("route", r) not in seasonal and \
            ("corridor", route.corridor) not in seasonal
        flats.append((legs, flat))
        if not flat:
            varying.append((r, route, legs))
    at_v, arrive_v, freight_v, handling_v, bound_v, count_v = _seasonal_pairs(varying, n_p, factor, table, limits)
    v = t = 0  # the next seasonal route and its first pair
    for ri, ((r, route), (legs, flat)) in enumerate(zip(d.routes.items(), flats)):
        if flat:  # the same costs and bound in every period: only the periods its legs fall in differ
            bound0 = min([route.max_t] + [x[1] for x in legs])
            freight0, handling0 = sum(x[2] for x in legs), sum(x[3] for x in legs)
            if bound0 <= 0 or bound0 < route.min_t or not legs:
                continue
            for x in limits[r]:  # bound0 = min(bound0, x), one limit after the other
                if x < bound0:
                    bound0 = x
            at, arrive = arrivals(route.total_days)  # open horizon: one arriving after the end is never made
            n = len(at)
            freights.extend([freight0] * n)
            handlings.extend([handling0] * n)
            bounds.extend([bound0] * n)
        else:
            n = count_v[v]
            at, arrive = at_v[t:t + n], arrive_v[t:t + n]
            freights.extend(freight_v[t:t + n])
            handlings.extend(handling_v[t:t + n])
            bounds.extend(bound_v[t:t + n])
            v, t = v + 1, t + n
        n0 = len(rp_keys)
        keys = [(r, periods[i]) for i in at]  # one tuple shared by d.ship and d.rp_keys
        rp_keys.extend(keys)
        number.update(zip(keys, range(n0, n0 + n)))
        rp_route.extend([ri] * n)
        rp_period.extend(at)
        rp_arrive.extend(arrive)
    d.rp_route, d.rp_period = np.array(rp_route, dtype=np.int64), np.array(rp_period, dtype=np.int64)
    d.rp_arrive = np.array(rp_arrive, dtype=np.int64)
    d.rp_bound = bounds
    d.ship = RoutePeriods(number, periods, rp_arrive, freights, handlings, bounds)
    _leg_uses(d, leg_static, factor, tab_no, np.array(route_legs, dtype=np.int64),
              np.array(route_tabs, dtype=np.int64), np.array(n_legs, dtype=np.int64))


def _seasonal_pairs(varying, n_p, factor, table, limits):
    """The runnable pairs of the routes ``varying`` (those with seasonality), all at once over a (route, period)
    grid, legs one after the other: ``(dispatch period index, arrival period index, freight, handling, bound)``
    of each, route by route in period order, and how many each route has.  Per pair (as for one without
    seasonality, with each factor in its period): bound = min(max_volume_t * route and corridor capacity factors
    (0 if not positive), each leg's capacity_t * its factor in the period the leg is used in (0 if not positive));
    it runs if it arrives, bound > 0 and bound >= min_volume_t; then cut to the route's limits; freight and
    handling = sum over legs of cost * cost factor, times the route and corridor cost factors."""
    if not varying:
        return [], [], [], [], [], []
    n_legs = max(len(legs) for _r, _route, legs in varying)
    fr, fc = [factor("route", r) for r, _route, _legs in varying], [factor("corridor", route.corridor)
                                                                    for _r, route, _legs in varying]
    with np.errstate(invalid="ignore", over="ignore"):
        f_cap = np.array([x[0] for x in fr]) * np.array([x[0] for x in fc])
        max_t = np.array([route.max_t for _r, route, _legs in varying])[:, None]
        bound = np.where(f_cap > 0, max_t * f_cap, 0.0)
        freight, handling = np.zeros(f_cap.shape), np.zeros(f_cap.shape)
        for j in range(n_legs):  # a route with fewer legs: no capacity, no cost
            legs = [legs[j] if j < len(legs) else (None, INF, 0.0, 0.0, False) for _r, _route, legs in varying]
            cap_f, cost_f = [], []
            for (_r, route, _l), (leg, _cap0, _cost, _hand, is_seasonal) in zip(varying, legs):
                if is_seasonal:
                    lf, qt = factor("leg", leg), table(route.leg_days[j])
                    cap_f.append([lf[0][q] for q in qt])
                    cost_f.append([lf[1][q] for q in qt])
                else:
                    cap_f.append([1.0] * n_p)
                    cost_f.append([1.0] * n_p)
            cap_f, cost_f = np.array(cap_f), np.array(cost_f)
            cap = np.where(cap_f > 0, np.array([x[1] for x in legs])[:, None] * cap_f, 0.0)
            bound = np.where(cap < bound, cap, bound)  # min(bound, cap)
            freight = freight + np.array([x[2] for x in legs])[:, None] * cost_f
            handling = handling + np.array([x[3] for x in legs])[:, None] * cost_f
    arrive = np.array([table(route.total_days) for _r, route, _legs in varying], dtype=np.int64)
    min_t = np.array([route.min_t for _r, route, _legs in varying])[:, None]
    run = (arrive >= 0) & ~((bound <= 0) | (bound < min_t))
    n_lims = max(len(limits[r]) for r, _route, _legs in varying)
    for j in range(n_lims):  # bound = min(bound, x), one limit after the other
        x = np.array([limits[r][j] if j < len(limits[r]) else INF for r, _route, _legs in varying])[:, None]
        bound = np.where(x < bound, x, bound)
    f_cost = np.array([x[1] for x in fr]) * np.array([x[1] for x in fc])
    freight, handling = freight * f_cost, handling * f_cost
    at = np.nonzero(run)[1]
    return (at.tolist(), arrive[run].tolist(), freight[run].tolist(), handling[run].tolist(), bound[run].tolist(),
            run.sum(axis=1).tolist())


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
    first_use = np.full(len(d.legs) * n_p, len(code), dtype=np.int64)  # each leg-period's first use
    np.minimum.at(first_use, code, np.arange(len(code), dtype=np.int64))
    used = np.flatnonzero(first_use < len(code))
    codes = used[np.argsort(first_use[used], kind="stable")]  # leg-periods numbered in first-use order
    rank = np.full(len(first_use), -1, dtype=np.int64)
    rank[codes] = np.arange(len(codes), dtype=np.int64)
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
    d.leg_uses = LegUses(legs, periods, codes, rank[code], use_rp, cap_lq)
