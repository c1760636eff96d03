"""Random valid small workbooks for the property test of the checker (tests/test_checker_property.py) and
for the long exploration of benchmarks/explore_checker.py, and the property both check (`check_one`).

The workbooks are corridor-shaped: a mine, optionally a processing site (ore -> reo, with a yield), one or
two markets, routes of one or two legs whose transit days cross period boundaries, 1-4 periods of equal or
unequal length, a cyclic or open horizon, and optionally storage (with initial stock), seasonality, a
licence rule (with a quota, lead time and validity), a policy, route fixed costs and minimum volumes, and a
disruption scenario.  Contract v2 now and then: a year column over two years with a discount rate (an open
horizon), a second process at the site (concentrate ``con`` -> reo, supplied at the mine), an investment
on a leg, a process, the storage row or the supply (lead, 1-2 units, capex, fixed cost per year, sometimes
with an alternative in an exclusive group, sometimes on a target with no capacity of its own), and joint
production: a co-product ``ce`` of the ore process (sometimes with a disposal cost, sometimes demanded), a
reagent ``acid`` supplied at the site, disposal costs on ore and reo; and the economics: objective max_margin with
prices on the demand rows, a min_fill on a demand row, one or two charges (tariff, tax, fee, subsidy, premium on a
route, corridor, leg, site or market, sometimes filtered by commodity, processing country and period, subsidies
and premiums sometimes with a budget), and licence rules with scope = chain.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import assume
from hypothesis import strategies as st

from builders import write_book
from corridor.check.checker import check, format_report
from corridor.pipeline import run


@st.composite
def workbooks(draw):
    """A random valid small workbook as ``{sheet: rows}`` (see the module docstring)."""
    n_per = draw(st.integers(1, 4))
    equal = draw(st.booleans())
    days = [30] * n_per if equal else [draw(st.sampled_from([28, 30, 31])) for _ in range(n_per)]
    first_month = draw(st.integers(1, 12))
    periods = [{"period": f"P{i + 1}", "month": (first_month + i - 1) % 12 + 1, "days": days[i]} for i in range(n_per)]
    pids = [p["period"] for p in periods]
    horizon = draw(st.sampled_from(["cyclic", "open"]))
    book = {"settings": {"horizon": horizon, "mip_rel_gap": 0, "threads": 1, "time_limit_s": 60,
                         "shortfall_penalty_per_t": draw(st.sampled_from([50, 200, 1000]))},
            "periods": periods, "commodities": [{"commodity": "ore"}, {"commodity": "reo"}]}
    if n_per >= 2 and draw(st.integers(0, 2)) == 0:  # two years: an open horizon, given or left blank
        split = draw(st.integers(1, n_per - 1))
        for i, per in enumerate(periods):
            per["year"] = 2027 if i < split else 2028
        book["settings"]["discount_rate"] = draw(st.sampled_from([0, 0.05, 0.1, 0.5]))
        horizon = "open"
        if draw(st.booleans()):
            del book["settings"]["horizon"]
        else:
            book["settings"]["horizon"] = horizon
    with_site = draw(st.booleans())
    two_markets = draw(st.booleans())
    hub_country = draw(st.sampled_from(["CN", "RU", "KZ"]))
    site_country = draw(st.sampled_from(["MY", "CN", "KZ"]))
    nodes = [{"node": "M", "kind": "mine", "country": "KZ"}, {"node": "H", "kind": "hub", "country": hub_country},
             {"node": "K1", "kind": "market", "country": "JP"}]
    if two_markets:
        nodes.append({"node": "K2", "kind": "market", "country": "US"})
    if with_site:
        nodes.append({"node": "S", "kind": "site", "country": site_country})
    book["nodes"] = nodes
    book["supply"] = [{"node": "M", "commodity": "ore", "period": "*", "capacity_t": draw(st.integers(5, 60)),
                       "cost_per_t": draw(st.integers(0, 5))}]
    if draw(st.booleans()):
        book["supply"].append({"node": "M", "commodity": "ore", "period": draw(st.sampled_from(pids)),
                               "capacity_t": draw(st.integers(0, 60)), "cost_per_t": draw(st.integers(0, 5))})
    final = "reo" if with_site else "ore"
    days_ = st.sampled_from([0, 5, 12, 20, 29, 31, 35, 45, 61, 75])
    cap_ = st.one_of(st.none(), st.integers(0, 60))
    legs, routes, route_legs = [], [], []

    def leg(lid, a, b, country):
        legs.append({"leg": lid, "from_node": a, "to_node": b, "mode": "rail", "country": country,
                     "cost_per_t": draw(st.integers(0, 5)), "handling_cost_per_t": draw(st.integers(0, 2)),
                     "transit_days": draw(days_), "capacity_t": draw(cap_)})

    def route(rid, path, commodity, corridor):
        mn = draw(st.sampled_from([None, 0, 2, 8]))
        mx = draw(st.one_of(st.none(), st.integers(max(mn or 0, 1), 60)))
        routes.append({"route": rid, "origin": legs_of[path[0]]["from_node"], "destination":
                       legs_of[path[-1]]["to_node"], "commodity": commodity, "corridor": corridor,
                       "fixed_cost": draw(st.sampled_from([0, 0, 15, 60])), "min_volume_t": mn, "max_volume_t": mx})
        for i, lid in enumerate(path, start=1):
            route_legs.append({"route": rid, "seq": i, "leg": lid})

    start = "S" if with_site else "M"
    leg("MH", "M", "H", "KZ")
    leg("HK1", "H", "K1", hub_country)
    leg("DK1", start, "K1", site_country if with_site else "KZ")
    if two_markets:
        leg("DK2", start, "K2", site_country if with_site else "KZ")
    if with_site:
        leg("MS", "M", "S", "KZ")
        leg("HS", "H", "S", hub_country)
        leg("SH", "S", "H", site_country)
    legs_of = {x["leg"]: x for x in legs}
    if with_site:
        route("ORE-D", ["MS"], "ore", "West")
        if draw(st.integers(0, 2)) > 0:
            route("ORE-H", ["MH", "HS"], "ore", "East")
        route("REO-D1", ["DK1"], "reo", "Sea")
        if draw(st.integers(0, 2)) > 0:
            route("REO-H1", ["SH", "HK1"], "reo", "East")
        if two_markets:
            route("REO-D2", ["DK2"], "reo", "Sea")
    else:
        route("ORE-D1", ["DK1"], "ore", "West")
        if draw(st.integers(0, 2)) > 0:
            route("ORE-H1", ["MH", "HK1"], "ore", "East")
        if two_markets:
            route("ORE-D2", ["DK2"], "ore", "West")
    book["legs"], book["routes"], book["route_legs"] = legs, routes, route_legs
    if with_site:
        capacity = draw(st.integers(3, 60))
        candidate = draw(st.booleans())
        book["sites"] = [{"site": "S", "input_commodity": "ore", "output_commodity": "reo",
                          "yield": draw(st.sampled_from([0.5, 0.8, 1.0, 2.0])), "capacity_t": capacity,
                          "cost_per_t": draw(st.integers(0, 4)), "status": "candidate" if candidate else "existing",
                          "fixed_cost": draw(st.sampled_from([0, 30, 200])) if candidate else 0,
                          "min_throughput_t": draw(st.sampled_from([0, 0, min(3, capacity)])),
                          "available_from": draw(st.sampled_from([None] + pids)),
                          "tech_origin": draw(st.sampled_from([None, "CN", "JP"]))}]
        if draw(st.integers(0, 2)) == 0:  # a second process: concentrate from the mine, by the ore's leg
            book["commodities"].append({"commodity": "con"})
            book["supply"].append({"node": "M", "commodity": "con", "period": "*",
                                   "capacity_t": draw(st.integers(0, 40)), "cost_per_t": draw(st.integers(0, 5))})
            route("CON-D", ["MS"], "con", "West")
            cap2 = draw(st.integers(0, 30))
            book["sites"].append({"site": "S", "input_commodity": "con", "output_commodity": "reo",
                                  "yield": draw(st.sampled_from([0.5, 1.0, 1.5])), "capacity_t": cap2,
                                  "cost_per_t": draw(st.integers(0, 4)), "status": "existing", "fixed_cost": 0,
                                  "min_throughput_t": draw(st.sampled_from([0, 0, min(2, cap2)])),
                                  "tech_origin": draw(st.sampled_from([None, "CN"]))})
    co_demand = _joint_production(draw, book, routes, route) if with_site and draw(st.booleans()) else None
    markets = ["K1", "K2"] if two_markets else ["K1"]
    demand = []
    if co_demand:
        demand.append(co_demand)
    for m in markets:
        demand.append({"market": m, "commodity": final, "end_use": "civil", "period": "*",
                       "quantity_t": draw(st.integers(1, 25)),
                       "shortfall_penalty_per_t": draw(st.sampled_from([None, 40, 300]))})
        if draw(st.booleans()):
            demand.append({"market": m, "commodity": final, "end_use": "defense", "period": "*",
                           "quantity_t": draw(st.integers(1, 10)), "shortfall_penalty_per_t": 500})
        if draw(st.booleans()):
            demand.append({"market": m, "commodity": final, "end_use": "civil", "period": draw(st.sampled_from(pids)),
                           "quantity_t": draw(st.integers(0, 25))})
    book["demand"] = demand
    if draw(st.booleans()):
        where = draw(st.sampled_from(["M", "K1"] + (["S"] if with_site else []) + ["H"]))
        comm = {"M": "ore", "K1": final, "S": draw(st.sampled_from(["ore", "reo"])), "H": draw(st.sampled_from(
            ["ore", "reo"]))}[where]
        cap = draw(st.one_of(st.none(), st.integers(0, 40)))
        book["storage"] = [{"node": where, "commodity": comm, "capacity_t": cap,
                            "holding_cost_per_t": draw(st.integers(0, 3)), "initial_t": draw(st.integers(0, 10))}]
    if draw(st.booleans()):
        kinds = [("leg", x["leg"]) for x in legs] + [("route", x["route"]) for x in routes] + [
            ("corridor", x["corridor"]) for x in routes] + [("supply", "M")] + ([("site", "S")] if with_site else [])
        rows = []
        for _ in range(draw(st.integers(1, 3))):
            tt, target = draw(st.sampled_from(kinds))
            by_period = draw(st.booleans())
            rows.append({"target_type": tt, "target": target,
                         "month": None if by_period else draw(st.sampled_from(["*"] + [p["month"] for p in periods])),
                         "period": draw(st.sampled_from(pids)) if by_period else None,
                         "capacity_factor": draw(st.sampled_from([0, 0.5, 1])),
                         "cost_factor": draw(st.sampled_from([1, 1.5, 0.5]))})
        book["seasonality"] = rows
    if draw(st.booleans()):  # a rule aimed at one of the routes (so that it usually matches some flow)
        target = draw(st.sampled_from(routes))
        country = {x["node"]: x["country"] for x in nodes}
        o, d = country[target["origin"]], country[target["destination"]]
        crossed = sorted({legs_of[x["leg"]]["country"] for x in route_legs if x["route"] == target["route"]}
                         - {o, d})
        kinds = ["export"] if o != d else []
        kinds += ["transit"] if crossed else []
        kinds += ["controlled_content"] if with_site and target["commodity"] in ("reo", "ce") else []
        kind = draw(st.sampled_from(kinds or ["export"]))
        tech = book["sites"][0]["tech_origin"] or site_country if with_site else "CN"
        rule = draw(st.sampled_from(["required", "required", "prohibited"]))
        scope = draw(st.sampled_from(["chain", "route", "route"]))  # chain: read at the market of the chain's end
        book["licences"] = [{"licence": "L1", "applies_to": kind, "scope": scope,
                             "country": {"export": o, "transit": (crossed or [o])[0], "controlled_content": tech}[kind],
                             "commodity": draw(st.sampled_from(["*", target["commodity"]])),
                             "destination_country": draw(st.sampled_from(["*", d, f"US,{d}"] if scope == "route" else
                                                                         ["US", "JP", "US,JP"])),
                             "end_use": draw(st.sampled_from(["*", "*", "defense"])) if any(
                                 x["end_use"] == "defense" for x in demand) else "*", "rule": rule,
                             "granted": draw(st.sampled_from(["yes", "yes", "yes", "no"])),
                             "application_cost": draw(st.integers(0, 20)),
                             "validity_periods": draw(st.integers(1, 3)), "lead_periods": draw(st.integers(0, 2)),
                             "quota_t": draw(st.sampled_from([None, 10, 30]))}]
    if draw(st.booleans()):
        measure = draw(st.sampled_from(["corridor", "route", "max_active_routes", "transit_country",
                                        "transit_country", "processing_country", "processing_country"]))
        pol = {"policy": "P1", "market": draw(st.sampled_from(["*", "K1"])), "commodity": "*", "measure": measure}
        if measure == "max_active_routes":
            pol["max_count"] = 1
        else:
            pol["value"] = {"corridor": draw(st.sampled_from(sorted({r["corridor"] for r in routes}))),
                            "route": draw(st.sampled_from([r["route"] for r in routes])),
                            "transit_country": hub_country, "processing_country": site_country}[measure]
            if draw(st.booleans()):
                pol["max_share"] = draw(st.sampled_from([0, 0.5]))
            else:
                pol["min_share"] = draw(st.sampled_from([0.3, 0.5]))
        book["policies"] = [pol]
    if draw(st.integers(0, 4)) == 0:
        tt, target = draw(st.sampled_from([("leg", legs[0]["leg"]), ("corridor", routes[0]["corridor"]),
                                           ("supply", "M")] + ([("licence", "L1")] if "licences" in book and
                                                               book["licences"][0]["rule"] == "required" else [])))
        row = {"scenario": "storm", "probability": draw(st.sampled_from([0.3, 1.0])), "target_type": tt,
               "target": target, "period": draw(st.sampled_from([None] + pids))}
        if tt == "licence":  # refused for the whole horizon (no period) or revoked in one period
            row["granted"], row["period"] = "no", draw(st.sampled_from([None] + pids))
        else:
            row["capacity_factor"] = draw(st.sampled_from([0, 0.5]))
            row["cost_factor"] = draw(st.sampled_from([1, 2]))
        book["disruptions"] = [row]
    if draw(st.integers(0, 2)) == 0:
        book["investments"] = _investments(draw, book, horizon, pids)
    if draw(st.booleans()):
        _economics(draw, book, pids, site_country if with_site else None)
    return book


def _economics(draw, book, pids, site_country):
    """Contract v2 economics, each now and then: max_margin with prices (the rows' own penalties only), a min_fill
    on a demand row, and one or two charges (see the module docstring)."""
    if draw(st.integers(0, 2)) == 0:
        book["settings"]["objective"] = "max_margin"
        for row in book["demand"]:
            row["price_per_t"] = draw(st.sampled_from([None, 0, 20, 60, 400]))
    if draw(st.integers(0, 2)) == 0:
        draw(st.sampled_from(book["demand"]))["min_fill"] = draw(st.sampled_from([0.2, 0.5]))
    if draw(st.integers(0, 3)) == 0:
        return
    targets = {"site": ["S"] if book.get("sites") else [], "market": sorted({r["market"] for r in book["demand"]}),
               "leg": [x["leg"] for x in book["legs"]], "route": [r["route"] for r in book["routes"]],
               "corridor": sorted({r["corridor"] for r in book["routes"]})}
    commodities = [r["commodity"] for r in book["commodities"]]
    rows = []
    for i in range(draw(st.integers(1, 2))):
        kind = draw(st.sampled_from(["subsidy", "tariff", "tax", "fee", "premium"]))
        tt = "site" if i == 0 and targets["site"] and draw(st.booleans()) else draw(st.sampled_from(
            [t for t, ids in targets.items() if ids]))
        when = draw(st.sampled_from(["all", "period", "all", "month"]))
        rows.append({"charge": f"C{i + 1}", "kind": kind, "target_type": tt,
                     "target": draw(st.sampled_from(targets[tt] + ["*"])),
                     "commodity": draw(st.sampled_from(["*"] + commodities + ["*"])),
                     "processing_country": draw(st.sampled_from([site_country, "*"])) if site_country else "*",
                     "period": draw(st.sampled_from(pids)) if when == "period" else None,
                     "month": book["periods"][0]["month"] if when == "month" else None,
                     "per_t": draw(st.sampled_from([3, 1, 10])),
                     "budget": draw(st.sampled_from([40, None, 10])) if kind in ("subsidy", "premium") else None,
                     "payer": draw(st.sampled_from([None, "JP", "US"]))})
    book["charges"] = rows


def _joint_production(draw, book, routes, route):
    """Contract v2: the site's ore process also makes ``ce`` (a co-product, sometimes with a disposal cost, sometimes
    demanded at K1, shipped on the reo's direct leg) and sometimes consumes ``acid`` (a reagent supplied at S);
    ore and reo sometimes have a disposal cost.  Returns ce's demand row at K1, or None."""
    costs = st.sampled_from([None, None, 0, 2, 50])
    for rec in book["commodities"]:
        rec["disposal_cost_per_t"] = draw(costs)
    ce_cost = draw(st.sampled_from([None, 0, 3]))
    book["commodities"].append({"commodity": "ce", "disposal_cost_per_t": ce_cost})
    one = len(book["sites"]) == 1 and draw(st.booleans())  # blank input_commodity: the site's only row
    which = None if one else "ore"
    rows = [{"site": "S", "input_commodity": which, "commodity": "ce",
             "yield": draw(st.sampled_from([0.2, 0.5, 1.0]))}]
    if draw(st.booleans()):
        book["commodities"].append({"commodity": "acid"})
        book["supply"].append({"node": "S", "commodity": "acid", "period": "*", "capacity_t": draw(st.sampled_from(
            [0, 5, 20, 60])), "cost_per_t": draw(st.integers(0, 5))})
        rows.append({"site": "S", "input_commodity": which, "commodity": "acid",
                     "yield": draw(st.sampled_from([-0.3, -1.0]))})
    book["site_products"] = rows
    if ce_cost is not None and draw(st.booleans()):
        return None
    route("CE-D1", ["DK1"], "ce", "Sea")
    return {"market": "K1", "commodity": "ce", "end_use": "civil", "period": "*",
            "quantity_t": draw(st.integers(1, 15)), "shortfall_penalty_per_t": draw(st.sampled_from([None, 40]))}


def _investments(draw, book, horizon, pids):
    """One investment (sometimes two alternatives in an exclusive group) on a leg, an existing process, the
    storage row or the supply of ore; sometimes the target is given no capacity of its own."""
    targets = [("leg", x) for x in book["legs"]] + [("supply", book["supply"][0])]  # unlimited legs too
    targets += [("site", x) for x in book.get("sites", []) if x["status"] == "existing"]
    targets += [("storage", x) for x in book.get("storage", [])]
    kind, rec = draw(st.sampled_from(targets))
    if draw(st.integers(0, 2)) == 0 and rec.get("capacity_t") is not None:  # exists only through the units
        rec["capacity_t"] = 0
        if kind == "site":
            rec["min_throughput_t"] = 0
    target = {"leg": rec.get("leg"), "site": rec.get("site"), "storage": rec.get("node"),
              "supply": rec.get("node")}[kind]
    extra = {"input_commodity": rec["input_commodity"]} if kind == "site" else (
        {"commodity": rec["commodity"]} if kind in ("storage", "supply") else {})
    cyclic = horizon == "cyclic"

    def row(name):
        return {"investment": name, "target_type": kind, "target": target, **extra,
                "capacity_t": draw(st.integers(1, 30)), "max_units": draw(st.sampled_from([None, 1, 2])),
                "capex": draw(st.sampled_from([0, 10, 50, 200])),
                "fixed_cost_per_year": draw(st.sampled_from([0, 0, 100, 1000])),
                "lead_periods": 0 if cyclic else draw(st.integers(0, 2)),
                "earliest_period": draw(st.sampled_from([None, None, None] + pids)),
                "payer": draw(st.sampled_from([None, "JP", "KZ"]))}

    rows = [row("I1")]
    if draw(st.integers(0, 2)) == 0:
        rows.append(row("I2"))
        if draw(st.integers(0, 2)) > 0:
            for r in rows:
                r["exclusive_group"] = "G"
    return rows



def check_one(book):
    """Solve ``book``; the checker must find no violation in the written plan and recompute the same total
    cost (books without a plan are rejected with `assume`)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = write_book(Path(tmp) / "case.xlsx", book)
        out = Path(tmp) / "case-solution.xlsx"
        rep = run(path, out)
        assume(rep.result.has_plan and rep.output_path is not None)
        report = check(path, out)
        assert report.ok, "\n".join(format_report(report))
        assert report.total == pytest.approx(rep.result.objective, rel=1e-6, abs=1e-2)
