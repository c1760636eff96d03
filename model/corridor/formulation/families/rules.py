"""Constraint families of the rules: licences (held, gating, quota) and sourcing policies.

Prohibited flows (a `prohibited` rule, or a `required` rule with `granted = no`) are not constraints:
their (route, tag) pairs are never created (`case_data._tags_and_gating`).  Flows that need a licence in a
period where no application could cover it are not created either (`build.add_sets`).
"""
from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from corridor.formulation.case_data import CaseData, policy_part, routes_into

if TYPE_CHECKING:
    from corridor.formulation.build import Formulation

INF = float("inf")


def licence_holding(f: Formulation, d: CaseData) -> None:
    """Held[L,p] = sum_{a: p in window(L,a)} Apply[L,a]   (Expression; window(L,a) = a+lead .. a+lead+validity-1,
    wrapping in a cyclic horizon, cut at the end of an open one)
    Licence_Single[L,p]:  Held[L,p] <= 1   (at most one licence of a rule is held in any period)

    Indexed over (required, granted rule, period) pairs that some application can cover; the single-holding
    row is added only where two or more applications could cover p.
    """
    apply = f.col("Apply")
    blk = f.spec.block("Licence_Single")
    for key in sorted(d.covers):
        cols = [apply[(key[0], a)] for a in d.covers[key]]
        f.spec.add_expr("Held", key, cols, [1.0] * len(cols))
        if len(cols) > 1:
            f.spec.add_row(blk, key, cols, [1.0] * len(cols), hi=1.0)


def licence_gating(f: Formulation, d: CaseData) -> None:
    """Flows under a `required` rule L need a licence of L held in their dispatch period p:

    no quota:    Licence_Gate[L,p]:        G[L,p] <= U[L,p] * Held[L,p]
    with quota:  Licence_Cover_Sum[L,p]:   G[L,p] = sum_{a: p in window(L,a)} Cover[L,a,p]
                 Licence_Cover_Gate[L,a,p]: Cover[L,a,p] <= U[L,p] * Apply[L,a]
                 Licence_Quota[L,a]:       sum_{p in window(L,a)} Cover[L,a,p] <= quota_t * Apply[L,a]

    G[L,p] = sum of Ship[r,k,p] over the (route, tag) pairs that L matches [t]; U[L,p] = sum of the routes'
    bounds U[r,p] (data-derived big-M).  Cover[L,a,p] is the tonnage of period p covered by the licence
    applied for in a.  Indexed over (rule, period) with a gated flow.
    """
    ship, apply, cover = f.col("Ship"), f.col("Apply"), f.col("Cover")
    flows = defaultdict(list)
    bound = defaultdict(float)
    for L, pairs in d.gated.items():
        routes_of = defaultdict(list)
        for (r, k) in pairs:
            routes_of[r].append(k)
        for r, ks in routes_of.items():
            for p in d.periods:
                js = [ship[(r, k, p)] for k in ks if (r, k, p) in ship]
                if js:
                    flows[(L, p)].extend(js)
                    bound[(L, p)] += d.ship[(r, p)].bound
    f.sets["licence_flows"] = flows
    spec = f.spec
    blk = spec.block("Licence_Gate")
    for key in sorted(k for k in flows if d.licences[k[0]].get("quota_t") is None):
        L, p = key
        apps = [apply[(L, a)] for a in d.covers[key]]
        spec.add_row(blk, key, flows[key] + apps, [1.0] * len(flows[key]) + [-bound[key]] * len(apps), hi=0.0)
    quota = sorted(k for k in flows if d.licences[k[0]].get("quota_t") is not None)
    blk = spec.block("Licence_Cover_Sum")
    for key in quota:
        L, p = key
        cs = [cover[(L, a, p)] for a in d.covers[key]]
        spec.add_row(blk, key, flows[key] + cs, [1.0] * len(flows[key]) + [-1.0] * len(cs), lo=0.0, hi=0.0)
    blk = spec.block("Licence_Cover_Gate")
    for (L, a, p), j in cover.items():
        spec.add_row(blk, (L, a, p), [j, apply[(L, a)]], [1.0, -bound.get((L, p), 0.0)], hi=0.0)
    blk = spec.block("Licence_Quota")
    for (L, a) in sorted(k for k in d.windows if d.licences[k[0]].get("quota_t") is not None):
        cs = [cover[(L, a, p)] for p in d.windows[(L, a)]]
        spec.add_row(blk, (L, a), cs + [apply[(L, a)]], [1.0] * len(cs) + [-d.licences[L]["quota_t"]], hi=0.0)


def policy_shares(f: Formulation, d: CaseData) -> None:
    """Policy_Max_Share[policy,market]:  Part <= max_share * Received
    Policy_Min_Share[policy,market]:  Part >= min_share * Received

    Received = tonnes of the policy's commodities (`*`: every commodity the market demands) arriving at the
    market over the horizon; Part = those arriving by the measured corridor / route / through the transit
    country (a leg in that country, neither end in it) / processed in the processing country.  Indexed
    over active policy rows, expanded per market when market = `*`.
    """
    ship, routes = f.col("Ship"), d.routes
    by_market = defaultdict(list)  # market -> [(route, tag, Ship column, route record)]
    for (r, k, p), j in ship.items():
        route = routes[r]
        by_market[route.destination].append((r, k, j, route))
    b_max, b_min = f.spec.block("Policy_Max_Share"), f.spec.block("Policy_Min_Share")
    rows = {"max": [], "min": []}
    for pol in sorted(d.policies, key=lambda x: (x["policy"], x["market"])):
        comms = pol["commodities"]
        if pol["measure"] == "max_active_routes":
            continue
        part = policy_part(d, pol)
        arr = [(j, part(r, k, route)) for (r, k, j, route) in by_market[pol["market"]] if route.commodity in comms]
        if not arr:
            continue
        key = (pol["policy"], pol["market"])
        cols = [j for j, _hit in arr]
        for which, share in (("max", pol["max_share"]), ("min", pol["min_share"])):
            if share is None or (which == "min" and share <= 0) or (which == "max" and share >= 1):
                continue  # no bound, or one that always holds
            coefs = [(1.0 if hit else 0.0) - share for _j, hit in arr]  # Part - share * Received
            rows[which].append((key, cols, coefs, (-INF, 0.0) if which == "max" else (0.0, INF)))
    for blk, which in ((b_max, "max"), (b_min, "min")):
        for key, cols, coefs, (lo, hi) in rows[which]:
            f.spec.add_row(blk, key, cols, coefs, lo, hi)


def policy_active_routes(f: Formulation, d: CaseData) -> None:
    """Policy_Active_Routes[policy,market]:  sum_{r into market, commodity in policy} Active[r] <= max_count

    Active[r] is 1 when route r carries anything over the horizon (Route_Active links it to the volumes).
    max_count = 1 is single sourcing.  Indexed over active `max_active_routes` policy rows per market.
    """
    act = f.col("Active")
    blk = f.spec.block("Policy_Active_Routes")
    for pol in sorted(d.policies, key=lambda x: (x["policy"], x["market"])):
        if pol["measure"] != "max_active_routes":
            continue
        cols = [act[r] for r in sorted(routes_into(d, pol["market"], pol["commodities"])) if r in act]
        if cols:
            f.spec.add_row(blk, (pol["policy"], pol["market"]), cols, [1.0] * len(cols), hi=pol["max_count"])


