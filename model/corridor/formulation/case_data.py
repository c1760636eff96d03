"""Model-ready data derived from validated inputs: sparse index tuples, effective capacities and costs,
transit offsets, licence gating, policy expansion and data-derived big-M bounds.

Everything the formulation indexes is built here once, as plain Python data (adjacency lists, dicts
keyed by sparse tuples), so that `formulation/build.py` never filters a cross-product.  The runnable
(route, period) pairs, the bulk of the model, are numbered once and kept as lists and numpy arrays by number
(`route_periods`: ``rp_*``, ``leg_uses``, ``ship`` read from them), which the families read with numpy.
"""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from corridor.formulation.calendar import Calendar, Seasons
from corridor.formulation.charges import prepare_charges
from corridor.formulation.coproducts import coproduct_made, joint_arcs, prepare_coproducts
from corridor.formulation.investments import most_added, prepare_investments
from corridor.formulation.provenance import Tagging, route_could_match, rule_matches, transited, untag
from corridor.formulation.route_periods import LegUses, RoutePeriods, route_periods
from corridor.io.issues import Issue
from corridor.io.schema import STAR
from corridor.perf import paused_gc

if TYPE_CHECKING:
    from corridor.io.validate import Inputs

INF = math.inf


@dataclass
class Route:
    """A route with what the formulation needs of it: legs in order, days before each leg, total transit days,
    cost and volume limits, and its ends' countries."""

    id: str
    origin: str
    destination: str
    commodity: str
    corridor: str
    fixed_cost: float
    min_t: float
    max_t: float
    legs: list
    leg_days: list  # days travelled before each leg starts
    total_days: float
    o_country: str
    d_country: str
    leg_countries: set
    row: int = 0

    @property
    def transit_countries(self) -> set:
        """Countries of its legs that are neither the origin's nor the destination's country."""
        return {c for c in self.leg_countries if c not in (self.o_country, self.d_country)}


@dataclass
class CaseData:
    """All derived data; see the module docstring.  Built by `prepare(inputs)`."""

    inputs: object
    settings: dict
    cal: Calendar
    seasons: Seasons
    commodities: list
    nodes: dict
    country: dict
    legs: dict
    routes: dict
    sites: dict
    rules: list
    policy_rows: list
    supply: dict = field(default_factory=dict)  # (n, c, p) -> (cap_t, cost_per_t)
    supply_tags: dict = field(default_factory=dict)  # (n, c) -> [tag]
    site_period: dict = field(default_factory=dict)  # (s, p) -> (cap_t, cost_per_t, min_t)
    proc_arcs: dict = field(default_factory=dict)  # s -> [(k_in, k_out)]
    ship: RoutePeriods | dict = field(default_factory=dict)  # (r, p) -> RoutePeriod
    ship_tags: dict = field(default_factory=dict)  # r -> [tag]
    # every route-period found runnable, numbered (RoutePeriod.id): (r, p), route number in `routes`, period index
    rp_keys: list = field(default_factory=list)
    rp_route: object = None  # numpy int64 arrays, one entry per rp_keys entry
    rp_period: object = None
    rp_arrive: object = None  # arrival period index
    rp_bound: list = field(default_factory=list)  # U[r,p] (`RoutePeriod.bound`)
    leg_uses: LegUses | None = None  # the (leg, q) each route-period uses (`route_periods.LegUses`)
    leg_cap: dict = field(default_factory=dict)  # (leg, q) -> effective capacity (finite only)
    storage: dict = field(default_factory=dict)  # (n, c) -> (cap_t or inf, hold_per_t, initial_t)
    stock_tags: dict = field(default_factory=dict)  # (n, c) -> [tag]
    demand: dict = field(default_factory=dict)  # (m, c, e, p) -> (qty_t, penalty_per_t, price_per_t)
    must_meet: dict = field(default_factory=dict)  # (m, c, e, p) -> Excel row of a must_meet = yes demand row
    min_fill: dict = field(default_factory=dict)  # (m, c, e, p) -> (share, Excel row) of a demand row's min_fill
    # what `_bounds` tightened U[r,p] with (diagnose/explain.py cites it)
    bound_parts: dict = field(default_factory=dict)
    demand_tags: dict = field(default_factory=dict)  # (m, c, e) -> [tag]
    licences: dict = field(default_factory=dict)  # L -> rule record (required, granted, gating a flow)
    gated: dict = field(default_factory=dict)  # L -> [(r, tag)]
    gating: dict = field(default_factory=dict)  # (r, tag) -> [L] required licences the flow needs
    arrive_tag: dict = field(default_factory=dict)  # (r, tag) -> tag of the tonnes at the destination
    covers: dict = field(default_factory=dict)  # (L, p) -> [a] applications whose window holds p
    windows: dict = field(default_factory=dict)  # (L, a) -> [covered periods]
    policies: list = field(default_factory=list)  # expanded: dicts with market, commodities, ...
    investments: dict = field(default_factory=dict)  # investment id -> `investments.Investment`
    invested: dict = field(default_factory=lambda: defaultdict(list))  # (kind, target key) -> [investment ids]
    coproducts: dict = field(default_factory=lambda: defaultdict(list))  # process -> [(commodity, t/t input)]
    reagents: dict = field(default_factory=lambda: defaultdict(list))  # process -> [(commodity, t/t input)]
    disposal: dict = field(default_factory=dict)  # commodity -> cost per tonne discarded
    charges: dict = field(default_factory=dict)  # charge id -> `charges.Charge`
    product_rows: dict = field(default_factory=dict)  # (process, commodity) -> site_products Excel row
    co_options: dict = field(default_factory=dict)  # (process, input tag) -> [(co-product, yield, [tags])]
    reagent_tags: dict = field(default_factory=dict)  # (process, reagent) -> [tag at the site node]
    discard_tags: dict = field(default_factory=dict)  # (node, disposable commodity) -> [tag]
    tagging: Tagging | None = None
    removed_flows: list = field(default_factory=list)  # (route, tag, rule id) removed as prohibited
    revoked: set = field(default_factory=set)  # (licence, period) revoked in this scenario
    warnings: list = field(default_factory=list)  # Issues found while deriving (the data is usable)
    _routes_into: dict | None = None
    _leg_periods: dict | None = None

    @property
    def periods(self) -> list:
        """The period ids in time order."""
        return self.cal.periods

    @property
    def leg_periods(self) -> dict:
        """(leg, q) -> [(r, p)]: the route-periods using each leg in each period, in first-use order (built from
        ``leg_uses`` on first use; it may list route-periods that carry nothing, its readers skip those)."""
        if self._leg_periods is None:
            self._leg_periods = {} if self.leg_uses is None else self.leg_uses.users(self.rp_keys)
        return self._leg_periods


def margin_mode(settings: dict) -> bool:
    """Revenue is a cost line and only a demand row's own penalty counts: objective max_margin, or a frontier of
    a max_margin workbook (``settings['margin'] = True``, `corridor pareto`)."""
    return settings.get("objective") == "max_margin" or bool(settings.get("margin"))


def _by(rows, key):
    return {r[key]: r for r in rows}


def prepare(inputs: Inputs) -> CaseData:
    """Derive every sparse index, effective coefficient and bound the model needs (see module doc)."""
    with paused_gc():
        return _prepare(inputs)


def _prepare(inputs) -> CaseData:
    t = inputs.tables
    s = inputs.settings
    cal = Calendar(t["periods"], cyclic=s["horizon"] == "cyclic", discount_rate=s.get("discount_rate") or 0.0)
    seasons = Seasons(t["seasonality"], cal)
    nodes = _by(t["nodes"], "node")
    country = {n: r["country"] for n, r in nodes.items()}
    legs = _by(t["legs"], "leg")
    steps = defaultdict(list)
    for r in t["route_legs"]:
        steps[r["route"]].append(r)
    routes = {}
    for r in t["routes"]:
        seq = [x["leg"] for x in sorted(steps[r["route"]], key=lambda x: x["seq"])]
        days, acc = [], 0.0
        for leg in seq:
            days.append(acc)
            acc += legs[leg]["transit_days"] or 0.0
        routes[r["route"]] = Route(
            r["route"], r["origin"], r["destination"], r["commodity"], r["corridor"], r["fixed_cost"] or 0.0,
            r["min_volume_t"] or 0.0, INF if r["max_volume_t"] is None else r["max_volume_t"], seq, days, acc,
            country[r["origin"]], country[r["destination"]], {legs[x]["country"] for x in seq}, r["_row"])
    rules = [r for r in t["licences"]]
    policy_rows = [p for p in t["policies"] if p.get("active", "yes") != "no"]
    d = CaseData(inputs, s, cal, seasons, [r["commodity"] for r in t["commodities"]], nodes, country, legs,
                 routes, processes(t["sites"]), rules, policy_rows)
    prepare_investments(d, t.get("investments", []))
    prepare_coproducts(d, t)
    d.charges = prepare_charges(d, t)
    _supply_sites_storage_demand(d, t)
    d.tagging = Tagging(d)
    route_periods(d, _bounds(d))
    for r, route in d.routes.items():
        if route.min_t > 0 and not any((r, p) in d.ship for p in d.periods):
            d.warnings.append(Issue("routes", route.row, "min_volume_t", f"route '{r}' can never carry its minimum "
                                    f"{route.min_t:g} t in a period (capacity too small or closed); it is unused",
                                    "warning"))
    _tags_and_gating(d)
    _policies(d)
    return d


def processes(rows: list) -> dict:
    """The processes of the sites sheet, by process id: the site id when the site has one row, else
    ``site/input_commodity`` (contract v2: a site may have one row per input commodity).  Each record is its
    sites row with ``pid`` added; ``site`` stays the node."""
    by_site = defaultdict(list)
    for r in rows:
        by_site[r["site"]].append(r)
    out = {}
    for s, rs in by_site.items():
        for r in rs:
            pid = s if len(rs) == 1 else f"{s}/{r['input_commodity']}"
            out[pid] = {**r, "pid": pid}
    return out


def _supply_sites_storage_demand(d, t):
    cal, se = d.cal, d.seasons
    explicit = {(r["node"], r["commodity"], r["period"]) for r in t["supply"] if r["period"] != STAR}
    for r in t["supply"]:
        for p in (cal.periods if r["period"] == STAR else [r["period"]]):
            key = (r["node"], r["commodity"], p)
            if r["period"] == STAR and key in explicit:
                continue  # a '*' row and a row for the period: the period's own row wins
            # the most it can ever supply: its capacity and every unit of the investments on it
            cap = (r["capacity_t"] + most_added(d, "supply", key[:2])) * se.cap_factor("supply", r["node"], p)
            cost = (r["cost_per_t"] or 0.0) * se.cost_factor("supply", r["node"], p)
            if cap > 0:
                d.supply[key] = (cap, cost)
    for s, r in d.sites.items():
        first = cal.index[r["available_from"]] if r.get("available_from") else 0
        most = r["capacity_t"] + most_added(d, "site", s)  # with every unit of the investments on it
        for p in cal.periods[first:]:
            cap = most * se.cap_factor("site", r["site"], p)
            if cap <= 0:
                continue
            cost = (r["cost_per_t"] or 0.0) * se.cost_factor("site", r["site"], p)
            d.site_period[(s, p)] = (cap, cost, min(r["min_throughput_t"] or 0.0, cap))
    for r in t["storage"]:
        cap = INF if r["capacity_t"] is None else r["capacity_t"] + most_added(d, "storage", (r["node"],
                                                                                             r["commodity"]))
        init = 0.0 if d.cal.cyclic else (r["initial_t"] or 0.0)
        if init > cap:
            d.warnings.append(Issue("storage", r["_row"], "initial_t", f"{init:g} t exceeds capacity_t {cap:g}; "
                                    "the initial stock is cut to the capacity", "warning"))
        d.storage[(r["node"], r["commodity"])] = (cap, r["holding_cost_per_t"] or 0.0, min(init, cap))
    default_pen = d.settings["shortfall_penalty_per_t"]
    margin = margin_mode(d.settings)
    explicit = {(r["market"], r["commodity"], r["end_use"], r["period"]) for r in t["demand"] if r["period"] != STAR}
    for r in t["demand"]:
        for p in (cal.periods if r["period"] == STAR else [r["period"]]):
            key = (r["market"], r["commodity"], r["end_use"], p)
            if r["period"] == STAR and key in explicit:
                continue  # the period's own row wins over a '*' row
            pen = default_pen if r["shortfall_penalty_per_t"] is None else r["shortfall_penalty_per_t"]
            if margin and r["shortfall_penalty_per_t"] is None:
                pen = 0.0  # max_margin: only a row's own penalty counts
            d.demand[key] = (r["quantity_t"], pen, r["price_per_t"])
            if r.get("must_meet") == "yes":
                d.must_meet[key] = r["_row"]
            if (r.get("min_fill") or 0) > 0:
                d.min_fill[key] = (r["min_fill"], r["_row"])


def _tags_and_gating(d):
    tg = d.tagging
    routes = list(d.routes)
    runnable = {routes[i] for i in np.flatnonzero(np.bincount(d.rp_route, minlength=len(routes))).tolist()}
    rules_by_route = {r: [rule for rule in d.rules if route_could_match(rule, route)]
                      for r, route in d.routes.items() if r in runnable}
    verdict = {}  # (r, k) -> None (prohibited) or [required licences]
    blocked = []

    def allowed(r, k):
        key = (r, k)
        if key not in verdict:
            if r not in runnable or untag(k)[0] != d.routes[r].commodity:
                verdict[key] = None
                return False
            need = []
            for rule in rules_by_route[r]:
                if not rule_matches(rule, d.routes[r], k):
                    continue
                if rule["rule"] == "prohibited" or rule["granted"] == "no":
                    blocked.append((r, k, rule["licence"]))
                    need = None
                    break
                need.append(rule["licence"])
            verdict[key] = need
        return verdict[key] is not None

    supplied = {(n, c) for (n, c, _p) in d.supply}
    demand_rows = {(m, c, e) for (m, c, e, _p) in d.demand}
    sources = set()
    for (n, c) in supplied:
        sources.update((n, k) for k in tg.source_tags(c))
    for (n, c), (_cap, _h, init) in d.storage.items():
        if init > 0:
            sources.update((n, k) for k in tg.source_tags(c))
    site_nodes = defaultdict(list)  # node -> [(process, input commodity)] of the processes that can run
    for s, rec in d.sites.items():
        if any((s, p) in d.site_period for p in d.periods):
            site_nodes[rec["site"]].append((s, rec["input_commodity"]))
    demand_uses = defaultdict(set)
    for (m, c, e) in demand_rows:
        demand_uses[(m, c)].add(tg.demand_class(c, e, d.country[m]))
    reached, useful = tg.reachability(allowed, sources, site_nodes, demand_uses)
    live = reached & useful
    for (r, k), need in verdict.items():
        route = d.routes[r]
        if need is not None and (route.origin, k) in live and (route.destination, tg.arrival_tag(route, k)) in live:
            d.ship_tags.setdefault(r, []).append(k)
            d.arrive_tag[(r, k)] = tg.arrival_tag(route, k)
            if need:
                d.gating[(r, k)] = need
    for r in d.ship_tags:
        d.ship_tags[r].sort()
    if len(d.ship_tags) < len(runnable):
        d.ship.drop(d.rp_keys[i] for i in np.flatnonzero(
            ~np.array([r in d.ship_tags for r in d.routes], dtype=bool)[d.rp_route]).tolist())
        # d.rp_keys and d.leg_periods still list route-periods that carry nothing; their readers skip those
    for (n, c) in supplied:
        d.supply_tags[(n, c)] = [k for k in tg.source_tags(c) if (n, k) in live]
    live_at = defaultdict(list)
    for (n, k) in sorted(live):
        live_at[n].append(k)
    joint_arcs(d, site_nodes, live, live_at)
    for (n, c) in d.storage:
        d.stock_tags[(n, c)] = [k for k in live_at[n] if untag(k)[0] == c]
    for s, rec in d.sites.items():
        if rec["status"] == "existing" and (rec["min_throughput_t"] or 0) > 0 and not d.proc_arcs.get(s):
            d.warnings.append(Issue("sites", rec["_row"], "min_throughput_t", f"no input can reach site '{s}', so "
                                    "its minimum throughput cannot be met and is not imposed", "warning"))
    for (m, c, e) in demand_rows:
        cls = tg.demand_class(c, e, d.country[m])
        d.demand_tags[(m, c, e)] = [k for k in live_at[m] if untag(k)[0] == c and untag(k)[3] == cls]
    rules = {r["licence"]: r for r in d.rules}
    for (r, k), need in sorted(d.gating.items()):
        for L in need:
            d.gated.setdefault(L, []).append((r, k))
    for L in d.gated:
        rule = rules[L]
        d.licences[L] = rule
        for a in d.periods:
            w = d.cal.window(a, rule["lead_periods"] or 0, rule["validity_periods"] or 1)
            if w:
                d.windows[(L, a)] = w
                for p in w:
                    d.covers.setdefault((L, p), []).append(a)
    seen = set()
    d.removed_flows = [b for b in blocked if (b[0], b[1]) not in seen and not seen.add((b[0], b[1]))]


def _bounds(d):
    """The limits each route's (route, period) bounds are tightened with (``route -> [limit]``, the same in every
    period; `route_periods` applies them): what can leave its origin and what its destination can use.

    Valid for every plan without circulation (shipping the same tonnes round a cycle only adds cost):
    - a node with no inbound route of the commodity can send at most its supply + production + initial
      stock over the horizon;
    - a node with no outbound route and no site consuming the commodity (as input or reagent) can absorb at
      most its demand over the horizon (+ its storage capacity in an open horizon), unless the commodity may be
      discarded;
    - anywhere, no more than the commodity's total supply + production capacity (co-products included) +
      initial stock.
    """
    inbound, outbound = set(), set()
    for route in d.routes.values():
        inbound.add((route.destination, route.commodity))
        outbound.add((route.origin, route.commodity))
    made = defaultdict(float)
    for (n, c, _p), (cap, _cost) in d.supply.items():
        made[(n, c)] += cap
    consumes = set()
    for (s, _p), (cap, _c, _m) in d.site_period.items():
        rec = d.sites[s]
        made[(rec["site"], rec["output_commodity"])] += cap * rec["yield"]
        consumes.add((rec["site"], rec["input_commodity"]))
        consumes.update((rec["site"], c) for c, _y in d.reagents.get(s, ()))
    for key, v in coproduct_made(d).items():
        made[key] += v
    for (n, c), (_cap, _h, init) in d.storage.items():
        made[(n, c)] += init
    total = defaultdict(float)
    for (n, c), v in made.items():
        total[c] += v
    absorb = defaultdict(float)
    for (m, c, _e, _p), (q, _pen, _pr) in d.demand.items():
        absorb[(m, c)] += q
    for (n, c), (cap, _h, _i) in d.storage.items():
        if not d.cal.cyclic:
            absorb[(n, c)] += cap
    d.bound_parts = {"inbound": inbound, "outbound": outbound, "consumes": consumes, "made": made, "absorb": absorb,
                     "total": total}
    limits = {}  # route -> the limits its bounds are cut to, in the order applied
    for r, route in d.routes.items():
        c = route.commodity
        lims = [total.get(c, 0.0)]
        if (route.origin, c) not in inbound:
            lims.append(made.get((route.origin, c), 0.0))
        key = (route.destination, c)
        if key not in outbound and key not in consumes and c not in d.disposal:  # discarded: unbounded
            lims.append(absorb.get(key, 0.0))
        limits[r] = lims
    return limits


def _policies(d):
    demanded = defaultdict(set)
    for (m, c, _e, _p) in d.demand:
        demanded[m].add(c)
    for pol in d.policy_rows:
        markets = sorted(demanded) if pol["market"] == STAR else [pol["market"]]
        for m in markets:
            have = demanded.get(m, set())
            comms = have if pol["commodity"] in (STAR, None) else {pol["commodity"]} & have
            if not comms and pol["commodity"] not in (STAR, None):
                comms = {pol["commodity"]}
            d.policies.append({"policy": pol["policy"], "market": m, "commodities": sorted(comms),
                               "measure": pol["measure"], "value": pol["value"], "max_share": pol["max_share"],
                               "min_share": pol["min_share"], "max_count": pol["max_count"], "row": pol["_row"]})


def routes_into(d: CaseData, market: str, commodities: Iterable[str]) -> list:
    """Routes ending at ``market`` that carry one of ``commodities`` (index built once per CaseData)."""
    if d._routes_into is None:
        d._routes_into = defaultdict(list)
        for r, route in d.routes.items():
            d._routes_into[(route.destination, route.commodity)].append(r)
    return [r for c in commodities for r in d._routes_into.get((market, c), ())]


def policy_part(d: CaseData, pol: dict) -> Callable[[str, str, Route], bool]:
    """The test of the policy's measured part: ``part(r, k, route)`` says whether tonnes of tag ``k`` arriving by
    route ``r`` (its record ``route``) count towards it.  Chosen once per policy, then called per Ship column."""
    m, v = pol["measure"], pol["value"]
    if m == "corridor":
        return lambda r, k, route: route.corridor == v
    if m == "route":
        return lambda r, k, route: r == v
    if m == "transit_country":
        return lambda r, k, route: v in transited(d.arrive_tag[(r, k)])
    if m == "processing_country":
        return lambda r, k, route: untag(k)[2] == v
    return lambda r, k, route: True
