"""Formulate the corridor MIP from `CaseData`: the sets, the variables, every constraint family of the
registry (`corridor.formulation.families.FAMILIES`, in its order), then the cost lines.

The families write rows into a `LinearSpec` (plain arrays, `corridor.formulation.spec`), which
`corridor.solve.highs` hands to HiGHS in one call and `corridor.solve.pyomo.build_model` emits as a Pyomo
ConcreteModel.  Every set is a sparse list of tuples that exist in the data; coefficients are plain numbers
computed in `corridor.formulation.case_data`.  With disruption scenarios the model is two-stage: the
first-stage columns (`FIRST_STAGE`) once, a `DisruptionView` per scenario for the rest.  The formulation is
written out in docs/formulation.md.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from corridor.formulation.case_data import CaseData, margin_mode, prepare, routes_into
from corridor.formulation.charges import charge_lines, paid_keys
from corridor.formulation.disruptions import BASE, disruptions
from corridor.formulation.families import FAMILIES
from corridor.formulation.families.investment import chosen_keys
from corridor.formulation.investments import decision_keys, fixed_cost_of
from corridor.formulation.provenance import untag
from corridor.formulation.spec import INF, LinearSpec, Terms
from corridor.perf import paused_gc

if TYPE_CHECKING:
    from corridor.io.validate import Inputs

COST_LINES = ("supply", "processing", "freight", "handling", "route_fixed", "site_fixed", "licence", "holding",
              "shortfall_penalty")



FIRST_STAGE = ("Open", "Active", "Apply", "Build", "Chosen")  # decided once for all scenarios (here and now)


class Formulation:
    """The data, the spec being written and the sparse index lists the families share.

    With disruption scenarios, ``views`` holds one `DisruptionView` per scenario (its own data, sets and
    second-stage columns, writing into the same spec); without, the formulation is its own single view.
    """

    def __init__(self, d: CaseData):
        self.d = d
        self.spec = LinearSpec()
        self.sets = {}
        self.name = BASE
        self.probability = 1.0
        self.views = {BASE: self}
        self.closed_candidates = None
        self.disruption_list = None  # [Disruption] when built from disruption scenarios
        self.base_inputs = None  # the validated inputs it was formulated from, before any disruption

    @property
    def two_stage(self) -> bool:
        """True when the formulation is two-stage (disruption scenarios), False for the core model."""
        return self.views.get(BASE) is not self

    def col(self, name: str) -> dict:
        """{key: column} of variable block ``name``."""
        return self.spec.col[name]

    def expr(self, name: str) -> dict:
        """Indexed expression ``name`` of this view: {key: (cols, coefs, constant)}."""
        return self.spec.exprs.get(name, {})

    def close_candidates(self, sites: Iterable[str]) -> None:
        """Fix the Open column of each candidate site in ``sites`` to 0 (nothing can reach it)."""
        for s in sites:
            self.spec.ub[self.spec.col["Open"][s]] = 0.0

    def cost_lines(self) -> dict:
        """Cost line -> (columns, coefficients, constant) of this view's plan (unweighted)."""
        return {line: (self.spec.costs[line][0], self.spec.costs[line][1], self.spec.cost_constants.get(line, 0.0))
                for line in self.spec.cost_order}


class DisruptionView(Formulation):
    """One scenario of a two-stage formulation: its own data, sets and second-stage columns; first-stage
    columns (``FIRST_STAGE``) are the parent's.  Rows and expressions it adds are keyed ``(scenario, ...)``."""

    def __init__(self, parent: Formulation, name: str, probability: float, d: CaseData):
        self.parent, self.d, self.name, self.probability = parent, d, name, probability
        self.spec = _DisruptionSpec(parent.spec, name)
        self.sets, self.cols, self.recorded = {}, {}, {}
        self.views = parent.views
        self._exprs = {}

    def col(self, name: str) -> dict:
        """{key: column} of variable block ``name`` in this scenario: its own second-stage columns, else the
        parent's first-stage ones."""
        got = self.cols.get(name)
        return got if got is not None else self.parent.spec.col[name]

    def expr(self, name: str) -> dict:
        """Indexed expression ``name`` of this scenario: {key without the scenario: (cols, coefs, constant)}."""
        if name not in self._exprs:
            s = self.name
            self._exprs[name] = {key[1:] if len(key) > 2 else key[1]: v
                                 for key, v in self.parent.spec.exprs.get(name, {}).items() if key[0] == s}
        return self._exprs[name]

    def close_candidates(self, sites: Iterable[str]) -> None:
        """Close candidates that this scenario cannot reach; a site is closed only when no scenario reaches it."""
        self.parent.closed_candidates = (set(sites) if self.parent.closed_candidates is None
                                         else self.parent.closed_candidates & set(sites))

    def cost_lines(self) -> dict:
        """Cost line -> (columns, coefficients, constant) of this scenario's plan (unweighted)."""
        return self.recorded


def _key(s, key):
    return (s,) + key if isinstance(key, tuple) else (s, key)


class _DisruptionSpec:
    """Writes a scenario's rows and expressions into the shared spec, keyed by scenario first."""

    def __init__(self, spec, s):
        self._spec, self._s = spec, s

    def block(self, name, doc=""):
        return self._spec.block(name, doc)

    def add_row(self, block, key, cols, coefs, lo=-INF, hi=INF):
        self._spec.add_row(block, _key(self._s, key), cols, coefs, lo, hi)

    def add_rows(self, block, rows):
        s = self._s
        self._spec.add_rows(block, [(_key(s, k), c, a, lo, hi) for k, c, a, lo, hi in rows])

    def add_terms(self, block, terms, lo=-INF, hi=INF, skip=()):
        s = self._s
        prefixed = Terms()
        prefixed.ids = {_key(s, k): i for k, i in terms.ids.items()}
        prefixed.rows, prefixed.cols, prefixed.coefs = terms.rows, terms.cols, terms.coefs
        self._spec.add_terms(block, prefixed, lo, hi, [_key(s, k) for k in skip])

    def add_csr(self, block, keys, indptr, cols, coefs, lo=-INF, hi=INF):
        s = self._s
        self._spec.add_csr(block, [_key(s, k) for k in keys], indptr, cols, coefs, lo, hi)

    def add_expr(self, name, key, cols, coefs, constant=0.0):
        self._spec.add_expr(name, _key(self._s, key), cols, coefs, constant)

    def __getattr__(self, name):
        return getattr(self._spec, name)


def formulate(data: CaseData | Inputs | list) -> Formulation:
    """Build the whole formulation (see the module docstring for the order).

    ``data``: `CaseData` (one scenario, the core model), validated `Inputs` (its disruption scenarios, if
    any, make a two-stage model) or a list of ``(Disruption, CaseData)``.
    """
    if isinstance(data, CaseData):
        return _formulate_single(data)
    pairs = data if isinstance(data, list) else prepare_disruptions(data)
    if len(pairs) == 1 and pairs[0][0].name == BASE:
        f = _formulate_single(pairs[0][1])
        f.disruption_list = [pairs[0][0]]
    else:
        f = _formulate_two_stage(pairs)
    if not isinstance(data, list):
        f.base_inputs = data  # the undisrupted inputs (corridor N-1 re-solves start from them)
    return f


def prepare_disruptions(inputs: Inputs) -> list:
    """``[(Disruption, CaseData)]``: each scenario of ``inputs`` prepared on its own (see
    `formulation/disruptions.py`)."""
    out = []
    for sc in disruptions(inputs):
        d = prepare(sc.inputs)
        d.revoked = sc.revoked
        out.append((sc, d))
    return out


def _formulate_single(d) -> Formulation:
    with paused_gc():
        f = Formulation(d)
        add_sets(f, d)
        add_variables(f, d)
        for family in FAMILIES:
            if family.build is not None:
                family.build(f, d)
        add_costs(f, d)
    return f


def _formulate_two_stage(pairs) -> Formulation:
    """Two-stage formulation: first-stage columns once (union of every scenario's keys), second-stage columns,
    rows and expressions per scenario, cost lines weighted by the scenario probabilities."""
    with paused_gc():
        f = Formulation(pairs[0][1])
        f.views = {}
        f.disruption_list = [sc for sc, _d in pairs]
        views = []
        for sc, d in pairs:
            v = DisruptionView(f, sc.name, sc.probability, d)
            add_sets(v, d)
            f.views[sc.name] = v
            views.append(v)
        per_view = [variable_blocks(v.sets, v.d) for v in views]
        for i, (name, _keys, _ub, integer, doc) in enumerate(per_view[0]):
            if name in FIRST_STAGE:  # the union of every scenario's keys, each with its own bound (1 for a binary)
                bound = {}
                for blocks in per_view:
                    bound.update((k, b) for k, b in zip(blocks[i][1], _bound_list(blocks[i][2], blocks[i][1]))
                                 if k not in bound)
                keys = sorted(bound)
                f.spec.add_vars(name, keys, ub=[bound[k] for k in keys], integer=integer, doc=doc)
                continue
            keys, ubs = [], []
            for v, blocks in zip(views, per_view):
                ks, ub = blocks[i][1], blocks[i][2]
                keys.extend(_key(v.name, k) for k in ks)
                ubs.extend(_bound_list(ub, ks))
            cols = f.spec.add_vars(name, keys, ub=ubs, integer=integer, doc=doc + ", per scenario")
            for v, blocks in zip(views, per_view):
                v.cols[name] = {k: cols[_key(v.name, k)] for k in blocks[i][1]}
        for v in views:
            _ship_cols(v)
        covers = {}  # the once-families see every scenario's licence windows
        for v in views:
            for key, apps in v.d.covers.items():
                covers.setdefault(key, apps)
        once = dataclasses.replace(views[0].d, covers=covers)
        for family in FAMILIES:
            if family.build is None:
                continue
            if family.once:
                family.build(f, once)
            else:
                for v in views:
                    family.build(v, v.d)
        if f.closed_candidates:
            Formulation.close_candidates(f, sorted(f.closed_candidates))
        for i, v in enumerate(views):
            add_costs(v, v.d, weight=v.probability, first_stage=i == 0)
    return f


def _bound_list(ub, keys):
    if callable(ub):
        return [ub(k) for k in keys]
    if isinstance(ub, list):
        return ub
    return [ub] * len(keys)



def add_sets(f: Formulation, d: CaseData) -> None:
    """Sparse index lists: only (node, tag, period) ... tuples that exist in the data."""
    P = d.periods
    S = f.sets
    S["SUPPLY"] = [(n, k, p) for (n, c, p) in d.supply for k in d.supply_tags.get((n, c), ())]
    S["PROCESS"] = [(s, ki, ko, p) for (s, p) in d.site_period for (ki, ko) in d.proc_arcs.get(s, ())]
    S["CANDIDATE_SITES"] = sorted(s for s, r in d.sites.items() if r["status"] == "candidate"
                                  and any((s, p) in d.site_period for p in P))
    ship, ship_ub, ship_rp, ship_pair = [], [], [], []  # Ship keys, bounds, route-period and pair numbers
    pairs = []  # the (route, tag) pairs, route by route
    rp_keys, bounds = d.rp_keys, d.rp_bound
    first = np.zeros(len(d.routes) + 1, dtype=np.int64)  # route i's route-periods: first[i] .. first[i + 1] - 1
    np.cumsum(np.bincount(d.rp_route, minlength=len(d.routes)), out=first[1:])
    first = first.tolist()
    for ri, r in enumerate(d.routes):
        a, b = first[ri], first[ri + 1]
        if a == b or r not in d.ship_tags:
            continue
        tags, base = d.ship_tags[r], len(pairs)
        needs = [d.gating.get((r, k)) for k in tags]
        pairs.extend((r, k) for k in tags)
        if len(tags) == 1 and not needs[0]:
            k = tags[0]
            ship.extend([(r, k, p) for _r, p in rp_keys[a:b]])
            ship_ub.extend(bounds[a:b])
            ship_rp.extend(range(a, b))
            ship_pair.extend([base] * (b - a))
            continue
        for j in range(a, b):
            p = rp_keys[j][1]
            for i, (k, need) in enumerate(zip(tags, needs)):
                # a gated flow needs a licence held in p, and none of its licences revoked in p (a scenario's)
                if not need or all((L, p) in d.covers and (L, p) not in d.revoked for L in need):
                    ship.append((r, k, p))
                    ship_ub.append(bounds[j])
                    ship_rp.append(j)
                    ship_pair.append(base + i)
    S["SHIP"], S["ship_ub"], S["ship_pairs"] = ship, ship_ub, pairs
    S["ship_rp"], S["ship_pair"] = np.array(ship_rp, dtype=np.int64), np.array(ship_pair, dtype=np.int64)
    S["STOCK"] = [(n, k, p) for (n, c) in d.storage for k in d.stock_tags.get((n, c), ()) for p in P]
    S["INITIAL"] = [(n, k) for (n, c), v in d.storage.items() if v[2] > 0
                    for k in d.stock_tags.get((n, c), ()) if k in d.tagging.source_tags(c)]
    S["DELIVER"] = [(mk, c, e, p, k) for (mk, c, e, p) in d.demand for k in d.demand_tags.get((mk, c, e), ())]
    carried = np.flatnonzero(np.bincount(S["ship_rp"], minlength=len(d.rp_keys)))  # route-periods with a column
    routes = list(d.routes)
    used = {routes[i] for i in np.flatnonzero(np.bincount(d.rp_route[carried], minlength=len(routes))).tolist()}
    policed = {r for pol in d.policies if pol["measure"] == "max_active_routes"
               for r in routes_into(d, pol["market"], pol["commodities"])}
    S["ACTIVE_ROUTES"] = sorted(r for r in used if d.routes[r].fixed_cost > 0 or r in policed)
    minimum = np.array([route.min_t > 0 for route in d.routes.values()] or [False], dtype=bool)
    S["MIN_VOLUME_ROUTE_PERIODS"] = sorted(d.rp_keys[i] for i in carried[minimum[d.rp_route[carried]]].tolist())
    S["CO_SPLIT"] = [(s, ki, k, p) for (s, ki), opts in d.co_options.items() for _c, _y, ks in opts if len(ks) > 1
                     for k in ks for p in P if (s, p) in d.site_period]
    S["REAGENT_USE"] = [(s, k, p) for (s, c), ks in d.reagent_tags.items() if len(ks) > 1 for k in ks
                        for p in P if (s, p) in d.site_period]  # one tag: the balance takes Process directly
    S["CHARGE_PAID"] = paid_keys(d)
    S["DISCARD"] = [(n, k, p) for (n, c), ks in d.discard_tags.items() for k in ks for p in P]
    S["APPLICATIONS"] = sorted(d.windows)
    S["BUILD"] = decision_keys(d)
    S["CHOSEN"] = chosen_keys(d)
    S["COVERS"] = sorted((L, a, p) for (L, a), w in d.windows.items()
                         if d.licences[L].get("quota_t") is not None for p in w)


def variable_blocks(S: dict, d: CaseData) -> list:
    """``(name, keys, upper bound, integer, doc)`` of every variable block, in column order (tonnes >= 0
    unless binary; upper bounds from the data where one variable suffices)."""
    def stock_ub(key):
        cap = d.storage[(key[0], untag(key[1])[0])][0]
        return None if cap == float("inf") else cap

    return [
        ("Supply", S["SUPPLY"], lambda key: d.supply[(key[0], untag(key[1])[0], key[2])][0], False,
         "tonnes supplied at a node, per tag and period"),
        ("Process", S["PROCESS"], lambda key: d.site_period[(key[0], key[3])][0], False,
         "input tonnes processed at a site, per input tag, output tag and period"),
        ("Ship", S["SHIP"], S["ship_ub"], False, "tonnes dispatched on a route, per tag and dispatch period"),
        ("Stock", S["STOCK"], stock_ub, False, "end-of-period stock, per node, tag and period"),
        ("Initial", S["INITIAL"], None, False, "initial stock (open horizon) per node and tag"),
        ("Deliver", S["DELIVER"], lambda key: d.demand[key[:4]][0], False,
         "tonnes delivered to demand, per market, commodity, end use, period and tag"),
        ("Open", S["CANDIDATE_SITES"], 1.0, True, "1 if a candidate site is opened"),
        ("Active", S["ACTIVE_ROUTES"], 1.0, True, "1 if a route is used at all"),
        ("ActivePeriod", S["MIN_VOLUME_ROUTE_PERIODS"], 1.0, True,
         "1 if a route with a minimum volume is used in the period"),
        ("Apply", S["APPLICATIONS"], 1.0, True, "1 if a licence is applied for in the period"),
        ("Cover", S["COVERS"], None, False, "tonnes of period p covered by the licence applied for in a"),
        ("Build", S["BUILD"], [float(d.investments[i].max_units) for (i, _a) in S["BUILD"]], True,
         "units of an investment decided in the period"),
        ("Chosen", S["CHOSEN"], 1.0, True, "1 if an alternative of an exclusive group is the one built"),
        ("CoSplit", S["CO_SPLIT"], None, False,
         "tonnes of a co-product made from an input tag, per earmark it is given, and period"),
        ("ReagentUse", S["REAGENT_USE"], None, False,
         "tonnes of a reagent consumed by a process, per reagent tag and period (reagents with several tags)"),
        ("Discard", S["DISCARD"], None, False, "tonnes discarded at a node, per tag and period"),
        ("ChargePaid", S["CHARGE_PAID"], None, False,
         "tonnes a subsidy or premium with a budget pays for, per charge and period"),
    ]


def add_variables(f: Formulation, d: CaseData) -> None:
    """Decision variables: the blocks of `variable_blocks`, one column per sparse key."""
    for name, keys, ub, integer, doc in variable_blocks(f.sets, d):
        f.spec.add_vars(name, keys, ub=ub, integer=integer, doc=doc)
    _ship_cols(f)


def _ship_cols(f):
    """``sets['ship_ptr']``, ``sets['ship_colarr']``: route-period i (``RoutePeriod.id``) has the Ship columns
    ``ship_colarr[ship_ptr[i]:ship_ptr[i + 1]]``, one per tag (none: it carries nothing)."""
    S = f.sets
    cols = f.col("Ship")
    counts = np.bincount(S["ship_rp"], minlength=len(f.d.rp_keys))
    ptr = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    S["ship_ptr"], S["ship_colarr"] = ptr, np.fromiter(cols.values(), dtype=np.int64, count=len(cols))


def _first_stage_record(f, table, key):
    """The data record (route, site, licence) behind a first-stage decision: from this scenario's data, or,
    for an id this scenario does not know (a licence it refuses, a route it closes), from the first scenario
    that has it: first-stage columns are the union of every scenario's keys."""
    views = f.views.values() if isinstance(f, DisruptionView) else ()
    for d in (f.d, *(v.d for v in views)):
        rec = getattr(d, table).get(key)
        if rec is not None:
            return rec
    raise KeyError(f"{table}: {key}")


def add_costs(f: Formulation, d: CaseData, weight: float = 1.0, first_stage: bool = True) -> None:
    """Cost lines (currency over the horizon), each reported separately; their sum is the objective.

    supply = sum Supply * cost_per_t * supply cost factor; processing = sum Process * cost_per_t * site
    factor; freight / handling = sum Ship * (sum over legs of cost_per_t / handling_cost_per_t * leg cost
    factor in the period the leg is used) * route and corridor cost factors; route_fixed = fixed_cost *
    Active; site_fixed = fixed_cost * Open; licence = application_cost * Apply; holding =
    holding_cost_per_t * end-of-period Stock; shortfall_penalty = penalty_per_t * (quantity_t - Deliver);
    disposal (contract v2, when a commodity has a disposal cost) = disposal_cost_per_t * Discard;
    revenue (objective max_margin only) = - price_per_t * Deliver, so that minimising the sum maximises the
    margin (the run reports the margin, revenue minus cost, as its objective); tariff, tax, fee (costs) and
    subsidy, premium (negative) = per_t * discount(p) * the tonnes each charge counts (`charges`).

    With scenarios each line is the expected value: a second-stage line is weighted by the scenario's
    ``weight`` (its probability); first-stage lines (route_fixed, site_fixed, licence) are added once.

    Years (contract v2): every coefficient of a period is multiplied by that period's discount factor
    (`Calendar.discount`): supply, processing, holding and shortfall in their period, freight and handling in
    the dispatch period, a licence in its application period; route_fixed and site_fixed ("once over the
    horizon") count in the first year.  With investments two more lines: capex = capex * discount(a) *
    Build[i,a]; investment_fixed = Build[i,a] * sum over the periods p it is in service of
    fixed_cost_per_year * days(p) / 365 * discount(p).
    """
    spec, col = f.spec, f.col
    record = f.recorded if isinstance(f, DisruptionView) else None

    def add(name, js, coefs, constant=0.0, once=False):
        """A cost line: recorded for the scenario; first-stage lines once, the others weighted."""
        if record is not None:
            record[name] = (js, coefs, constant)
        if once:
            if first_stage:
                spec.add_cost(name, js, coefs, constant)
        elif weight == 1.0:
            spec.add_cost(name, js, coefs, constant)
        else:
            spec.add_cost(name, js, [a * weight for a in coefs], constant * weight)

    def line(name, block, coef, constant=0.0):
        cols = col(block)
        add(name, list(cols.values()), [coef(key) for key in cols], constant, once=block in FIRST_STAGE)

    disc = d.cal.discount
    line("supply", "Supply", lambda key: d.supply[(key[0], untag(key[1])[0], key[2])][1] * disc[key[2]])
    line("processing", "Process", lambda key: d.site_period[(key[0], key[3])][1] * disc[key[3]])
    js = list(col("Ship").values())  # freight and handling per route-period, times the dispatch period's discount
    rp = f.sets["ship_rp"]
    x = np.array([disc[p] for p in d.periods], dtype=np.float64)[d.rp_period[rp]]
    add("freight", js, (np.array(d.ship.freight, dtype=np.float64)[rp] * x).tolist())
    add("handling", list(js), (np.array(d.ship.handling, dtype=np.float64)[rp] * x).tolist())
    line("route_fixed", "Active", lambda r: _first_stage_record(f, "routes", r).fixed_cost)
    line("site_fixed", "Open", lambda s: _first_stage_record(f, "sites", s)["fixed_cost"] or 0.0)
    line("licence", "Apply", lambda key: (_first_stage_record(f, "licences", key[0])["application_cost"] or 0.0)
         * disc[key[1]])
    line("holding", "Stock", lambda key: d.storage[(key[0], untag(key[1])[0])][1] * disc[key[2]])
    owed = sum(q * pen * disc[key[3]] for key, (q, pen, _price) in d.demand.items())
    line("shortfall_penalty", "Deliver", lambda key: -d.demand[key[:4]][1] * disc[key[3]], constant=owed)
    if margin_mode(d.settings):  # contract v2: revenue as a negative cost line
        line("revenue", "Deliver", lambda key: -(d.demand[key[:4]][2] or 0.0) * disc[key[3]])
    if d.disposal:
        line("disposal", "Discard", lambda key: d.disposal[untag(key[1])[0]] * disc[key[2]])
    for name, (js, coefs) in charge_lines(f, d).items():  # contract v2: one line per kind of charge
        add(name, js, coefs)
    if d.investments:
        line("capex", "Build", lambda key: d.investments[key[0]].capex * disc[key[1]])
        line("investment_fixed", "Build", lambda key: fixed_cost_of(d, *key))
