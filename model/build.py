"""Build the corridor MIP as a Pyomo ConcreteModel from `CaseData`.

`build_model(data)` decides the build order: sets, variables, then one function per constraint family
(`families_flow.py`, `families_rules.py`), then the cost expressions and the objective.  Every set is a
sparse list of tuples that exist in the data; coefficients are plain Python numbers computed in
`data.py` (values never change after the build, so no Params).  The formulation is written out in
`docs/formulation.md`.
"""
from __future__ import annotations

import gc
from collections import defaultdict

import pyomo.environ as pyo

from . import families_flow as flow
from . import families_rules as rules
from .data import CaseData, prepare
from .provenance import untag


def build_model(data) -> pyo.ConcreteModel:
    """Return the ConcreteModel for ``data`` (a `CaseData`, or validated `Inputs` which are prepared first)."""
    if not isinstance(data, CaseData):
        data = prepare(data)
    enabled = gc.isenabled()
    gc.disable()  # construction allocates millions of small objects; collection cycles only slow it down
    try:
        m = pyo.ConcreteModel(name="corridor")
        m._data = data
        add_sets(m, data)
        add_variables(m, data)
        for family in (flow.supply_limits, flow.site_processing, flow.route_volumes, flow.leg_capacity,
                       flow.node_balance, flow.storage_limits, flow.demand_limits,
                       rules.licence_holding, rules.licence_gating, rules.policy_shares,
                       rules.policy_active_routes):
            family(m, data)
        add_costs(m, data)
        m.Total_Cost_Objective = pyo.Objective(expr=m.TotalCost, sense=pyo.minimize)
    finally:
        if enabled:
            gc.enable()
    return m


def add_sets(m, d):
    """Sparse index sets: only (node, tag, period) ... tuples that exist in the data."""
    P = d.periods
    m.PERIODS = pyo.Set(initialize=P, ordered=True)
    supply = [(n, k, p) for (n, c, p) in d.supply for k in d.supply_tags.get((n, c), ())]
    m.SUPPLY = pyo.Set(initialize=supply, dimen=3, ordered=False)
    proc = [(s, ki, ko, p) for (s, p) in d.site_period for (ki, ko) in d.proc_arcs.get(s, ())]
    m.PROCESS = pyo.Set(initialize=proc, dimen=4, ordered=False)
    m.CANDIDATE_SITES = pyo.Set(initialize=sorted(s for s, r in d.sites.items() if r["status"] == "candidate"
                                                  and any((s, p) in d.site_period for p in P)))
    ship = []
    for (r, p) in d.ship:
        for k in d.ship_tags[r]:
            need = d.gating.get((r, k), ())
            if all((L, p) in d.covers for L in need):  # a gated flow needs a licence that can be held in p
                ship.append((r, k, p))
    m.SHIP = pyo.Set(initialize=ship, dimen=3, ordered=False)
    m.STOCK = pyo.Set(initialize=[(n, k, p) for (n, c) in d.storage for k in d.stock_tags.get((n, c), ())
                                  for p in P], dimen=3, ordered=False)
    m.INITIAL = pyo.Set(initialize=[(n, k) for (n, c), v in d.storage.items() if v[2] > 0
                                    for k in d.stock_tags.get((n, c), ()) if k in d.tagging.source_tags(c)],
                        dimen=2, ordered=False)
    m.DELIVER = pyo.Set(initialize=[(mk, c, e, p, k) for (mk, c, e, p) in d.demand
                                    for k in d.demand_tags.get((mk, c, e), ())], dimen=5, ordered=False)
    m.DEMAND = pyo.Set(initialize=list(d.demand), dimen=4, ordered=False)
    used = {r for (r, _k, _p) in ship}
    policed = {r for pol in d.policies if pol["measure"] == "max_active_routes"
               for r in d.routes if d.routes[r].destination == pol["market"]
               and d.routes[r].commodity in pol["commodities"]}
    m.ACTIVE_ROUTES = pyo.Set(initialize=sorted(r for r in used if d.routes[r].fixed_cost > 0 or r in policed))
    m.MIN_VOLUME_ROUTE_PERIODS = pyo.Set(initialize=sorted((r, p) for (r, p) in d.ship if r in used
                                                           and d.routes[r].min_t > 0), dimen=2)
    m.APPLICATIONS = pyo.Set(initialize=sorted(d.windows), dimen=2)
    m.COVERS = pyo.Set(initialize=sorted((L, a, p) for (L, a), w in d.windows.items()
                                         if d.licences[L].get("quota_t") is not None for p in w), dimen=3)
    # adjacency used by several families
    tags = defaultdict(list)
    for (r, k, p) in ship:
        tags[(r, p)].append(k)
    m._ship_tags = tags


def add_variables(m, d):
    """Decision variables (tonnes >= 0 unless binary); upper bounds from the data where one var suffices."""
    m.Supply = pyo.Var(m.SUPPLY, within=pyo.NonNegativeReals,
                       bounds=lambda m, n, k, p: (0, d.supply[(n, untag(k)[0], p)][0]))
    m.Process = pyo.Var(m.PROCESS, within=pyo.NonNegativeReals,
                        bounds=lambda m, s, ki, ko, p: (0, d.site_period[(s, p)][0]))
    m.Ship = pyo.Var(m.SHIP, within=pyo.NonNegativeReals, bounds=lambda m, r, k, p: (0, d.ship[(r, p)]["bound"]))

    def stock_bounds(m, n, k, p):
        cap = d.storage[(n, untag(k)[0])][0]
        return (0, None if cap == float("inf") else cap)

    m.Stock = pyo.Var(m.STOCK, within=pyo.NonNegativeReals, bounds=stock_bounds)
    m.Initial = pyo.Var(m.INITIAL, within=pyo.NonNegativeReals)
    m.Deliver = pyo.Var(m.DELIVER, within=pyo.NonNegativeReals,
                        bounds=lambda m, mk, c, e, p, k: (0, d.demand[(mk, c, e, p)][0]))
    m.Open = pyo.Var(m.CANDIDATE_SITES, within=pyo.Binary)
    m.Active = pyo.Var(m.ACTIVE_ROUTES, within=pyo.Binary)
    m.ActivePeriod = pyo.Var(m.MIN_VOLUME_ROUTE_PERIODS, within=pyo.Binary)
    m.Apply = pyo.Var(m.APPLICATIONS, within=pyo.Binary)
    m.Cover = pyo.Var(m.COVERS, within=pyo.NonNegativeReals)


def ship_total(m, r, p):
    """Linear expression: tonnes dispatched on route r in period p, all tags."""
    return sum(m.Ship[r, k, p] for k in m._ship_tags.get((r, p), ()))


def add_costs(m, d):
    """Cost expressions (currency over the horizon), each reported separately, and their total.

    supply = sum Supply * cost_per_t * supply cost factor; processing = sum Process * cost_per_t * site
    factor; freight / handling = sum Ship * (sum over legs of cost_per_t / handling_cost_per_t * leg cost
    factor in the period the leg is used) * route and corridor cost factors; route fixed = fixed_cost *
    Active; site fixed = fixed_cost * Open; licence = application_cost * Apply; holding = holding_cost_per_t
    * end-of-period Stock; shortfall = penalty_per_t * Shortfall.
    """
    lin = pyo.quicksum
    m.SupplyCost = pyo.Expression(expr=lin((d.supply[(n, untag(k)[0], p)][1] * m.Supply[n, k, p]
                                            for (n, k, p) in m.SUPPLY)))
    m.ProcessingCost = pyo.Expression(expr=lin((d.site_period[(s, p)][1] * m.Process[s, ki, ko, p]
                                                for (s, ki, ko, p) in m.PROCESS)))
    m.FreightCost = pyo.Expression(expr=lin((d.ship[(r, p)]["freight"] * m.Ship[r, k, p]
                                             for (r, k, p) in m.SHIP)))
    m.HandlingCost = pyo.Expression(expr=lin((d.ship[(r, p)]["handling"] * m.Ship[r, k, p]
                                              for (r, k, p) in m.SHIP)))
    m.RouteFixedCost = pyo.Expression(expr=lin((d.routes[r].fixed_cost * m.Active[r] for r in m.ACTIVE_ROUTES)))
    m.SiteFixedCost = pyo.Expression(expr=lin(((d.sites[s]["fixed_cost"] or 0.0) * m.Open[s]
                                               for s in m.CANDIDATE_SITES)))
    m.LicenceCost = pyo.Expression(expr=lin(((d.licences[L]["application_cost"] or 0.0) * m.Apply[L, a]
                                             for (L, a) in m.APPLICATIONS)))
    m.HoldingCost = pyo.Expression(expr=lin((d.storage[(n, untag(k)[0])][1] * m.Stock[n, k, p]
                                             for (n, k, p) in m.STOCK)))
    owed = sum(q * pen for (q, pen, _price) in d.demand.values())
    m.ShortfallCost = pyo.Expression(expr=owed - lin((d.demand[(mk, c, e, p)][1] * m.Deliver[mk, c, e, p, k]
                                                      for (mk, c, e, p, k) in m.DELIVER)))
    m.TotalCost = pyo.Expression(expr=m.SupplyCost + m.ProcessingCost + m.FreightCost + m.HandlingCost
                                 + m.RouteFixedCost + m.SiteFixedCost + m.LicenceCost + m.HoldingCost
                                 + m.ShortfallCost)


COST_LINES = (("supply", "SupplyCost"), ("processing", "ProcessingCost"), ("freight", "FreightCost"),
              ("handling", "HandlingCost"), ("route_fixed", "RouteFixedCost"), ("site_fixed", "SiteFixedCost"),
              ("licence", "LicenceCost"), ("holding", "HoldingCost"), ("shortfall_penalty", "ShortfallCost"))
