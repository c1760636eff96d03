"""Constraint families of the physical network: supply, processing, routes, legs, balance, stock, demand.

Each function adds one family of rows to the formulation ``f`` (a `build.Formulation`); its docstring
gives the formula, the index set, where it applies and the units.  Notation: n node, c commodity, k tag
(commodity with provenance and end use, see `formulation/provenance.py`), p period, r route, l leg, s site, m market,
e end use.
"""
from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np

from corridor.formulation.investments import added_terms
from corridor.formulation.provenance import untag
from corridor.formulation.spec import Terms

if TYPE_CHECKING:
    from corridor.formulation.build import Formulation
    from corridor.formulation.case_data import CaseData

INF = float("inf")


def ship_total(f: Formulation, r: str, p: str) -> tuple[list, list]:
    """Columns and coefficients of ShipTotal[r,p] = sum_k Ship[r,k,p] (tonnes dispatched, all tags)."""
    i = f.d.ship.index.get((r, p))
    cols = [] if i is None else _rp_cols(f, i)
    return cols, [1.0] * len(cols)


def _rp_cols(f, i):
    """The Ship columns of route-period number ``i`` (`build._ship_cols`)."""
    ptr = f.sets["ship_ptr"]
    return f.sets["ship_colarr"][ptr[i]:ptr[i + 1]].tolist()


def supply_limits(f: Formulation, d: CaseData) -> None:
    """Supply_Capacity[n,c,p]:  sum_k Supply[n,k,p] <= capacity_t(n,c) * capacity_factor(supply n, p)   [t]

    Indexed over supply rows (node, commodity, period) with positive effective capacity.  With a single
    tag the bound sits on the variable itself and no row is added.  With investments on the supply row
    (contract v2) the row always exists and reads
    sum_k Supply[n,k,p] <= capacity_t * f + sum_i sum_{a serving p} capacity_t(i) * f * Build[i,a].
    """
    groups = defaultdict(list)
    col = f.col("Supply")
    for (n, k, p), j in col.items():
        groups[(n, untag(k)[0], p)].append(j)
    blk = f.spec.block("Supply_Capacity")
    for key in sorted(key for key, js in groups.items() if len(js) > 1 or (("supply", key[:2]) in d.invested)):
        js = groups[key]
        if ("supply", key[:2]) in d.invested:  # base capacity + the units in service (contract v2)
            factor = d.seasons.cap_factor("supply", key[0], key[2])
            cols, coefs = added_terms(f, d, "supply", key[:2], key[2], factor)
            f.spec.add_row(blk, key, js + cols, [1.0] * len(js) + [-a for a in coefs],
                           hi=base_supply(d, key) * factor)
        else:
            f.spec.add_row(blk, key, js, [1.0] * len(js), hi=d.supply[key][0])


def site_processing(f: Formulation, d: CaseData) -> None:
    """Site_Capacity[s,p]:  sum Process[s,.,.,p] <= capacity_t(s) * f(site s, p) * Open[s]      [t input]
    Site_Min_Throughput[s,p]:  sum Process[s,.,.,p] >= min(min_throughput_t, effective capacity) * Open[s]

    Indexed over (site, period) from ``available_from`` on where the effective capacity is positive.  For
    existing sites ``Open[s]`` is the constant 1.  Output tonnes are ``yield * Process`` (node balance).  A site
    with several rows has one process per row (``s`` is the process id, ``site/input_commodity``).  A process
    with investments (contract v2) has Site_Capacity[s,p]: sum Process <= capacity_t * f + sum_i sum_{a serving
    p} capacity_t(i) * f * Build[i,a] (and its Process bound is the most it can ever take).
    """
    arcs = defaultdict(list)
    for (s, ki, ko, p), j in f.col("Process").items():
        arcs[(s, p)].append(j)
    opened = f.col("Open")
    cap_blk = f.spec.block("Site_Capacity")
    for key in sorted(arcs):
        s, p = key
        js = arcs[key]
        if ("site", s) in d.invested:  # existing process built up by investments (contract v2)
            factor = d.seasons.cap_factor("site", d.sites[s]["site"], p)
            cols, coefs = added_terms(f, d, "site", s, p, factor)
            f.spec.add_row(cap_blk, key, js + cols, [1.0] * len(js) + [-a for a in coefs],
                           hi=(d.sites[s]["capacity_t"] or 0.0) * factor)
        elif s in opened:
            f.spec.add_row(cap_blk, key, js + [opened[s]], [1.0] * len(js) + [-d.site_period[key][0]], hi=0.0)
        elif len(js) > 1:
            f.spec.add_row(cap_blk, key, js, [1.0] * len(js), hi=d.site_period[key][0])
    min_blk = f.spec.block("Site_Min_Throughput")
    for key in sorted(k for k in arcs if d.site_period[k][2] > 0):
        s, js, mn = key[0], arcs[key], d.site_period[key][2]
        if s in opened:
            f.spec.add_row(min_blk, key, js + [opened[s]], [1.0] * len(js) + [-mn], lo=0.0)
        else:
            f.spec.add_row(min_blk, key, js, [1.0] * len(js), lo=mn)
    reachable = {s for (s, _p) in arcs}
    f.close_candidates([s for s in opened if s not in reachable])  # it could receive nothing


def route_volumes(f: Formulation, d: CaseData) -> None:
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
    the leg is used, what the origin can send, what the destination can absorb) - see `case_data._bounds`.
    """
    S, spec = f.sets, f.spec
    act, per = f.col("Active"), f.col("ActivePeriod")
    ship = d.ship.index
    # the route-periods with a row: those of routes in Active or in ActivePeriod, and those carrying several tags
    # (most route-periods carry one tag, whose bound sits on its variable); in sorted order
    count = np.diff(S["ship_ptr"])
    act_col = np.array([act.get(r, -1) for r in d.routes] or [-1], dtype=np.int64)[d.rp_route]  # -1: none
    per_col = np.full(len(count), -1, dtype=np.int64)
    for key, j in per.items():
        if key in ship:
            per_col[ship[key]] = j
    need = ((act_col >= 0) | (per_col >= 0) | (count > 1)) & (count > 0)
    ids = np.array(sorted(np.flatnonzero(need).tolist(), key=d.rp_keys.__getitem__), dtype=np.int64)
    bounds = np.array(d.rp_bound, dtype=np.float64)
    min_t = np.array([route.min_t for route in d.routes.values()] or [0.0], dtype=np.float64)[d.rp_route]
    is_act, is_per = act_col[ids] >= 0, per_col[ids] >= 0
    blocks = {name: spec.block(name) for name in ("Route_Active", "Route_Period_Max", "Route_Period_Min",
                                                  "Route_Period_Link", "Route_Max_Volume")}
    for name, sel, last, coef, lo, hi in (
            ("Route_Active", ids[is_act], act_col, -bounds, -INF, 0.0),
            ("Route_Period_Max", ids[is_per], per_col, -bounds, -INF, 0.0),
            ("Route_Period_Min", ids[is_per], per_col, -min_t, 0.0, INF),
            ("Route_Period_Link", ids[is_per & is_act], None, None, -INF, 0.0),
            ("Route_Max_Volume", ids[~is_act & ~is_per], None, None, -INF, bounds)):  # several tags share the bound
        keys = [d.rp_keys[i] for i in sel.tolist()]
        if name == "Route_Period_Link":  # ActivePeriod[r,p] - Active[r] <= 0
            indptr = np.arange(0, 2 * len(sel) + 1, 2, dtype=np.int64)
            cols = np.stack([per_col[sel], act_col[sel]], axis=1).reshape(-1)
            coefs = np.tile(np.array([1.0, -1.0]), len(sel))
        else:  # ShipTotal[r,p], then the binary's term when there is one
            indptr, cols, coefs = _ship_rows(f, sel, count, None if last is None else last[sel],
                                             None if coef is None else coef[sel])
        spec.add_csr(blocks[name], keys, indptr, cols, coefs, lo, hi[sel] if isinstance(hi, np.ndarray) else hi)


def ship_columns(f: Formulation, sel: np.ndarray) -> np.ndarray:
    """The Ship columns of route-periods ``sel`` (their numbers, `build._ship_cols`), each one's in turn, in the
    order of ``sel``."""
    ptr, colarr = f.sets["ship_ptr"], f.sets["ship_colarr"]
    n = ptr[sel + 1] - ptr[sel]
    ends = np.cumsum(n)
    return colarr[np.repeat(ptr[sel] - ends + n, n) + np.arange(int(ends[-1]) if len(ends) else 0)]


def _ship_rows(f, sel, count, last, coef):
    """CSR rows of route-periods ``sel``: each one's Ship columns with coefficient 1, then column ``last[i]`` with
    coefficient ``coef[i]`` when ``last`` is given."""
    n = count[sel]
    extra = 0 if last is None else 1
    indptr = np.zeros(len(sel) + 1, dtype=np.int64)
    np.cumsum(n + extra, out=indptr[1:])
    cols, coefs = np.empty(int(indptr[-1]), dtype=np.int64), np.ones(int(indptr[-1]), dtype=np.float64)
    if last is None:
        cols[:] = ship_columns(f, sel)
        return indptr, cols, coefs
    tail = indptr[1:] - 1
    body = np.ones(len(cols), dtype=bool)
    body[tail] = False
    cols[body], cols[tail], coefs[tail] = ship_columns(f, sel), last, coef
    return indptr, cols, coefs


def leg_capacity(f: Formulation, d: CaseData) -> None:
    """Leg_Capacity[l,q]:  sum_{(r,p): leg l of r is used in q} ShipTotal[r,p] <= capacity_t(l) * f(leg l, q)   [t]

    Indexed over (leg, period) pairs where the leg has a finite capacity and the routes using it could
    exceed it.  The period q in which route r's leg k is used for a shipment dispatched in p is
    p + floor(days before leg k / period days) (calendar walk, wrapping in a cyclic horizon): that is the
    shared leg capacity with the leg's period offset along each route.  A leg with investments (contract v2)
    adds the units in service in q: <= capacity_t(l) * f + sum_i sum_{a serving q} capacity_t(i) * f * Build[i,a].
    """
    blk = f.spec.block("Leg_Capacity")
    uses = d.leg_uses
    order = sorted(range(len(d.leg_cap)), key=list(d.leg_cap).__getitem__)
    cap_keys, cap_lq = list(d.leg_cap), uses.cap_lq.tolist()
    keys = [cap_keys[i] for i in order]
    caps, factors = [], {}
    for key in keys:
        leg, q = key
        if ("leg", leg) in d.invested:
            factor = factors[key] = d.seasons.cap_factor("leg", leg, q)
            caps.append((d.legs[leg]["capacity_t"] or 0.0) * factor if factor > 0 else 0.0)
        else:
            caps.append(d.leg_cap[key])
    # every route-period by its number: its bound and its Ship columns (CSR, none if it carries nothing)
    S = f.sets
    rp_ptr, rp_cols = S["ship_ptr"], S["ship_colarr"]
    rp_len = np.diff(rp_ptr)
    bounds = np.zeros(len(rp_len), dtype=np.float64)
    bounds[S["ship_rp"]] = S["ship_ub"]
    # the users of each (leg, period) with a finite capacity, row by row, each row's in first-use order
    row_of = np.full(len(uses.code), -1, dtype=np.int64)
    row_of[np.array([cap_lq[i] for i in order], dtype=np.int64)] = np.arange(len(keys), dtype=np.int64)
    owner = row_of[uses.lq]
    live = (owner >= 0) & (rp_len[uses.rp] > 0)
    users, owner = uses.rp[live], owner[live]
    by_row = np.argsort(owner, kind="stable")
    users, owner = users[by_row], owner[by_row]
    total = np.bincount(owner, weights=bounds[users], minlength=len(keys))  # summed in the users' order
    count = np.bincount(owner, minlength=len(keys))
    keep = (count > 0) & ~(total <= np.array(caps, dtype=np.float64) + 1e-9)
    users, owner = users[keep[owner]], owner[keep[owner]]
    lengths = rp_len[users]  # each kept row: its users' Ship columns one after the other
    at = np.repeat(rp_ptr[users] - np.cumsum(lengths) + lengths, lengths) + np.arange(int(lengths.sum()))
    cols = rp_cols[at]
    kept = np.flatnonzero(keep)
    indptr = np.zeros(len(kept) + 1, dtype=np.int64)
    np.cumsum(np.bincount(owner, weights=lengths, minlength=len(keys)).astype(np.int64)[kept], out=indptr[1:])
    row_keys = [keys[i] for i in kept]
    hi = [caps[i] for i in kept]
    if not any(key in factors for key in row_keys):
        f.spec.add_csr(blk, row_keys, indptr, cols, np.ones(len(cols)), -INF, hi)
        return
    rows = []  # investments on a leg (contract v2): the units in service in q after the routes' columns
    for i, key in enumerate(row_keys):
        js, coefs = cols[indptr[i]:indptr[i + 1]].tolist(), [1.0] * int(indptr[i + 1] - indptr[i])
        if key in factors:
            more, amounts = added_terms(f, d, "leg", key[0], key[1], factors[key])
            js, coefs = js + more, coefs + [-a for a in amounts]
        rows.append((key, js, coefs, -INF, hi[i]))
    f.spec.add_rows(blk, rows)


def node_balance(f: Formulation, d: CaseData) -> None:
    """Node_Balance[n,k,p]  (tonnes of tag k at node n in period p):

      Stock[n,k,p-1] + Supply[n,k,p] + sum yield_s * Process[s=n, k_in, k, p] + sum_{r into n} Ship[r,k',p-lag_r]
        + sum yield_{s,c} * Process[s=n, k_in, k_out, p]            (k a co-product tag of k_out, contract v2)
        = Stock[n,k,p] + sum_{r out of n} Ship[r,k,p] + sum Process[s=n, k, k_out, p] + sum_e Deliver[n,c,e,p,k]
        + reagent use of k by the processes at n + Discard[n,k,p]

    Contract v2 (``site_products``): every tonne processed also makes each co-product at its yield, as a tag
    with the site's provenance and the input's chain and earmarks (`provenance.Tagging.coproduct_options`;
    where it may carry several earmarks, CoSplit[s,k_in,k,p] splits it), and consumes each reagent at the
    site node: |yield| * Process directly when the reagent has one tag there, else sum_k ReagentUse[s,k,p]
    (the `reagent_use` family ties them to Process).  Discard[n,k,p] exists for commodities with a
    ``disposal_cost_per_t``, at every node where they can be.

    Indexed over every (node, tag, period) with at least one term.  k' is the tag that arrives as k (the
    same tag, plus the route's transit countries where a transit_country policy tracks them); lag_r is the
    route's transit lead time
    in periods (arrival period = dispatch + floor(total days / period days)).  Stock terms exist only where a
    storage row allows stock.  Cyclic horizon: Stock[n,k,p-1] of the first period is the last period's
    stock and shipments in transit wrap around; open horizon: it is the initial stock (Initial[n,k], which
    sums to initial_t) and shipments that would arrive after the last period are not made.
    """
    t = Terms()  # (n, k, p) -> its terms, in the order below
    add = t.add
    supply = f.col("Supply")
    t.extend(supply, supply.values(), [1.0] * len(supply))
    sites = d.sites
    for (s, ki, ko, p), j in f.col("Process").items():
        node = sites[s]["site"]
        add((node, ko, p), j, sites[s]["yield"])
        add((node, ki, p), j, -1.0)
        for _c, y, ks in d.co_options.get((s, ki), ()):  # made jointly with the output (contract v2)
            if len(ks) == 1:  # one earmark it can carry: here; several: CoSplit chooses
                add((node, ks[0], p), j, y)
        for c, a in d.reagents.get(s, ()):  # consumed at the site node; one tag: here, several: ReagentUse
            ks = d.reagent_tags.get((s, c), ())
            if len(ks) == 1:
                add((node, ks[0], p), j, -a)
    for (s, _ki, k, p), j in f.col("CoSplit").items():
        add((sites[s]["site"], k, p), j, 1.0)
    for (s, k, p), j in f.col("ReagentUse").items():
        add((sites[s]["site"], k, p), j, -1.0)
    for key, j in f.col("Discard").items():
        add(key, j, -1.0)
    _ship_terms(f, d, t)
    deliver = f.col("Deliver")
    t.extend([(mk, k, p) for (mk, _c, _e, p, k) in deliver], deliver.values(), [-1.0] * len(deliver))
    stock, initial = f.col("Stock"), f.col("Initial")
    t.extend(stock, stock.values(), [-1.0] * len(stock))  # then the stock carried in, the second term of each row
    prev = {p: d.cal.prev(p) for p in d.periods}
    keys, cols = [], []
    for key in stock:
        n, k, p = key
        before = prev[p]
        j = stock[(n, k, before)] if before is not None else initial.get((n, k))
        if j is not None:
            keys.append(key)
            cols.append(j)
    t.extend(keys, cols, [1.0] * len(keys))
    blk = f.spec.block("Node_Balance")
    # a column stands twice in a row only when one cyclic period is its own predecessor (stock); those rows
    # go through the checking add_row (sites always turn one commodity into another: validated)
    twice = sorted(k for k in stock if k in t) if len(d.periods) == 1 else []
    for key in twice:
        f.spec.add_row(blk, key, *t.row(key), lo=0.0, hi=0.0)
    f.spec.add_terms(blk, t, lo=0.0, hi=0.0, skip=twice)
    groups = defaultdict(list)
    for (n, k), j in initial.items():
        groups[(n, untag(k)[0])].append(j)
    blk = f.spec.block("Initial_Stock")
    for key in sorted(groups):
        init = d.storage[key][2]
        f.spec.add_row(blk, key, groups[key], [1.0] * len(groups[key]), lo=init, hi=init)


def _ship_terms(f, d, t):
    """The bulk of Node_Balance's terms, for `node_balance`: -Ship[r,k,p] in (origin, k, p), then +Ship[r,k,p] in
    (destination, arrival tag, arrival period), column by column.  Each (node, tag, period) is found once, by
    number, not once per column."""
    nt, out_nt, in_nt = {}, [], []  # (node, tag) numbers; those of each (route, tag) pair
    S, n_p, routes = f.sets, len(d.periods), d.routes
    for r, k in S["ship_pairs"]:
        out_nt.append(nt.setdefault((routes[r].origin, k), len(nt)))
        in_nt.append(nt.setdefault((routes[r].destination, d.arrive_tag[(r, k)]), len(nt)))
    rp, pair = S["ship_rp"], S["ship_pair"]
    codes = np.empty(2 * len(rp), dtype=np.int64)  # (node, tag) number * periods + period index
    codes[0::2] = np.array(out_nt, dtype=np.int64)[pair] * n_p + d.rp_period[rp] if len(rp) else []
    codes[1::2] = np.array(in_nt, dtype=np.int64)[pair] * n_p + d.rp_arrive[rp] if len(rp) else []
    uniq = np.flatnonzero(np.bincount(codes, minlength=len(nt) * n_p))  # the (node, tag, period) rows, by number
    nt_keys, periods, ids = list(nt), d.periods, t.ids
    new = ids.setdefault
    row = np.zeros(len(nt) * n_p, dtype=np.int64)
    row[uniq] = [new(nt_keys[c // n_p] + (periods[c % n_p],), len(ids)) for c in uniq.tolist()]
    t.rows.frombytes(row[codes].tobytes())
    t.cols.frombytes(np.repeat(S["ship_colarr"].astype(np.int32), 2).tobytes())
    t.coefs.frombytes(np.tile(np.array([-1.0, 1.0]), len(rp)).tobytes())


def storage_limits(f: Formulation, d: CaseData) -> None:
    """Storage_Capacity[n,c,p]:  sum_k Stock[n,k,p] <= capacity_t(n,c)      [t, end of period]

    Indexed over storage rows with a finite capacity whose stock is split over several tags (with one tag
    the bound sits on the variable), and every period of a storage row with investments (contract v2):
    sum_k Stock[n,k,p] <= capacity_t + sum_i sum_{a serving p} capacity_t(i) * Build[i,a].
    """
    groups = defaultdict(list)
    for (n, k, p), j in f.col("Stock").items():
        groups[(n, untag(k)[0], p)].append(j)
    blk = f.spec.block("Storage_Capacity")
    for key in sorted(key for key, js in groups.items() if d.storage[key[:2]][0] < INF
                      and (len(js) > 1 or ("storage", key[:2]) in d.invested)):
        js = groups[key]
        if ("storage", key[:2]) in d.invested:  # base capacity + the units in service (contract v2)
            cols, coefs = added_terms(f, d, "storage", key[:2], key[2])
            f.spec.add_row(blk, key, js + cols, [1.0] * len(js) + [-a for a in coefs], hi=base_storage(d, key[:2]))
        else:
            f.spec.add_row(blk, key, js, [1.0] * len(js), hi=d.storage[key[:2]][0])


def demand_limits(f: Formulation, d: CaseData) -> None:
    """Demand_Limit[m,c,e,p]:  sum_k Deliver[m,c,e,p,k] <= quantity_t      [t]
    Demand_Must_Meet[m,c,e,p]:  sum_k Deliver[m,c,e,p,k] >= quantity_t   [t]  (must_meet = yes only)
    Demand_Min_Fill[m,c,e,p]:  sum_k Deliver[m,c,e,p,k] >= min_fill * quantity_t   [t]  (contract v2, rows with a
                               min_fill > 0 and no must_meet, in every disruption scenario)
    Shortfall[m,c,e,p] = quantity_t - sum_k Deliver[m,c,e,p,k]  (Expression, penalised in the objective)

    Indexed over demand rows (market, commodity, end use, period); Demand_Limit rows are needed where several
    tags serve the demand (one tag: the bound sits on the variable).  Demand_Must_Meet is a hard row over
    the demand rows marked must_meet = yes, also when no tag can reach the market (then it cannot hold and
    the model is infeasible: the explanation names the demand row).
    """
    groups = defaultdict(list)
    for (mk, c, e, p, k), j in f.col("Deliver").items():
        groups[(mk, c, e, p)].append(j)
    blk = f.spec.block("Demand_Limit")
    for key in sorted(key for key, js in groups.items() if len(js) > 1):
        f.spec.add_row(blk, key, groups[key], [1.0] * len(groups[key]), hi=d.demand[key][0])
    blk = f.spec.block("Demand_Must_Meet")
    for key in sorted(k for k in d.must_meet if k in d.demand and d.demand[k][0] > 0):
        js = groups.get(key, [])
        f.spec.add_row(blk, key, js, [1.0] * len(js), lo=d.demand[key][0])
    blk = f.spec.block("Demand_Min_Fill")
    for key in sorted(k for k in d.min_fill if k in d.demand and d.demand[k][0] > 0 and k not in d.must_meet):
        js = groups.get(key, [])
        f.spec.add_row(blk, key, js, [1.0] * len(js), lo=d.min_fill[key][0] * d.demand[key][0])
    for key, (q, _pen, _price) in d.demand.items():
        js = groups.get(key, [])
        f.spec.add_expr("Shortfall", key, js, [-1.0] * len(js), q)


def base_supply(d: CaseData, key: tuple) -> float:
    """The supply row's own capacity_t for (node, commodity, period) (the period's row, else the ``*`` row),
    before seasonality and investments."""
    n, c, p = key
    rows = [r for r in d.inputs.tables["supply"] if r["node"] == n and r["commodity"] == c]
    own = [r for r in rows if r["period"] == p] or [r for r in rows if r["period"] == "*"]
    return own[0]["capacity_t"] if own else 0.0


def base_storage(d: CaseData, key: tuple) -> float:
    """The storage row's own capacity_t (before investments)."""
    return next(r["capacity_t"] for r in d.inputs.tables["storage"] if (r["node"], r["commodity"]) == key)

