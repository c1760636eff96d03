"""Constraint families of the rules: licences (held, gating, quota) and sourcing policies.

Prohibited flows (a `prohibited` rule, or a `required` rule with `granted = no`) are not constraints:
their (route, tag) pairs are never created (`data._tags_and_gating`).  Flows that need a licence in a
period where no application could cover it are not created either (`build.add_sets`).
"""
from __future__ import annotations

from collections import defaultdict

import pyomo.environ as pyo

from .data import policy_part


def _lin(terms):
    return pyo.quicksum(terms)


def licence_holding(m, d):
    """Held[L,p] = sum_{a: p in window(L,a)} Apply[L,a]   (Expression; window(L,a) = a+lead .. a+lead+validity-1,
    wrapping in a cyclic horizon, cut at the end of an open one)
    Licence_Single[L,p]:  Held[L,p] <= 1   (at most one licence of a rule is held in any period)

    Indexed over (required, granted rule, period) pairs that some application can cover; the single-holding
    row is added only where two or more applications could cover p.
    """
    m.Held = pyo.Expression(sorted(d.covers), rule=lambda m, L, p: _lin(m.Apply[L, a] for a in d.covers[(L, p)]))
    keys = sorted(key for key, apps in d.covers.items() if len(apps) > 1)
    m.Licence_Single = pyo.Constraint(keys, rule=lambda m, L, p: m.Held[L, p] <= 1)


def licence_gating(m, d):
    """Flows under a `required` rule L need a licence of L held in their dispatch period p:

    no quota:    Licence_Gate[L,p]:        G[L,p] <= U[L,p] * Held[L,p]
    with quota:  Licence_Cover_Sum[L,p]:   G[L,p] = sum_{a: p in window(L,a)} Cover[L,a,p]
                 Licence_Cover_Gate[L,a,p]: Cover[L,a,p] <= U[L,p] * Apply[L,a]
                 Licence_Quota[L,a]:       sum_{p in window(L,a)} Cover[L,a,p] <= quota_t * Apply[L,a]

    G[L,p] = sum of Ship[r,k,p] over the (route, tag) pairs that L matches [t]; U[L,p] = sum of the routes'
    bounds U[r,p] (data-derived big-M).  Cover[L,a,p] is the tonnage of period p covered by the licence
    applied for in a.  Indexed over (rule, period) with a gated flow.
    """
    flows = defaultdict(list)
    bound = defaultdict(float)
    for L, pairs in d.gated.items():
        routes_of = defaultdict(set)
        for (r, k) in pairs:
            routes_of[r].add(k)
        for r, ks in routes_of.items():
            for p in d.periods:
                vs = [m.Ship[r, k, p] for k in ks if (r, k, p) in m.SHIP]
                if vs:
                    flows[(L, p)].extend(vs)
                    bound[(L, p)] += d.ship[(r, p)]["bound"]
    m._licence_flows = flows
    plain = sorted(key for key in flows if d.licences[key[0]].get("quota_t") is None)
    m.Licence_Gate = pyo.Constraint(plain, rule=lambda m, L, p: _lin(flows[(L, p)]) <= bound[(L, p)] * m.Held[L, p])
    quota = sorted(key for key in flows if d.licences[key[0]].get("quota_t") is not None)
    m.Licence_Cover_Sum = pyo.Constraint(quota, rule=lambda m, L, p: _lin(flows[(L, p)]) == _lin(
        m.Cover[L, a, p] for a in d.covers[(L, p)]))
    m.Licence_Cover_Gate = pyo.Constraint(
        sorted(m.COVERS), rule=lambda m, L, a, p: m.Cover[L, a, p] <= bound.get((L, p), 0.0) * m.Apply[L, a])
    q_apps = sorted(key for key in d.windows if d.licences[key[0]].get("quota_t") is not None)
    m.Licence_Quota = pyo.Constraint(q_apps, rule=lambda m, L, a: _lin(
        m.Cover[L, a, p] for p in d.windows[(L, a)]) <= d.licences[L]["quota_t"] * m.Apply[L, a])


def policy_shares(m, d):
    """Policy_Max_Share[policy,market]:  Part <= max_share * Received
    Policy_Min_Share[policy,market]:  Part >= min_share * Received

    Received = tonnes of the policy's commodities (`*`: every commodity the market demands) arriving at the
    market over the horizon; Part = those arriving by the measured corridor / route / through the transit
    country (a leg in that country, neither end in it) / processed in the processing country.  Indexed
    over active policy rows, expanded per market when market = `*`.
    """
    by_market = defaultdict(list)
    for (r, k, p) in m.SHIP:
        by_market[d.routes[r].destination].append((r, k, p))
    rows = {}
    for pol in d.policies:
        if pol["measure"] == "max_active_routes":
            continue
        arr = [(m.Ship[r, k, p], policy_part(d, pol, r, k)) for (r, k, p) in by_market[pol["market"]]
               if d.routes[r].commodity in pol["commodities"]]
        rows[(pol["policy"], pol["market"])] = (pol, arr)

    def share(m, pid, mk, which):
        pol, arr = rows[(pid, mk)]
        s = pol[which]
        part = _lin(v for v, hit in arr if hit)
        recv = _lin(v for v, _ in arr)
        if which == "max_share":
            return part - s * recv <= 0 if arr else pyo.Constraint.Skip
        return part - s * recv >= 0 if arr else pyo.Constraint.Skip

    mx = sorted(key for key, (pol, _a) in rows.items() if pol["max_share"] is not None)
    mn = sorted(key for key, (pol, _a) in rows.items() if pol["min_share"] is not None and pol["min_share"] > 0)
    m.Policy_Max_Share = pyo.Constraint(mx, rule=lambda m, pid, mk: share(m, pid, mk, "max_share"))
    m.Policy_Min_Share = pyo.Constraint(mn, rule=lambda m, pid, mk: share(m, pid, mk, "min_share"))


def policy_active_routes(m, d):
    """Policy_Active_Routes[policy,market]:  sum_{r into market, commodity in policy} Active[r] <= max_count

    Active[r] is 1 when route r carries anything over the horizon (Route_Active links it to the volumes).
    max_count = 1 is single sourcing.  Indexed over active `max_active_routes` policy rows per market.
    """
    rows = {}
    act = set(m.ACTIVE_ROUTES)
    for pol in d.policies:
        if pol["measure"] != "max_active_routes":
            continue
        rs = [r for r in act if d.routes[r].destination == pol["market"] and d.routes[r].commodity in pol["commodities"]]
        rows[(pol["policy"], pol["market"])] = (pol, sorted(rs))
    m.Policy_Active_Routes = pyo.Constraint(
        sorted(k for k, v in rows.items() if v[1]),
        rule=lambda m, pid, mk: _lin(m.Active[r] for r in rows[(pid, mk)][1]) <= rows[(pid, mk)][0]["max_count"])
