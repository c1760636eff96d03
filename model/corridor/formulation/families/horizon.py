"""Route contracts over the horizon: a valid inequality that tightens the LP relaxation of a route's fixed cost.

`flow.route_volumes` links each period's volume to the route's contract, ShipTotal[r,p] <= U[r,p] * Active[r],
with U[r,p] the most the route can carry in one period.  Where a route carries far less than that in every
period (ore that its destination can process at 300,000 t a year, on a line that could take 141,667 t a month),
the LP relaxation opens a sliver of the contract, Active[r] = max_p ShipTotal[r,p] / U[r,p], and pays a sliver of
its fixed cost.  On the shipped one-year case, at a 50% cap on dependence, that left the least-cost step's root
bound 1.95% under the optimum, all of it the 1 M USD contracts of eight routes; the proof took 106 s.

The horizon gives a second, often much smaller, bound on the same tonnes: what the route's origin can send
over the whole horizon, and what its destination can take over it (its demand, what its sites can process of
the commodity, and its storage in an open horizon).  `route_horizon` writes it against the same binary.

It is written for the security steps only (`security.add_security`: max_security and the frontier), where
a budget or a metric cap makes the choice of contracts the hard part: the frontier's least cost at the
least metric went from 41.7 s to 22.5 s and max_dependence's least cost at its cap from 106 s to 57 s.  In
the min-cost model it gains nothing on the one-year case (12.9 s against 13.1 s) and HiGHS takes a slower
path on the strategic case (45 s against 87 s, the same optimum), so `corridor solve` does not write it.
"""
from __future__ import annotations

import math
from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np

from corridor.formulation.families.flow import ship_columns

if TYPE_CHECKING:
    from corridor.formulation.build import Formulation
    from corridor.formulation.case_data import CaseData

# a row only where the horizon's limit is below this share of the periods' bounds summed (else it adds little)
TIGHTER = 1.0 - 1e-6


def takes(d: CaseData) -> dict:
    """(node, commodity) -> the most tonnes of the commodity that can arrive at the node over the horizon, for
    the nodes where only demand, processing and storage use it: no route leaves the node with it, no site there
    takes it as a reagent, and it cannot be discarded.  That is the node's demand, its sites' input capacity
    summed over the periods (with every unit of their investments) and, in an open horizon, its storage
    capacity; in a cyclic horizon stock ends where it started and adds nothing."""
    bp = d.bound_parts
    reagent = {(d.sites[s]["site"], c) for s, uses in d.reagents.items() for c, _a in uses}
    out = defaultdict(float)
    for key, v in bp["absorb"].items():
        out[key] += v
    for (s, _p), (cap, _cost, _min) in d.site_period.items():
        rec = d.sites[s]
        out[(rec["site"], rec["input_commodity"])] += cap
    return {key: v for key, v in out.items()
            if key not in bp["outbound"] and key not in reagent and key[1] not in d.disposal}


def horizon_limits(d: CaseData, r: str, arrive: dict | None = None) -> list:
    """[(tonnes, what)]: the limits on route ``r``'s tonnes summed over the horizon, what being ``total`` (all
    of the commodity there is), ``origin`` (all its origin can send: the origin has no inbound route of it) or
    ``destination`` (all its destination can take, `takes`; ``arrive``: that table, computed once)."""
    route, bp = d.routes[r], d.bound_parts
    c = route.commodity
    out = [(bp["total"].get(c, 0.0), "total")]  # .get: the data's defaultdicts are read, never grown
    if (route.origin, c) not in bp["inbound"]:
        out.append((bp["made"].get((route.origin, c), 0.0), "origin"))
    arrive = takes(d) if arrive is None else arrive
    if (route.destination, c) in arrive:
        out.append((arrive[(route.destination, c)], "destination"))
    return out


def route_horizon(f: Formulation, d: CaseData) -> None:
    """Route_Active_Horizon[r]:  sum_p ShipTotal[r,p] <= H[r] * Active[r]      [t dispatched over the horizon]

    H[r] = min(all of the route's commodity there is, all its origin can send over the horizon when the origin
    has no inbound route of it, all its destination can take over the horizon: `takes`) - `horizon_limits`.
    Indexed over the routes with an ``Active`` column (a fixed cost, or counted by ``max_active_routes``) that
    can run in some period, per disruption scenario, in the security steps' model (`security.add_security`;
    not the min-cost model of `corridor solve`), and only where H[r] is below sum_p U[r,p] (else the
    periods' Route_Active rows already imply it).  Valid for every plan without circulation, like the bounds
    U[r,p] (`case_data._bounds`); Active[r] = 0 still means no tonnes.  It changes no optimum, only the LP
    relaxation: Active[r] >= sum_p ShipTotal[r,p] / H[r].  The row is written divided by the power of ten
    nearest sqrt(H[r]) (300,000 t: Ship coefficients 0.001, the binary's 300), so that the model's span stays
    that of the U[r,p] rows: H[r] of a few 100,000 t against the 1e-4 yields of the balance rows would exceed
    `diagnose.numerics`' span limit.
    """
    act = f.col("Active")
    if not act or d.rp_route is None or not len(d.rp_route):
        return
    routes = list(d.routes)
    count = np.diff(f.sets["ship_ptr"])  # Ship columns per route-period
    rp_route = np.asarray(d.rp_route, dtype=np.int64)
    act_col = np.array([act.get(r, -1) for r in routes], dtype=np.int64)
    ids = np.flatnonzero((act_col[rp_route] >= 0) & (count > 0))  # the route-periods of contracted routes
    if not len(ids):
        return
    sum_u = np.bincount(rp_route[ids], weights=np.asarray(d.rp_bound, dtype=np.float64)[ids], minlength=len(routes))
    arrive = takes(d)
    keep = {}  # route number -> H[r], where it is below sum_p U[r,p]
    for ri in np.flatnonzero(sum_u).tolist():
        h = min(v for v, _what in horizon_limits(d, routes[ri], arrive))
        if h < TIGHTER * sum_u[ri]:
            keep[ri] = h
    if not keep:
        return
    wanted = np.zeros(len(routes), dtype=bool)
    wanted[list(keep)] = True
    sel = ids[wanted[rp_route[ids]]]
    sel = sel[np.argsort(rp_route[sel], kind="stable")]  # grouped by route, each in route-period order
    ship = ship_columns(f, sel)
    kept = sorted(keep)
    per_row = np.bincount(rp_route[sel], weights=count[sel], minlength=len(routes))[kept].astype(np.int64)
    h = np.array([keep[ri] for ri in kept])
    scale = np.where(h > 0, 10.0 ** np.round(np.log10(np.maximum(h, 1e-300)) / 2), 1.0)  # power of ten ~ sqrt(H)
    indptr = np.zeros(len(kept) + 1, dtype=np.int64)
    np.cumsum(per_row + 1, out=indptr[1:])
    tail = indptr[1:] - 1  # each row ends with its Active column
    body = np.ones(int(indptr[-1]), dtype=bool)
    body[tail] = False
    cols, coefs = np.empty(int(indptr[-1]), dtype=np.int64), np.empty(int(indptr[-1]))
    cols[body], cols[tail] = ship, act_col[kept]
    coefs[body], coefs[tail] = np.repeat(1.0 / scale, per_row), -h / scale
    f.spec.add_csr(f.spec.block("Route_Active_Horizon"), [routes[ri] for ri in kept], indptr, cols, coefs, -math.inf,
                   0.0)
