"""The solution checker's own reading of an input workbook: effective data re-derived from the contract.

Written from `shared/spec/workbook.md` and the project's documented interpretations (docs/formulation.md,
docs/security.md), independently of the model's code (no `case_data`, `calendar`, `provenance`, `disruptions`
import).  Only reading and validating the workbook (`corridor.io.validate.read_inputs`) is shared.

Everything here is plain data about the input; nothing looks at a plan.  Each figure keeps the Excel rows
it came from, so that a violation can name them (``refs``: tuples ``(sheet, row)`` of the input).

Contract v2: the calendar carries the years and each period's discount factor; a site may have several rows,
one per input commodity, each a process keyed ``(site, input_commodity)`` (`Case.procs`); the investments rows
are resolved to their targets (`invest.read_investments`); the site_products rows are each process's co-products
and reagents (`Case.products`) and ``commodities.disposal_cost_per_t`` says what may be discarded
(`Case.disposal`, `coproducts`); the charges rows are resolved by `economics.read_charges` (`Case.charges`);
demand rows carry price_per_t and min_fill, and under max_margin a blank shortfall_penalty_per_t is 0; a licence
rule with ``scope = chain`` reads destination_country on the tonnes' destination earmark (`rule_matches`).
Capacities take what the investments in service add as an argument (``added``): that depends on the plan, which
the investment family reads.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from corridor.check.common import BASE, INF, STAR, dest_of, use_of
from corridor.check.coproducts import read_disposal, read_products
from corridor.check.economics import margin_mode, read_charges
from corridor.check.invest import can_serve, read_investments

if TYPE_CHECKING:
    from corridor.io.validate import Inputs


class Calendar:
    """Periods in sheet order, with months, lengths (days, default 30), start days, years and discount factors.

    A shipment dispatched at the start of p that has travelled d days is in the period holding day
    start(p) + d (for equal lengths: the contract's p + floor(d / days)).  Cyclic: days wrap around the
    year; open: a day at or past the end is in no period (None).

    Contract v2: ``year[p]`` (None without a year column) and ``disc[p]`` = 1 / (1 + discount_rate)^(year(p) -
    first year), the factor every cost of period p counts with (1 without years).
    """

    def __init__(self, rows: Sequence[dict], cyclic: bool, discount_rate: float = 0.0):
        self.periods = [r["period"] for r in rows]
        self.index = {p: i for i, p in enumerate(self.periods)}
        self.month = {r["period"]: r.get("month") for r in rows}
        self.days = {r["period"]: float(r["days"]) if r.get("days") is not None else 30.0 for r in rows}
        self.cyclic = cyclic
        self.starts, acc = [], 0.0
        for p in self.periods:
            self.starts.append(acc)
            acc += self.days[p]
        self.total = acc
        self.year = {r["period"]: r.get("year") for r in rows}
        self.years = sorted({y for y in self.year.values() if y is not None})
        first = self.years[0] if self.years else None
        rate = discount_rate or 0.0
        self.disc = {p: 1.0 if y is None else 1.0 / (1.0 + rate) ** (y - first) for p, y in self.year.items()}

    def shift(self, p: str, days: float) -> str | None:
        """Period reached ``days`` after the start of ``p`` (None past the end of an open horizon)."""
        eps = 1e-9 * max(1.0, self.total)
        t = self.starts[self.index[p]] + days
        if t >= self.total - eps:
            if not self.cyclic:
                return None
            t = math.fmod(t + eps, self.total) - eps
        i = 0
        for j, s in enumerate(self.starts):
            if s <= t + eps:
                i = j
        return self.periods[i]

    def prev(self, p: str) -> str | None:
        """The period before ``p`` (the last one for the first period of a cyclic horizon, else None)."""
        i = self.index[p]
        if i > 0:
            return self.periods[i - 1]
        return self.periods[-1] if self.cyclic else None

    def window(self, a: str, lead: int, validity: int) -> list:
        """Periods covered by a licence applied for in ``a``: a+lead .. a+lead+validity-1 (wrapping if cyclic)."""
        i, n = self.index[a], len(self.periods)
        out = []
        if not self.cyclic and i + lead >= n:
            return out
        for k in range(i + lead, i + lead + min(validity, n)):  # at most every period once, whatever the numbers
            if k >= n:
                if not self.cyclic:
                    break
                k %= n
            if self.periods[k] not in out:
                out.append(self.periods[k])
        return out


class Factors:
    """Seasonal (and scenario) capacity and cost factors: all rows matching a target and period multiply.

    A row applies to its ``period``, else to every period of its ``month`` (``*``: every period).  A target
    with no row has factor 1.
    """

    def __init__(self, cal: Calendar):
        self.cal = cal
        self.rows = {}  # (target_type, target) -> [(periods, cap, cost, ref)]

    def add(self, ttype: str, target: str, month: int | str | None, period: str | None, cap: float | None,
            cost: float | None, ref: tuple) -> None:
        """Record a factor row: ``cap`` and ``cost`` apply to ``target`` in ``period``, or in every period of
        ``month`` (``*`` or blank: every period); ``ref`` is the (sheet, row) it came from."""
        if period is not None:
            periods = {period}
        elif month in (None, STAR):
            periods = set(self.cal.periods)
        else:
            periods = {p for p in self.cal.periods if self.cal.month[p] == month}
        self.rows.setdefault((ttype, target), []).append((periods, cap, cost, ref))

    def cap(self, ttype: str, target: str, p: str) -> tuple[float, list]:
        """(capacity factor, refs of the rows that apply) for ``target`` in period ``p``."""
        f, refs = 1.0, []
        for periods, cap, _cost, ref in self.rows.get((ttype, target), ()):
            if p in periods:
                f *= 1.0 if cap is None else cap
                refs.append(ref)
        return f, refs

    def cost(self, ttype: str, target: str, p: str) -> float:
        """The product of the cost factors that apply to ``target`` in ``p`` (1 when none does)."""
        f = 1.0
        for periods, _cap, cost, _ref in self.rows.get((ttype, target), ()):
            if p in periods:
                f *= 1.0 if cost is None else cost
        return f


@dataclass
class Route:
    """A route as the checker reads it: its legs in order, days before each leg, ends and their countries."""

    id: str
    origin: str
    destination: str
    commodity: str
    corridor: str
    fixed_cost: float
    min_t: float
    max_t: float  # INF when blank
    legs: list
    before: list  # days travelled before each leg starts
    total_days: float
    o_country: str
    d_country: str
    leg_countries: set
    row: int
    leg_rows: list

    @property
    def transit(self) -> set:
        """Countries of a leg that are neither the origin's nor the destination's country."""
        return {c for c in self.leg_countries if c not in (self.o_country, self.d_country)}


class Demand(NamedTuple):
    """A demand row's effective figures for (market, commodity, end use, period): quantity_t, the penalty per tonne
    short (the row's, else the settings'; under max_margin only the row's), the Excel row, must_meet, and (contract
    v2) price_per_t (None when blank) and min_fill (0 when blank)."""

    quantity: float
    penalty: float
    row: int
    must_meet: bool
    price: float | None = None
    min_fill: float = 0.0


class Supply(NamedTuple):
    """A supply row's effective figures for (node, commodity, period): the row's own ``capacity_t``, the supply
    capacity factor of the period, the cost per tonne (with its cost factor) and the rows they came from."""

    base: float
    factor: float
    cost: float
    refs: list

    def cap(self, added: float = 0.0) -> float:
        """(capacity_t + ``added``, what investments in service add) x capacity factor; 0 when the factor is."""
        return (self.base + added) * self.factor if self.factor > 0 else 0.0


@dataclass
class Case:
    """The effective input of one scenario (see the module docstring)."""

    inputs: object
    scenario: str
    probability: float
    probabilities: dict  # scenario -> probability (base first when it has any)
    cal: Calendar
    factors: Factors
    country: dict  # node -> country
    legs: dict  # leg id -> record
    routes: dict  # route id -> Route
    procs: dict  # process (site, input commodity) -> its sites row
    supply: dict = field(default_factory=dict)  # (n, c, p) -> Supply
    storage: dict = field(default_factory=dict)  # (n, c) -> (capacity_t or INF, holding/t, initial_t, row)
    demand: dict = field(default_factory=dict)  # (m, c, e, p) -> `Demand`
    rules: list = field(default_factory=list)  # licence records as the scenario has them
    revoked: dict = field(default_factory=dict)  # (licence, period) -> disruptions row
    policies: list = field(default_factory=list)  # active policy rows expanded per market
    settings: dict = field(default_factory=dict)
    investments: dict = field(default_factory=dict)  # investment id -> `invest.Investment`
    invested: dict = field(default_factory=dict)  # (kind, target key) -> [investment ids]
    products: dict = field(default_factory=dict)  # process -> [`coproducts.Product`] (co-products, reagents)
    disposal: dict = field(default_factory=dict)  # commodity -> (disposal_cost_per_t, row): may be discarded
    charges: dict = field(default_factory=dict)  # charge id -> `economics.Charge` (contract v2 charges sheet)

    @property
    def margin(self) -> bool:
        """Objective max_margin (contract v2): revenue is a (negative) cost line, the objective is the margin."""
        return margin_mode(self.settings)

    @property
    def periods(self) -> list:
        """The period ids in time order."""
        return self.cal.periods

    @property
    def cyclic(self) -> bool:
        """True when the horizon is cyclic."""
        return self.cal.cyclic

    def at_site(self, site: str) -> list:
        """The processes (site, input commodity) of a site, in sheet order."""
        return [k for k in self.procs if k[0] == site]

    def label(self, proc: tuple) -> str:
        """A process as messages name it: the site alone when it has one row, else ``site (input commodity)``."""
        return proc[0] if len(self.at_site(proc[0])) == 1 else f"{proc[0]} ({proc[1]})"

    def most(self, kind: str, key: object) -> float:
        """The most every unit of every investment on a target can add (before its capacity factor)."""
        return sum(self.investments[i].capacity_t * self.investments[i].max_units
                   for i in self.invested.get((kind, key), ()) if can_serve(self.investments[i], self.cal))

    def site_period(self, s: tuple, p: str, added: float = 0.0) -> tuple[float, float, float, list]:
        """(effective capacity, cost per t of input, minimum throughput, refs) of process ``s`` in ``p``:
        (capacity_t + ``added`` by investments in service) x the site's capacity factor; 0 before
        ``available_from``."""
        rec = self.procs[s]
        cost = (rec.get("cost_per_t") or 0.0) * self.factors.cost("site", s[0], p)
        first = rec.get("available_from")
        if first is not None and self.cal.index[p] < self.cal.index[first]:
            return 0.0, cost, 0.0, [("sites", rec["_row"])]
        f, refs = self.factors.cap("site", s[0], p)
        cap = (rec["capacity_t"] + added) * f if f > 0 else 0.0
        return cap, cost, min(rec.get("min_throughput_t") or 0.0, cap), [("sites", rec["_row"])] + refs

    def leg_capacity(self, leg: str, q: str, added: float = 0.0) -> tuple[float, list]:
        """(capacity in period q or INF, refs): (capacity_t + ``added`` by investments in service) x factor; a
        factor <= 0 closes the leg; a blank capacity_t is unlimited."""
        rec = self.legs[leg]
        f, refs = self.factors.cap("leg", leg, q)
        refs = [("legs", rec["_row"])] + refs
        if rec.get("capacity_t") is None:
            return (INF if f > 0 else 0.0), refs
        return ((rec["capacity_t"] + added) * f if f > 0 else 0.0), refs

    def route_max(self, r: str, p: str) -> tuple[float, list]:
        """(most tonnes route r may take when dispatched in p, refs): max_volume_t times the route's and
        its corridor's capacity factors in the dispatch period; a factor <= 0 closes the route."""
        route = self.routes[r]
        f1, refs1 = self.factors.cap("route", r, p)
        f2, refs2 = self.factors.cap("corridor", route.corridor, p)
        f = f1 * f2
        return (route.max_t * f if f > 0 else 0.0), [("routes", route.row)] + refs1 + refs2

    def rates(self, r: str, p: str) -> tuple[float, float]:
        """(freight, handling) per tonne dispatched on r in p: the legs' cost_per_t and handling_cost_per_t,
        each times its leg's cost factor in the period the leg is used, times the route's and corridor's
        cost factors in p."""
        route = self.routes[r]
        f = self.factors.cost("route", r, p) * self.factors.cost("corridor", route.corridor, p)
        freight = handling = 0.0
        for leg, before in zip(route.legs, route.before):
            q = self.cal.shift(p, before)
            lf = self.factors.cost("leg", leg, q) if q is not None else 1.0
            freight += (self.legs[leg].get("cost_per_t") or 0.0) * lf
            handling += (self.legs[leg].get("handling_cost_per_t") or 0.0) * lf
        return freight * f, handling * f


def listed(value: str | tuple | None, item: str) -> bool:
    """A rule's ``*`` / blank / comma-separated list (read as a tuple) holds ``item``."""
    return value is None or value == STAR or item in value


def chain_rule(rule: dict) -> bool:
    """A rule with ``scope = chain`` that names destinations (contract v2): destination_country is read at the end
    of the chain, the market the tonnes or the products made from them are delivered to."""
    return rule.get("scope") == "chain" and rule.get("destination_country") not in (None, STAR)


def rule_matches(rule: dict, route: Route, cc: str, eu: str) -> bool:
    """Does licence ``rule`` match tonnes of technology ``cc`` earmarked ``eu`` on ``route``?

    commodity lists the route's; destination_country lists the route's destination country, or for a chain rule
    the destination the tonnes are earmarked for (the ``>US`` of ``civil>US``; tonnes with no destination earmark
    are not told apart by it); end_use is ``*`` or the earmark's end use; and the kind holds, judged on the route's
    own ends: transit = a leg in the country, neither end in it; export = starts in the country, ends outside;
    controlled_content = made with the country's technology, ends outside.
    """
    if not listed(rule.get("commodity"), route.commodity):
        return False
    dest = dest_of(eu) if chain_rule(rule) else route.d_country
    if dest is not None and not listed(rule.get("destination_country"), dest):
        return False
    if rule.get("end_use") not in (None, STAR) and use_of(eu) != rule["end_use"]:
        return False
    x, kind = rule["country"], rule["applies_to"]
    if kind == "transit":
        return x in route.transit
    if kind == "export":
        return route.o_country == x and route.d_country != x
    return cc == x and route.d_country != x


def probabilities(tables: dict) -> dict:
    """Scenario -> probability in sheet order; the base takes what the sheet leaves (left out at 0)."""
    probs = {}
    for r in tables.get("disruptions", []):
        name = r.get("scenario")
        if name is not None and (probs.get(name) is None):
            probs[name] = r.get("probability")
    probs = {k: v or 0.0 for k, v in probs.items()}
    left = 1.0 - sum(probs.values())
    out = {BASE: max(0.0, left)} if left > 1e-9 or not probs else {}
    out.update(probs)
    return out


def derive(inputs: Inputs, scenario: str = BASE) -> Case:
    """The effective data of ``scenario`` (see the module docstring and docs/security.md for scenarios)."""
    t = inputs.tables
    cal = Calendar(t["periods"], inputs.settings.get("horizon", "cyclic") == "cyclic",
                   inputs.settings.get("discount_rate") or 0.0)
    factors = Factors(cal)
    for r in t.get("seasonality", []):
        factors.add(r["target_type"], r["target"], r.get("month"), r.get("period"), r.get("capacity_factor"),
                    r.get("cost_factor"), ("seasonality", r["_row"]))
    country = {r["node"]: r["country"] for r in t["nodes"]}
    legs = {r["leg"]: r for r in t["legs"]}
    steps = {}
    for r in t["route_legs"]:
        steps.setdefault(r["route"], []).append(r)
    routes = {}
    for r in t["routes"]:
        seq = sorted(steps.get(r["route"], []), key=lambda x: x["seq"])
        before, acc = [], 0.0
        for s in seq:
            before.append(acc)
            acc += legs[s["leg"]].get("transit_days") or 0.0
        routes[r["route"]] = Route(
            r["route"], r["origin"], r["destination"], r["commodity"], r["corridor"], r.get("fixed_cost") or 0.0,
            r.get("min_volume_t") or 0.0, INF if r.get("max_volume_t") is None else r["max_volume_t"],
            [s["leg"] for s in seq], before, acc, country[r["origin"]], country[r["destination"]],
            {legs[s["leg"]]["country"] for s in seq}, r["_row"], [s["_row"] for s in seq])
    probs = probabilities(t)
    case = Case(inputs, scenario, probs.get(scenario, 0.0), probs, cal, factors, country, legs, routes,
                {(r["site"], r["input_commodity"]): r for r in t.get("sites", [])}, settings=inputs.settings)
    case.investments = read_investments(t, cal)
    for i, inv in case.investments.items():
        case.invested.setdefault((inv.kind, inv.key), []).append(i)
    case.products, case.disposal = read_products(t, case.procs), read_disposal(t)
    case.charges = read_charges(t, cal)
    case.rules = [dict(r) for r in t.get("licences", [])]
    if scenario != BASE:
        _apply_disruptions(case, t, [r for r in t.get("disruptions", []) if r.get("scenario") == scenario])
    _supply(case, t)
    _storage_demand(case, t)
    _policies(case, t)
    return case


def _apply_disruptions(case, t, rows):
    """A scenario's rows (docs/security.md): leg / route / corridor / site / supply targets multiply the
    capacity and cost factors; a country target does so for every leg in the country and every site located
    in it; a licence target with granted = no refuses the rule for the whole horizon (no month or period) or
    revokes it in the periods given; granted = yes grants a refused required rule or lifts a prohibited one."""
    cal, f = case.cal, case.factors
    for r in rows:
        tt, target, ref = r["target_type"], r["target"], ("disruptions", r["_row"])
        month, period = r.get("month"), r.get("period")
        cap = 0.0 if r.get("capacity_factor") is None else r["capacity_factor"]
        cost = 1.0 if r.get("cost_factor") is None else r["cost_factor"]
        if tt == "country":
            for leg in t["legs"]:
                if leg["country"] == target:
                    f.add("leg", leg["leg"], month, period, cap, cost, ref)
            for s in dict.fromkeys(x["site"] for x in t.get("sites", [])):  # once per site, whatever its rows
                if case.country.get(s) == target:
                    f.add("site", s, month, period, cap, cost, ref)
        elif tt == "licence":
            rule = next((x for x in case.rules if x["licence"] == target), None)
            if rule is None:
                continue
            if r.get("granted") == "yes":
                if rule["rule"] == "prohibited":
                    case.rules.remove(rule)
                else:
                    rule["granted"] = "yes"
            elif period is None and month in (None, STAR):
                rule["granted"] = "no"
                rule["_refused_by"] = r["_row"]
            else:
                for p in cal.periods:
                    if p == period or (period is None and cal.month[p] == month):
                        case.revoked[(target, p)] = r["_row"]
        else:
            f.add(tt, target, month, period, cap, cost, ref)


def _supply(case, t):
    """(n, c, p) -> `Supply` (capacity_t, supply factor, cost_per_t * cost factor); a period's own row wins over
    ``*``."""
    own = {(r["node"], r["commodity"], r["period"]) for r in t["supply"] if r["period"] != STAR}
    for r in t["supply"]:
        for p in (case.periods if r["period"] == STAR else [r["period"]]):
            key = (r["node"], r["commodity"], p)
            if r["period"] == STAR and key in own:
                continue
            f, refs = case.factors.cap("supply", r["node"], p)
            cost = (r.get("cost_per_t") or 0.0) * case.factors.cost("supply", r["node"], p)
            case.supply[key] = Supply(r["capacity_t"], f, cost, [("supply", r["_row"])] + refs)


def _storage_demand(case, t):
    """Storage: capacity (blank = unlimited), holding cost, initial stock min(initial_t, capacity) in an open
    horizon (0 when cyclic; with investments on the row the capacity is the most it can reach, capacity_t plus
    every unit, as docs/formulation.md's bounds read it).  Demand: a period's own row wins over ``*``; penalty =
    the row's, else the settings' shortfall_penalty_per_t (under max_margin only the row's own counts: blank = 0)."""
    for r in t.get("storage", []):
        cap = INF if r.get("capacity_t") is None else r["capacity_t"]
        init = 0.0 if case.cyclic else min(r.get("initial_t") or 0.0, cap + case.most("storage", (r["node"],
                                                                                               r["commodity"])))
        case.storage[(r["node"], r["commodity"])] = (cap, r.get("holding_cost_per_t") or 0.0, init, r["_row"])
    default = case.settings.get("shortfall_penalty_per_t")
    default = 1e6 if default is None else default
    own = {(r["market"], r["commodity"], r["end_use"], r["period"]) for r in t["demand"] if r["period"] != STAR}
    for r in t["demand"]:
        for p in (case.periods if r["period"] == STAR else [r["period"]]):
            key = (r["market"], r["commodity"], r["end_use"], p)
            if r["period"] == STAR and key in own:
                continue
            pen = r.get("shortfall_penalty_per_t")
            pen = (0.0 if case.margin else default) if pen is None else pen
            case.demand[key] = Demand(r["quantity_t"], pen, r["_row"], r.get("must_meet") == "yes",
                                      r.get("price_per_t"), r.get("min_fill") or 0.0)


def _policies(case, t):
    """Active policy rows (``active`` not ``no``), one per market (``*``: each market with demand); the
    commodities are the named one, or for ``*`` those the market demands."""
    demanded = {}
    for (m, c, _e, _p) in case.demand:
        demanded.setdefault(m, set()).add(c)
    for pol in t.get("policies", []):
        if pol.get("active") == "no":
            continue
        markets = sorted(demanded) if pol["market"] == STAR else [pol["market"]]
        for m in markets:
            comms = demanded.get(m, set()) if pol.get("commodity") in (None, STAR) else {pol["commodity"]}
            case.policies.append({**pol, "market": m, "commodities": comms})
