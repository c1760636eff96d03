"""Constraint families of the rules: licences (held, gating, quota) and sourcing policies.

Prohibited flows (a `prohibited` rule, or a `required` rule with `granted = no`) are not constraints:
their (route, tag) pairs are never created (`case_data._tags_and_gating`).  Flows that need a licence in a
period where no application could cover it are not created either (`build.add_sets`).
"""
from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np

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
    number, bounds = d.ship.index, d.rp_bound
    for L, pairs in d.gated.items():
        routes_of = defaultdict(list)
        for (r, k) in pairs:
            routes_of[r].append(k)
        for r, ks in routes_of.items():
            for p in d.periods:
                js = [ship[(r, k, p)] for k in ks if (r, k, p) in ship]
                if js:
                    flows[(L, p)].extend(js)
                    bound[(L, p)] += bounds[number[(r, p)]]
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
    S, routes = f.sets, d.routes
    blocks = {"max": f.spec.block("Policy_Max_Share"), "min": f.spec.block("Policy_Min_Share")}
    pairs, col_pair = S["ship_pairs"], S["ship_pair"]  # the (route, tag) of each Ship column, by number
    market_no, pair_market, market_pairs = {}, [], []  # each market's pairs and each pair's place among them
    local = np.zeros(len(pairs), dtype=np.int64)
    for i, (r, k) in enumerate(pairs):
        route = routes[r]
        m = market_no.setdefault(route.destination, len(market_no))
        if m == len(market_pairs):
            market_pairs.append([])
        local[i] = len(market_pairs[m])
        market_pairs[m].append((r, k, route))
        pair_market.append(m)
    col_market = np.array(pair_market, dtype=np.int64)[col_pair]
    by_market = np.argsort(col_market, kind="stable")  # Ship column positions market by market, in column order
    m_ptr = np.zeros(len(market_no) + 1, dtype=np.int64)
    np.cumsum(np.bincount(col_market, minlength=len(market_no)), out=m_ptr[1:])
    pols, flags = [], []  # the policies measuring a share, each with its market; per market pair: (counts, part)
    for pol in sorted(d.policies, key=lambda x: (x["policy"], x["market"])):
        m = market_no.get(pol["market"])
        if pol["measure"] == "max_active_routes" or m is None:
            continue
        part, comms = policy_part(d, pol), pol["commodities"]
        pols.append((pol, m, len(flags)))
        flags.extend((route.commodity in comms, part(r, k, route)) for r, k, route in market_pairs[m])
    if not pols:
        return
    counted, hit = (np.array(x, dtype=bool) for x in zip(*flags))
    n_of = np.diff(m_ptr)[[m for _pol, m, _o in pols]]  # every column into its market, for each policy
    ends = np.cumsum(n_of)
    at = np.repeat(m_ptr[[m for _pol, m, _o in pols]] - ends + n_of, n_of) + np.arange(int(ends[-1]))
    col = by_market[at]
    owner = np.repeat(np.arange(len(pols), dtype=np.int64), n_of)
    flag = np.repeat(np.array([o for _pol, _m, o in pols], dtype=np.int64), n_of) + local[col_pair[col]]
    keep = counted[flag]  # Received: the columns of the policy's commodities
    col, owner, flag = col[keep], owner[keep], flag[keep]
    received = np.bincount(owner, minlength=len(pols)) > 0
    cols, part = S["ship_colarr"][col], np.where(hit[flag], 1.0, 0.0)
    for which, lo, hi in (("max", -INF, 0.0), ("min", 0.0, INF)):
        share = np.array([np.nan if pol[f"{which}_share"] is None else pol[f"{which}_share"] for pol, _m, _o in pols],
                         dtype=np.float64)
        # no bound, or one that always holds: no row
        rows = received & ~np.isnan(share) & ((share < 1) if which == "max" else (share > 0))
        coefs = part - share[owner]  # Part - share * Received
        sel = rows[owner] & (coefs != 0.0)
        kept = np.flatnonzero(rows)
        indptr = np.zeros(len(kept) + 1, dtype=np.int64)
        np.cumsum(np.bincount(owner[sel], minlength=len(pols))[kept], out=indptr[1:])
        keys = [(pols[i][0]["policy"], pols[i][0]["market"]) for i in kept.tolist()]
        f.spec.add_csr(blocks[which], keys, indptr, cols[sel], coefs[sel], lo, hi)


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


