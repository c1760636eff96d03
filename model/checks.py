"""Cross-sheet rules of the contract that single cells cannot show (route chains, node kinds, ...)."""
from __future__ import annotations

import re

_YYYY_MM = re.compile(r"^\d{4}-(\d{2})$")

RULES = (  # the cross-sheet rules checked here, as listed in docs/inputs.md
    "every id referred to is declared on its sheet; ids are unique; ids have no leading or trailing blanks",
    "periods: at least one; a blank month is read from a YYYY-MM id; days above 0",
    "sites: the node is of kind site; input and output commodity differ; yield above 0; min_throughput_t at most "
    "capacity_t; tech_origin defaults to the site's country",
    "routes: origin and destination differ; min_volume_t at most max_volume_t; route_legs seq runs 1, 2, ... and the "
    "legs chain from origin to destination without using a leg twice",
    "seasonality: the target exists for its target_type; give a month or a period, not both",
    "policies: max_active_routes needs max_count; share measures need a value (a known corridor or route) and "
    "max_share or min_share, min at most max",
    "labels that enter the model's tags (commodity ids, countries, tech_origin, end uses, corridors) hold no '|' "
    "or '+'",
    "disruptions: every scenario has one probability (rows that repeat it agree), the probabilities sum to at "
    "most 1, no scenario is called 'base'; the target exists for its target_type (country: a country of a node "
    "or leg); give a month or a period, not both; granted only on licence targets, where it is required; a "
    "licence is granted for the whole horizon only",
    "settings: time_limit_s above 0; cvar_alpha below 1; cost_budget or cost_budget_pct, not both",
)


def check_semantics(chk, tables, settings):
    """Append an issue to ``chk`` for every violated cross-sheet rule; never raises."""
    _periods(chk, tables)
    nodes = {r["node"]: r for r in tables.get("nodes", []) if r.get("node")}
    _sites(chk, tables, nodes)
    _routes(chk, tables)
    _seasonality(chk, tables, nodes)
    _tag_safe(chk, tables)
    _policies(chk, tables)
    _disruptions(chk, tables)
    if not tables.get("periods"):
        chk.err("periods", None, "", "no periods declared: at least one row is needed")


def _periods(chk, tables):
    for r in tables.get("periods", []):
        if r.get("month") is None and r.get("period"):
            m = _YYYY_MM.match(r["period"])
            if m and 1 <= int(m.group(1)) <= 12:
                r["month"] = int(m.group(1))
            else:
                chk.err("periods", r["_row"], "month", "is blank and the period id is not of the form YYYY-MM; "
                                                       "give the calendar month 1..12")
        if r.get("days") is not None and r["days"] <= 0:
            chk.err("periods", r["_row"], "days", "must be positive")


def _sites(chk, tables, nodes):
    for r in tables["sites"]:
        n = nodes.get(r.get("site"))
        if n is not None and n.get("kind") != "site":
            chk.err("sites", r["_row"], "site", f"node '{r['site']}' is of kind '{n.get('kind')}', not 'site'")
        if r.get("input_commodity") and r.get("input_commodity") == r.get("output_commodity"):
            chk.err("sites", r["_row"], "output_commodity", f"'{r['output_commodity']}' is also the input: a site "
                    "must turn one commodity into another (declare e.g. 'ore' and 'concentrate')")
        if r.get("yield") is not None and r["yield"] <= 0:
            chk.err("sites", r["_row"], "yield", f"{r['yield']:g} must be above 0 (tonnes of output per "
                                                 "tonne of input)")
        if r.get("status") == "existing" and (r.get("fixed_cost") or 0) > 0:
            chk.warn("sites", r["_row"], "fixed_cost", "an existing site has no opening decision; its fixed "
                                                       "cost is ignored")
        if r.get("tech_origin") is None and n is not None:
            r["tech_origin"] = n.get("country")
        if (r.get("min_throughput_t") or 0) > (r.get("capacity_t") or 0) and r.get("capacity_t") is not None:
            chk.err("sites", r["_row"], "min_throughput_t", f"{r['min_throughput_t']:g} exceeds capacity_t "
                                                            f"{r['capacity_t']:g}")


def _routes(chk, tables):
    legs = {r["leg"]: r for r in tables.get("legs", []) if r.get("leg")}
    by_route = {}
    for r in tables.get("route_legs", []):
        if r.get("route") and r.get("seq") is not None and r.get("leg"):
            by_route.setdefault(r["route"], []).append(r)
    for r in tables.get("legs", []):
        if r.get("from_node") and r.get("from_node") == r.get("to_node"):
            chk.err("legs", r["_row"], "to_node", "a leg must end at another node than it starts")
    for rt in tables.get("routes", []):
        rid = rt.get("route")
        if not rid:
            continue
        if rt.get("origin") and rt.get("origin") == rt.get("destination"):
            chk.err("routes", rt["_row"], "destination", "a route must end at another node than it starts")
        mn, mx = rt.get("min_volume_t") or 0, rt.get("max_volume_t")
        if mx is not None and mn > mx:
            chk.err("routes", rt["_row"], "min_volume_t", f"{mn:g} exceeds max_volume_t {mx:g}")
        steps = sorted(by_route.get(rid, []), key=lambda x: x["seq"])
        if not steps:
            chk.err("routes", rt["_row"], "route", f"route '{rid}' has no legs on sheet 'route_legs'")
            continue
        seqs = [s["seq"] for s in steps]
        if seqs != list(range(1, len(seqs) + 1)):
            chk.err("route_legs", steps[0]["_row"], "seq", f"route '{rid}': seq must run 1, 2, ... without "
                                                           f"gaps; found {', '.join(map(str, seqs))}")
            continue
        seen_legs = {}
        for s in steps:
            if s["leg"] in seen_legs:
                chk.err("route_legs", s["_row"], "leg", f"route '{rid}' uses leg '{s['leg']}' twice (also at seq "
                                                        f"{seen_legs[s['leg']]}); a route is a path without repeats")
            seen_legs.setdefault(s["leg"], s["seq"])
        if len(seen_legs) < len(steps):
            continue
        at = rt.get("origin")
        for s in steps:
            leg = legs.get(s["leg"])
            if leg is None or at is None:
                break
            if leg.get("from_node") != at:
                chk.err("route_legs", s["_row"], "leg", f"route '{rid}' step {s['seq']}: leg '{s['leg']}' starts "
                                                        f"at '{leg.get('from_node')}' but the route is at '{at}'")
                break
            at = leg.get("to_node")
        else:
            if at is not None and rt.get("destination") and at != rt["destination"]:
                chk.err("route_legs", steps[-1]["_row"], "leg",
                        f"route '{rid}' ends at '{at}', not at its destination '{rt['destination']}'")


def _targets(tables):
    return {
        "leg": {r["leg"] for r in tables.get("legs", []) if r.get("leg")},
        "route": {r["route"] for r in tables.get("routes", []) if r.get("route")},
        "corridor": {r["corridor"] for r in tables.get("routes", []) if r.get("corridor")},
        "site": {r["site"] for r in tables.get("sites", []) if r.get("site")},
        "supply": {r["node"] for r in tables.get("supply", []) if r.get("node")},
        "country": {r["country"] for sheet in ("nodes", "legs") for r in tables.get(sheet, []) if r.get("country")},
        "licence": {r["licence"] for r in tables.get("licences", []) if r.get("licence")},
    }


def _unknown_target(chk, sheet, r, targets):
    tt, t = r.get("target_type"), r.get("target")
    if tt and t is not None and t not in targets[tt]:
        pool = sorted(targets[tt])
        hint = ("; known: " + ", ".join(pool[:12]) + (" ..." if len(pool) > 12 else "")) if pool else ""
        chk.err(sheet, r["_row"], "target", f"'{t}' is not a known {tt}" + hint)


def _seasonality(chk, tables, nodes):
    targets = _targets(tables)
    for r in tables["seasonality"]:
        _unknown_target(chk, "seasonality", r, targets)
        if r.get("month") is None and r.get("period") is None:
            chk.err("seasonality", r["_row"], "month", "give a month (1..12 or *) or a period")
        elif r.get("month") is not None and r.get("period") is not None:
            chk.err("seasonality", r["_row"], "period", "give a month or a period, not both")


# labels that become part of the model's tags (commodity|tech|processing country|end use|transit countries)
_TAGGED = (("commodities", "commodity"), ("nodes", "country"), ("sites", "tech_origin"), ("legs", "country"),
           ("demand", "end_use"), ("licences", "end_use"), ("licences", "country"), ("routes", "corridor"))


def _tag_safe(chk, tables):
    """'|' and '+' separate the parts of a tag: labels that enter tags may not contain them."""
    for sheet, col in _TAGGED:
        for r in tables.get(sheet, []):
            v = r.get(col)
            if isinstance(v, str) and ("|" in v or "+" in v):
                chk.err(sheet, r["_row"], col, f"'{v}' contains '|' or '+', which this column may not hold")
    for r in tables.get("policies", []):
        v = r.get("value")
        if r.get("measure") in ("transit_country", "processing_country") and isinstance(v, str) and (
                "|" in v or "+" in v):
            chk.err("policies", r["_row"], "value", f"'{v}' contains '|' or '+', which a country code may not hold")


def _policies(chk, tables):
    corridors = {r["corridor"] for r in tables.get("routes", []) if r.get("corridor")}
    routes = {r["route"] for r in tables.get("routes", []) if r.get("route")}
    for r in tables["policies"]:
        m, row = r.get("measure"), r["_row"]
        if m is None:
            continue
        if m == "max_active_routes":
            if r.get("max_count") is None:
                chk.err("policies", row, "max_count", "max_active_routes needs max_count (1 = single sourcing)")
            continue
        if r.get("value") is None:
            chk.err("policies", row, "value", f"measure '{m}' needs a value (the {m.replace('_', ' ')})")
        elif m == "corridor" and r["value"] not in corridors:
            chk.err("policies", row, "value", f"'{r['value']}' is not a corridor of any route; known: "
                                              + ", ".join(sorted(corridors)))
        elif m == "route" and r["value"] not in routes:
            chk.err("policies", row, "value", f"'{r['value']}' is not a declared route")
        if r.get("max_share") is None and r.get("min_share") is None:
            chk.err("policies", row, "max_share", "give max_share or min_share (0..1)")
        if r.get("max_share") is not None and r.get("min_share") is not None and r["min_share"] > r["max_share"]:
            chk.err("policies", row, "min_share", f"{r['min_share']:g} exceeds max_share {r['max_share']:g}")


def _disruptions(chk, tables):
    rows = tables.get("disruptions", [])
    targets = _targets(tables)
    prob, first = {}, {}
    for r in rows:
        row, name = r["_row"], r.get("scenario")
        _unknown_target(chk, "disruptions", r, targets)
        if r.get("month") is not None and r.get("period") is not None:
            chk.err("disruptions", row, "period", "give a month or a period, not both")
        tt = r.get("target_type")
        if tt == "licence":
            if r.get("granted") is None:
                chk.err("disruptions", row, "granted", "a licence target needs granted: no (refused or revoked) "
                                                       "or yes (granted)")
            elif r["granted"] == "yes" and (r.get("period") is not None or r.get("month") not in (None, "*")):
                chk.err("disruptions", row, "granted", "a licence is granted for the whole horizon only: leave "
                                                       "month and period blank (or month *)")
        elif tt is not None and r.get("granted") is not None:
            chk.err("disruptions", row, "granted", f"granted applies to licence targets only, not to a {tt}")
        if name is None:
            continue
        if name.lower() == "base":
            chk.err("disruptions", row, "scenario", "'base' is the scenario without disruption; name this one "
                                                    "otherwise")
        first.setdefault(name, row)
        p = r.get("probability")
        if p is not None:
            if name in prob and abs(prob[name][0] - p) > 1e-12:
                chk.err("disruptions", row, "probability", f"{p:g} differs from {prob[name][0]:g} given for "
                                                           f"scenario '{name}' in row {prob[name][1]}")
            prob.setdefault(name, (p, row))
    for name, row in first.items():
        if name not in prob and name.lower() != "base":
            chk.err("disruptions", row, "probability", f"scenario '{name}' has no probability on any of its rows")
    total = sum(p for p, _row in prob.values())
    if total > 1 + 1e-9:
        chk.err("disruptions", None, "probability", f"the scenarios' probabilities sum to {total:g}, above 1 "
                "(the base scenario takes what is left over)")
