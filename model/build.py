"""Formulate the corridor MIP from `CaseData`; `build_model` emits it as a Pyomo ConcreteModel.

`formulate(data)` decides the build order: sets, variables, then one function per constraint family
(`families_flow.py`, `families_rules.py`), then the cost lines.  The families write rows into a
`LinearSpec` (plain arrays, see `spec.py`), which `build_model` turns into a ConcreteModel and
`highs_direct` hands to HiGHS in one call.  Every set is a sparse list of tuples that exist in the data;
coefficients are plain numbers computed in `data.py`.  The formulation is written out in
`docs/formulation.md`.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager

from . import families_flow as flow
from . import families_rules as rules
from .data import CaseData, prepare, routes_into
from .provenance import untag
from .spec import LinearSpec, to_pyomo

COST_LINES = ("supply", "processing", "freight", "handling", "route_fixed", "site_fixed", "licence", "holding",
              "shortfall_penalty")


@contextmanager
def paused_gc():
    """Construction allocates millions of small objects; collection cycles would only slow it down."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Formulation:
    """The data, the spec being written and the sparse index lists the families share."""

    def __init__(self, d: CaseData):
        self.d = d
        self.spec = LinearSpec()
        self.sets = {}

    def col(self, name):
        return self.spec.col[name]


def formulate(data) -> Formulation:
    """Build the whole formulation (see the module docstring for the order)."""
    d = data if isinstance(data, CaseData) else prepare(data)
    with paused_gc():
        f = Formulation(d)
        add_sets(f, d)
        add_variables(f, d)
        for family in (flow.supply_limits, flow.site_processing, flow.route_volumes, flow.leg_capacity,
                       flow.node_balance, flow.storage_limits, flow.demand_limits,
                       rules.licence_holding, rules.licence_gating, rules.policy_shares,
                       rules.policy_active_routes):
            family(f, d)
        add_costs(f, d)
    return f


def build_model(data):
    """Return the Pyomo ConcreteModel of ``data``: a `Formulation`, a `CaseData`, or validated `Inputs`."""
    f = data if isinstance(data, Formulation) else formulate(data)
    with paused_gc():
        m = to_pyomo(f.spec)
    m._case = f.d  # (not `_data`: Pyomo blocks keep their own `_data`)
    m._formulation = f
    return m


def add_sets(f, d):
    """Sparse index lists: only (node, tag, period) ... tuples that exist in the data."""
    P = d.periods
    S = f.sets
    S["SUPPLY"] = [(n, k, p) for (n, c, p) in d.supply for k in d.supply_tags.get((n, c), ())]
    S["PROCESS"] = [(s, ki, ko, p) for (s, p) in d.site_period for (ki, ko) in d.proc_arcs.get(s, ())]
    S["CANDIDATE_SITES"] = sorted(s for s, r in d.sites.items() if r["status"] == "candidate"
                                  and any((s, p) in d.site_period for p in P))
    ship, ship_ub = [], []
    for (r, p), rp in d.ship.items():
        for k in d.ship_tags[r]:
            need = d.gating.get((r, k))
            if not need or all((L, p) in d.covers for L in need):  # a gated flow needs a licence held in p
                ship.append((r, k, p))
                ship_ub.append(rp.bound)
    S["SHIP"], S["ship_ub"] = ship, ship_ub
    S["STOCK"] = [(n, k, p) for (n, c) in d.storage for k in d.stock_tags.get((n, c), ()) for p in P]
    S["INITIAL"] = [(n, k) for (n, c), v in d.storage.items() if v[2] > 0
                    for k in d.stock_tags.get((n, c), ()) if k in d.tagging.source_tags(c)]
    S["DELIVER"] = [(mk, c, e, p, k) for (mk, c, e, p) in d.demand for k in d.demand_tags.get((mk, c, e), ())]
    used = {r for (r, _k, _p) in ship}
    policed = {r for pol in d.policies if pol["measure"] == "max_active_routes"
               for r in routes_into(d, pol["market"], pol["commodities"])}
    S["ACTIVE_ROUTES"] = sorted(r for r in used if d.routes[r].fixed_cost > 0 or r in policed)
    S["MIN_VOLUME_ROUTE_PERIODS"] = sorted({(r, p) for (r, _k, p) in ship if d.routes[r].min_t > 0})
    S["APPLICATIONS"] = sorted(d.windows)
    S["COVERS"] = sorted((L, a, p) for (L, a), w in d.windows.items()
                         if d.licences[L].get("quota_t") is not None for p in w)


def add_variables(f, d):
    """Decision variables (tonnes >= 0 unless binary); upper bounds from the data where one var suffices."""
    S, add = f.sets, f.spec.add_vars
    add("Supply", S["SUPPLY"], ub=lambda key: d.supply[(key[0], untag(key[1])[0], key[2])][0],
        doc="tonnes supplied at a node, per tag and period")
    add("Process", S["PROCESS"], ub=lambda key: d.site_period[(key[0], key[3])][0],
        doc="input tonnes processed at a site, per input tag, output tag and period")
    ship = add("Ship", S["SHIP"], ub=S["ship_ub"], doc="tonnes dispatched on a route, per tag and dispatch period")
    cols = {key: [] for key in d.ship}  # (r, p) -> Ship columns of all tags (keys shared with d.ship)
    for (r, k, p), j in ship.items():
        cols[(r, p)].append(j)
    S["ship_cols"] = {key: js for key, js in cols.items() if js}

    def stock_ub(key):
        cap = d.storage[(key[0], untag(key[1])[0])][0]
        return None if cap == float("inf") else cap

    add("Stock", S["STOCK"], ub=stock_ub, doc="end-of-period stock, per node, tag and period")
    add("Initial", S["INITIAL"], doc="initial stock (open horizon) per node and tag")
    add("Deliver", S["DELIVER"], ub=lambda key: d.demand[key[:4]][0],
        doc="tonnes delivered to demand, per market, commodity, end use, period and tag")
    add("Open", S["CANDIDATE_SITES"], ub=1.0, integer=True, doc="1 if a candidate site is opened")
    add("Active", S["ACTIVE_ROUTES"], ub=1.0, integer=True, doc="1 if a route is used at all")
    add("ActivePeriod", S["MIN_VOLUME_ROUTE_PERIODS"], ub=1.0, integer=True,
        doc="1 if a route with a minimum volume is used in the period")
    add("Apply", S["APPLICATIONS"], ub=1.0, integer=True, doc="1 if a licence is applied for in the period")
    add("Cover", S["COVERS"], doc="tonnes of period p covered by the licence applied for in a")


def add_costs(f, d):
    """Cost lines (currency over the horizon), each reported separately; their sum is the objective.

    supply = sum Supply * cost_per_t * supply cost factor; processing = sum Process * cost_per_t * site
    factor; freight / handling = sum Ship * (sum over legs of cost_per_t / handling_cost_per_t * leg cost
    factor in the period the leg is used) * route and corridor cost factors; route_fixed = fixed_cost *
    Active; site_fixed = fixed_cost * Open; licence = application_cost * Apply; holding =
    holding_cost_per_t * end-of-period Stock; shortfall_penalty = penalty_per_t * (quantity_t - Deliver).
    """
    spec, col = f.spec, f.col

    def line(name, block, coef, constant=0.0):
        cols = col(block)
        spec.add_cost(name, list(cols.values()), [coef(key) for key in cols], constant)

    line("supply", "Supply", lambda key: d.supply[(key[0], untag(key[1])[0], key[2])][1])
    line("processing", "Process", lambda key: d.site_period[(key[0], key[3])][1])
    line("freight", "Ship", lambda key: d.ship[(key[0], key[2])].freight)
    line("handling", "Ship", lambda key: d.ship[(key[0], key[2])].handling)
    line("route_fixed", "Active", lambda r: d.routes[r].fixed_cost)
    line("site_fixed", "Open", lambda s: d.sites[s]["fixed_cost"] or 0.0)
    line("licence", "Apply", lambda key: d.licences[key[0]]["application_cost"] or 0.0)
    line("holding", "Stock", lambda key: d.storage[(key[0], untag(key[1])[0])][1])
    owed = sum(q * pen for (q, pen, _price) in d.demand.values())
    line("shortfall_penalty", "Deliver", lambda key: -d.demand[key[:4]][1], constant=owed)
