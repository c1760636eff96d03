"""Constraint families of the physical network: supply, processing, routes, legs, balance, stock, demand.

Each function adds one family; its docstring gives the formula, the index set, where it applies and the
units.  Notation: n node, c commodity, k tag (commodity with provenance and end use, see
`provenance.py`), p period, r route, l leg, s site, m market, e end use.
"""
from __future__ import annotations

from collections import defaultdict

import pyomo.environ as pyo

from .provenance import untag


def _lin(terms):
    return pyo.quicksum(terms)


def supply_limits(m, d):
    """Supply_Capacity[n,c,p]:  sum_k Supply[n,k,p] <= capacity_t(n,c) * capacity_factor(supply n, p)   [t]

    Indexed over supply rows (node, commodity, period) with positive effective capacity.  With a single
    tag the bound sits on the variable itself and no row is added.
    """
    groups = defaultdict(list)
    for (n, k, p) in m.SUPPLY:
        groups[(n, untag(k)[0], p)].append(k)
    keys = sorted(key for key, ks in groups.items() if len(ks) > 1)
    m.Supply_Capacity = pyo.Constraint(
        keys, rule=lambda m, n, c, p: _lin(m.Supply[n, k, p] for k in groups[(n, c, p)]) <= d.supply[(n, c, p)][0])


def site_processing(m, d):
    """Site_Capacity[s,p]:  sum Process[s,.,.,p] <= capacity_t(s) * f(site s, p) * Open[s]      [t input]
    Site_Min_Throughput[s,p]:  sum Process[s,.,.,p] >= min(min_throughput_t, effective capacity) * Open[s]

    Indexed over (site, period) from ``available_from`` on where the effective capacity is positive.  For
    existing sites ``Open[s]`` is the constant 1.  Output tonnes are ``yield * Process`` (node balance).
    """
    arcs = defaultdict(list)
    for (s, ki, ko, p) in m.PROCESS:
        arcs[(s, p)].append((ki, ko))
    cand = set(m.CANDIDATE_SITES)

    def opened(s):
        return m.Open[s] if s in cand else 1

    cap_keys = sorted(key for key in arcs if key[0] in cand or len(arcs[key]) > 1)
    m.Site_Capacity = pyo.Constraint(cap_keys, rule=lambda m, s, p: _lin(
        m.Process[s, ki, ko, p] for ki, ko in arcs[(s, p)]) <= d.site_period[(s, p)][0] * opened(s))
    min_keys = sorted(key for key in arcs if d.site_period[key][2] > 0)
    m.Site_Min_Throughput = pyo.Constraint(min_keys, rule=lambda m, s, p: _lin(
        m.Process[s, ki, ko, p] for ki, ko in arcs[(s, p)]) >= d.site_period[(s, p)][2] * opened(s))
    unreachable = sorted(s for s in cand if not any(key[0] == s for key in arcs))
    for s in unreachable:  # a candidate that can receive nothing is never worth opening
        m.Open[s].fix(0)


def route_volumes(m, d):
    """Route activation and volumes, per (route, dispatch period) that can run:

    Route_Active[r,p]:       ShipTotal[r,p] <= U[r,p] * Active[r]              (routes with a fixed cost, or
                                                                                 counted by max_active_routes)
    Route_Period_Max[r,p]:   ShipTotal[r,p] <= U[r,p] * ActivePeriod[r,p]      (routes with min_volume_t > 0)
    Route_Period_Min[r,p]:   ShipTotal[r,p] >= min_volume_t * ActivePeriod[r,p]
    Route_Period_Link[r,p]:  ActivePeriod[r,p] <= Active[r]
    Route_Max_Volume[r,p]:   ShipTotal[r,p] <= U[r,p]                          (other routes carrying several
                                                                                 tags; one tag: the bound sits
                                                                                 on the variable)
    Every (r,p) thus has ShipTotal[r,p] <= U[r,p], which is what lets `leg_capacity` skip a leg whose users'
    bounds cannot exceed its capacity.

    ShipTotal[r,p] = sum_k Ship[r,k,p] in tonnes dispatched.  U[r,p] is the tightest bound the data gives:
    min(max_volume_t * route and corridor capacity factors, each leg's effective capacity in the period
    the leg is used, what the origin can send, what the destination can absorb) - see `data._bounds`.
    """
    from .build import ship_total
    act = set(m.ACTIVE_ROUTES)
    keys = sorted(m._ship_tags)
    m.Route_Active = pyo.Constraint(
        [key for key in keys if key[0] in act],
        rule=lambda m, r, p: ship_total(m, r, p) <= d.ship[(r, p)]["bound"] * m.Active[r])
    mv = list(m.MIN_VOLUME_ROUTE_PERIODS)
    mv = [key for key in mv if key in m._ship_tags]
    m.Route_Period_Max = pyo.Constraint(
        mv, rule=lambda m, r, p: ship_total(m, r, p) <= d.ship[(r, p)]["bound"] * m.ActivePeriod[r, p])
    m.Route_Period_Min = pyo.Constraint(
        mv, rule=lambda m, r, p: ship_total(m, r, p) >= d.routes[r].min_t * m.ActivePeriod[r, p])
    m.Route_Period_Link = pyo.Constraint(
        [key for key in mv if key[0] in act], rule=lambda m, r, p: m.ActivePeriod[r, p] <= m.Active[r])
    mv_set = set(mv)
    multi = [key for key in keys if len(m._ship_tags[key]) > 1 and key[0] not in act and key not in mv_set]
    m.Route_Max_Volume = pyo.Constraint(
        multi, rule=lambda m, r, p: ship_total(m, r, p) <= d.ship[(r, p)]["bound"])


def leg_capacity(m, d):
    """Leg_Capacity[l,q]:  sum_{(r,p): leg l of r is used in q} ShipTotal[r,p] <= capacity_t(l) * f(leg l, q)   [t]

    Indexed over (leg, period) pairs where the leg has a finite capacity and the routes using it could
    exceed it.  The period q in which route r's leg k is used for a shipment dispatched in p is
    p + floor(days before leg k / period days) (calendar walk, wrapping in a cyclic horizon): that is the
    shared leg capacity with the leg's period offset along each route.
    """
    from .build import ship_total
    keys = []
    for key, cap in d.leg_cap.items():
        users = [rp for rp in d.leg_periods.get(key, ()) if rp in m._ship_tags]
        if users and sum(d.ship[rp]["bound"] for rp in users) > cap + 1e-9:
            keys.append(key)
    keys.sort()
    m.Leg_Capacity = pyo.Constraint(keys, rule=lambda m, l, q: _lin(
        ship_total(m, r, p) for (r, p) in d.leg_periods[(l, q)] if (r, p) in m._ship_tags) <= d.leg_cap[(l, q)])


def node_balance(m, d):
    """Node_Balance[n,k,p]  (tonnes of tag k at node n in period p):

      Stock[n,k,p-1] + Supply[n,k,p] + sum yield_s * Process[s=n, k_in, k, p] + sum_{r into n} Ship[r,k',p-lag_r]
        = Stock[n,k,p] + sum_{r out of n} Ship[r,k,p] + sum Process[s=n, k, k_out, p] + sum_e Deliver[n,c,e,p,k]

    Indexed over every (node, tag, period) with at least one term.  k' is the tag that arrives as k (the
    same tag, plus the route's transit countries where a transit_country policy tracks them); lag_r is the
    route's transit lead time
    in periods (arrival period = dispatch + floor(total days / period days)).  Stock terms exist only where a
    storage row allows stock.  Cyclic horizon: Stock[n,k,p-1] of the first period is the last period's
    stock and shipments in transit wrap around; open horizon: it is the initial stock (Initial[n,k], which
    sums to initial_t) and shipments that would arrive after the last period are not made.
    """
    terms = defaultdict(list)  # (n, k, p) -> [(coef, var)]
    for (n, k, p) in m.SUPPLY:
        terms[(n, k, p)].append((1.0, m.Supply[n, k, p]))
    for (s, ki, ko, p) in m.PROCESS:
        v = m.Process[s, ki, ko, p]
        terms[(s, ko, p)].append((d.sites[s]["yield"], v))
        terms[(s, ki, p)].append((-1.0, v))
    for (r, k, p) in m.SHIP:
        route, v = d.routes[r], m.Ship[r, k, p]
        terms[(route.origin, k, p)].append((-1.0, v))
        terms[(route.destination, d.arrive_tag[(r, k)], d.ship[(r, p)]["arrive"])].append((1.0, v))
    for (mk, c, e, p, k) in m.DELIVER:
        terms[(mk, k, p)].append((-1.0, m.Deliver[mk, c, e, p, k]))
    initial = set(m.INITIAL)
    for (n, k, p) in m.STOCK:
        terms[(n, k, p)].append((-1.0, m.Stock[n, k, p]))
        before = d.cal.prev(p)
        if before is not None:
            terms[(n, k, p)].append((1.0, m.Stock[n, k, before]))
        elif (n, k) in initial:
            terms[(n, k, p)].append((1.0, m.Initial[n, k]))
    keys = sorted(terms)
    m.Node_Balance = pyo.Constraint(keys, rule=lambda m, n, k, p: _lin(c * v for c, v in terms[(n, k, p)]) == 0)
    groups = defaultdict(list)
    for (n, k) in initial:
        groups[(n, untag(k)[0])].append(k)
    m.Initial_Stock = pyo.Constraint(sorted(groups), rule=lambda m, n, c: _lin(
        m.Initial[n, k] for k in groups[(n, c)]) == d.storage[(n, c)][2])


def storage_limits(m, d):
    """Storage_Capacity[n,c,p]:  sum_k Stock[n,k,p] <= capacity_t(n,c)      [t, end of period]

    Indexed over storage rows with a finite capacity whose stock is split over several tags (with one tag
    the bound sits on the variable).
    """
    groups = defaultdict(list)
    for (n, k, p) in m.STOCK:
        groups[(n, untag(k)[0], p)].append(k)
    keys = sorted(key for key, ks in groups.items() if len(ks) > 1 and d.storage[key[:2]][0] < float("inf"))
    m.Storage_Capacity = pyo.Constraint(keys, rule=lambda m, n, c, p: _lin(
        m.Stock[n, k, p] for k in groups[(n, c, p)]) <= d.storage[(n, c)][0])


def demand_limits(m, d):
    """Demand_Limit[m,c,e,p]:  sum_k Deliver[m,c,e,p,k] <= quantity_t      [t]
    Shortfall[m,c,e,p] = quantity_t - sum_k Deliver[m,c,e,p,k]  (Expression, penalised in the objective)

    Indexed over demand rows (market, commodity, end use, period); rows needing a constraint are those
    served by several tags (one tag: the bound sits on the variable).
    """
    groups = defaultdict(list)
    for (mk, c, e, p, k) in m.DELIVER:
        groups[(mk, c, e, p)].append(k)
    keys = sorted(key for key, ks in groups.items() if len(ks) > 1)
    m.Demand_Limit = pyo.Constraint(keys, rule=lambda m, mk, c, e, p: _lin(
        m.Deliver[mk, c, e, p, k] for k in groups[(mk, c, e, p)]) <= d.demand[(mk, c, e, p)][0])
    m.Shortfall = pyo.Expression(list(m.DEMAND), rule=lambda m, mk, c, e, p: d.demand[(mk, c, e, p)][0] - _lin(
        m.Deliver[mk, c, e, p, k] for k in groups.get((mk, c, e, p), ())))
