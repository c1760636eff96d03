"""Cross-sheet rules of the contract that single cells cannot show (route chains, node kinds, ...)."""
from __future__ import annotations

import difflib
import re
from collections import defaultdict
from typing import TYPE_CHECKING

from corridor.io.charges import RULES as CHARGE_RULES
from corridor.io.charges import charges
from corridor.io.coproducts import RULES as COPRODUCT_RULES
from corridor.io.coproducts import site_products
from corridor.io.plausible import RULES as PLAUSIBLE_RULES
from corridor.io.plausible import case_only_differences, licence_windows, time_order, unusable_rows
from corridor.io.schema import STAR
from corridor.io.strategic import RULES as STRATEGIC_RULES
from corridor.io.strategic import investments, years_and_horizon

if TYPE_CHECKING:
    from corridor.io.cells import CellChecker

_YYYY_MM = re.compile(r"^\d{4}-(\d{2})$")

RULES = (  # the cross-sheet rules checked here, as listed in docs/inputs.md
    "every id referred to is declared on its sheet; ids are unique; ids have no leading or trailing blanks",
    "periods: at least one; a blank month is read from a YYYY-MM id; days 1..3660; the rows are in time order "
    "(YYYY-MM ids rise; the months go back at most once per 365 days, plus once)",
    "sites: the node is of kind site; input and output commodity differ; yield above 0; min_throughput_t at most "
    "capacity_t; tech_origin defaults to the site's country",
    "routes: origin and destination differ; min_volume_t at most max_volume_t; route_legs seq runs 1, 2, ... and the "
    "legs chain from origin to destination without using a leg twice or passing a node twice",
    "routes: something uses the commodity at the destination (a site there takes it as input, a demand row of the "
    "destination asks for it, a storage row holds it there, or another route carries it on from there)",
    "licences: an end_use other than * is an end use of some demand row",
    "seasonality: the target exists for its target_type; give a month or a period, not both",
    "policies: max_active_routes needs max_count; share measures need a value (a known corridor or route) and "
    "max_share or min_share, min at most max",
    "labels that enter the model's tags (commodity ids, countries, tech_origin, end uses, corridors) hold no '|' "
    "or '+'",
    "disruptions: every scenario has one probability (rows that repeat it agree), the probabilities sum to at "
    "most 1, no scenario is called 'base'; the target exists for its target_type (country: a country of a node "
    "or leg); give a month or a period, not both; granted only on licence targets, where it is required; a "
    "licence is granted for the whole horizon only",
    "settings: time_limit_s above 0; cvar_alpha below 1; cost_budget or cost_budget_pct, not both; mip_rel_gap "
    "0..0.5",
) + PLAUSIBLE_RULES + STRATEGIC_RULES + COPRODUCT_RULES + CHARGE_RULES


def check_semantics(chk: CellChecker, tables: dict, settings: dict) -> None:
    """Append an issue to ``chk`` for every violated cross-sheet rule; never raises."""
    _periods(chk, tables)
    years_and_horizon(chk, tables, settings, chk.setting_rows)
    time_order(chk, tables.get("periods", []))
    licence_windows(chk, tables, settings)
    nodes = _first(tables.get("nodes", []), "node")
    _sites(chk, tables, nodes)
    site_products(chk, tables)
    _routes(chk, tables)
    _route_use(chk, tables)
    _end_uses(chk, tables)
    _seasonality(chk, tables, nodes)
    _tag_safe(chk, tables)
    _policies(chk, tables)
    _disruptions(chk, tables)
    investments(chk, tables, settings)
    charges(chk, tables)
    case_only_differences(chk, tables)
    unusable_rows(chk, tables, settings)


def _first(rows, key) -> dict:
    """Rows by their id; a duplicate id (reported by the key check) does not replace the first row."""
    out = {}
    for r in rows:
        if r.get(key) is not None:
            out.setdefault(r[key], r)
    return out


def _bad(chk, sheet, r, *cols) -> bool:
    """One of ``cols`` of row ``r`` holds a reported mistake (so a rule across cells must not judge it)."""
    return any((sheet, r["_row"], c) in chk.bad_cells for c in cols)


def _complete(chk, tables, sheet, col) -> bool:
    """Every row of ``sheet`` has a readable ``col``: a value missing from it cannot be a reported mistake."""
    return (sheet in tables and sheet not in chk.incomplete
            and all(r.get(col) is not None for r in tables[sheet]))


def _periods(chk, tables):
    for r in tables.get("periods", []):
        if r.get("month") is None and r.get("period") and not _bad(chk, "periods", r, "month", "period"):
            m = _YYYY_MM.match(r["period"])
            if m and 1 <= int(m.group(1)) <= 12:
                r["month"] = int(m.group(1))
            else:
                chk.err("periods", r["_row"], "month", "is blank and the period id is not of the form YYYY-MM; "
                                                       "give the calendar month (allowed: 1..12)")


def _sites(chk, tables, nodes):
    for r in tables["sites"]:
        n = nodes.get(r.get("site"))
        if n is not None and n.get("kind") not in (None, "site"):
            chk.err("sites", r["_row"], "site", f"node '{r['site']}' is of kind '{n.get('kind')}', not 'site'")
        if r.get("input_commodity") and r.get("input_commodity") == r.get("output_commodity"):
            chk.err("sites", r["_row"], "output_commodity", f"'{r['output_commodity']}' is also the input: a site "
                    "must turn one commodity into another (declare e.g. 'ore' and 'concentrate')")
        if r.get("status") == "existing" and (r.get("fixed_cost") or 0) > 0:
            chk.warn("sites", r["_row"], "fixed_cost", "an existing site has no opening decision; its fixed "
                                                       "cost is ignored")
        if r.get("tech_origin") is None and n is not None:
            r["tech_origin"] = n.get("country")
        if (r.get("min_throughput_t") or 0) > (r.get("capacity_t") or 0) and r.get("capacity_t") is not None:
            chk.err("sites", r["_row"], "min_throughput_t", f"{r['min_throughput_t']:g} exceeds capacity_t "
                                                            f"{r['capacity_t']:g}")


def _routes(chk, tables):
    legs = _first(tables.get("legs", []), "leg")
    by_route, unknown, orphans = {}, set(), False
    for r in tables.get("route_legs", []):
        if r.get("route") is None:
            orphans = True  # a step of some route could not be read: no route's chain can be judged
        elif r.get("seq") is None or r.get("leg") is None:
            unknown.add(r["route"])
        else:
            by_route.setdefault(r["route"], {}).setdefault(r["seq"], r)  # a duplicate seq is reported once
    judge = "route_legs" in tables and "route_legs" not in chk.incomplete and not orphans
    for r in tables.get("legs", []):
        if r.get("from_node") and r.get("from_node") == r.get("to_node"):
            chk.err("legs", r["_row"], "to_node", "a leg must end at another node than it starts")
    seen = set()
    for rt in tables.get("routes", []):
        rid = rt.get("route")
        if not rid or rid in seen:
            continue
        seen.add(rid)
        mn, mx = rt.get("min_volume_t") or 0, rt.get("max_volume_t")
        if mx is not None and mn > mx:
            chk.err("routes", rt["_row"], "min_volume_t", f"{mn:g} exceeds max_volume_t {mx:g}; allowed: "
                                                          f"0..{mx:g}")
        if rt.get("origin") and rt.get("origin") == rt.get("destination"):
            chk.err("routes", rt["_row"], "destination", f"a route must end at another node than it starts "
                                                         f"('{rt['origin']}')")
            continue
        steps = [by_route.get(rid, {})[k] for k in sorted(by_route.get(rid, {}))]
        seen_legs = {}
        for st in steps:
            if st["leg"] in seen_legs:
                chk.err("route_legs", st["_row"], "leg", f"route '{rid}' uses leg '{st['leg']}' twice (also at "
                        f"seq {seen_legs[st['leg']]}); a route is a path without repeats")
            seen_legs.setdefault(st["leg"], st["seq"])
        if not judge or rid in unknown or len(seen_legs) < len(steps):
            continue
        if not steps:
            chk.err("routes", rt["_row"], "route", f"route '{rid}' has no legs on sheet 'route_legs'")
            continue
        seqs = [st["seq"] for st in steps]
        if seqs != list(range(1, len(seqs) + 1)):
            chk.err("route_legs", steps[0]["_row"], "seq", f"route '{rid}': seq must run 1, 2, ... without "
                                                           f"gaps; found {', '.join(map(str, seqs))}")
            continue
        _chain(chk, rt, steps, legs)


def _chain(chk, rt, steps, legs):
    """The legs of route ``rt`` must chain from its origin to its destination."""
    rid, at = rt["route"], rt.get("origin")
    been = {at: 0}  # node -> the seq at which the route reached it (0: its origin)
    for st in steps:
        leg = legs.get(st["leg"])
        if (leg is None or at is None or leg.get("from_node") is None or leg.get("to_node") is None
                or leg["from_node"] == leg["to_node"]):
            return  # an unreadable or looping leg, reported where it is
        if leg["from_node"] != at:
            starts = sorted(k for k, v in legs.items() if v.get("from_node") == at)
            chk.err("route_legs", st["_row"], "leg", f"route '{rid}' step {st['seq']}: leg '{st['leg']}' starts "
                    f"at '{leg['from_node']}' but the route is at '{at}'; allowed: a leg that starts at '{at}' ("
                    + (", ".join(starts[:12]) + (" ..." if len(starts) > 12 else "") if starts else "none is "
                       "declared") + ")")
            return
        at = leg["to_node"]
        if at in been:
            chk.err("route_legs", st["_row"], "leg", f"route '{rid}' step {st['seq']}: leg '{st['leg']}' comes back to "
                    f"'{at}', where the route already was (" + (f"seq {been[at]}" if been[at] else "its origin")
                    + "); a route is a path without loops: remove the legs of the loop")
            return
        been[at] = st["seq"]
    if rt.get("destination") and at != rt["destination"]:
        chk.err("route_legs", steps[-1]["_row"], "leg",
                f"route '{rid}' ends at '{at}', not at its destination '{rt['destination']}'; add a leg from "
                f"'{at}' to '{rt['destination']}' or change the route's destination")


def _route_use(chk, tables):
    """A route must bring its commodity to a node where something uses it (a site consumes it, a market
    demands it, a storage row holds it, or another route carries it on).  Judged only when the sheets it
    depends on are free of errors: a mistake elsewhere must not make a route look useless."""
    sheets = ("routes", "sites", "demand", "storage")
    if any(s not in tables or s in chk.bad_sheets or s in chk.incomplete for s in sheets):
        return
    used = defaultdict(set)
    for r in tables["sites"]:
        used[r["site"]].add(r["input_commodity"])
    for r in tables.get("site_products", []):
        if (r.get("yield") or 0) < 0:  # a reagent consumed at the site node
            used[r["site"]].add(r["commodity"])
    for r in tables["demand"]:
        used[r["market"]].add(r["commodity"])
    for r in tables["storage"]:
        used[r["node"]].add(r["commodity"])
    for r in tables["routes"]:
        used[r["origin"]].add(r["commodity"])
    for rt in tables["routes"]:
        c, d = rt.get("commodity"), rt.get("destination")
        if c is None or d is None or c in used[d]:
            continue
        have = sorted(used[d])
        chk.err("routes", rt["_row"], "commodity", f"nothing uses '{c}' at the destination '{d}': no site there "
                "takes it as input, no demand row of the market asks for it, no storage row holds it there and no "
                f"route carries it on from there; allowed: " + (
                    f"a commodity used at '{d}' ({', '.join(have)})" if have else
                    f"nothing is used at '{d}': add the demand, site, storage or onward route the tonnes go to"))


def _end_uses(chk, tables):
    """A licence's end_use (other than *) must be an end use that some demand row declares."""
    if "demand" not in tables or "demand" in chk.bad_sheets:
        return
    uses = sorted({r["end_use"] for r in tables["demand"] if r.get("end_use")})
    for r in tables.get("licences", []):
        e = r.get("end_use")
        if e is None or e == STAR or e in uses:
            continue
        close = difflib.get_close_matches(e, uses, n=1)
        chk.err("licences", r["_row"], "end_use", f"no demand row has the end use '{e}', so the rule could never "
                "apply" + (f"; did you mean '{close[0]}'?" if close else "") + "; allowed: * or an end use of sheet "
                "'demand' (" + (", ".join(uses) or "none") + ")")


_TARGET_SOURCES = {"leg": (("legs", "leg"),), "route": (("routes", "route"),), "corridor": (("routes", "corridor"),),
                   "site": (("sites", "site"),), "supply": (("supply", "node"),),
                   "country": (("nodes", "country"), ("legs", "country")), "licence": (("licences", "licence"),)}


def _targets(tables):
    """target_type -> the targets the workbook declares (`_TARGET_SOURCES`: where each kind is declared)."""
    return {tt: {r[c] for s, c in src for r in tables.get(s, []) if r.get(c)} for tt, src in _TARGET_SOURCES.items()}


def _unknown_target(chk, sheet, r, targets, tables):
    tt, t = r.get("target_type"), r.get("target")
    if tt and t is not None and t not in targets[tt] and all(
            _complete(chk, tables, s, c) for s, c in _TARGET_SOURCES[tt]):
        pool = sorted(targets[tt])
        hint = ("; known: " + ", ".join(pool[:12]) + (" ..." if len(pool) > 12 else "")) if pool else ""
        chk.err(sheet, r["_row"], "target", f"'{t}' is not a known {tt}" + hint)


def _seasonality(chk, tables, nodes):
    targets = _targets(tables)
    for r in tables["seasonality"]:
        _unknown_target(chk, "seasonality", r, targets, tables)
        if _bad(chk, "seasonality", r, "month", "period"):
            continue
        if r.get("month") is None and r.get("period") is None:
            chk.err("seasonality", r["_row"], "month", "give a month (1..12 or *) or a period (an id or *)")
        elif r.get("month") is not None and r.get("period") is not None:
            chk.err("seasonality", r["_row"], "period", "give a month or a period, not both")
        _every_period(r)


def _every_period(r):
    """``period = *`` means every period, as ``month = *`` does: read as the latter, so that every reader of the
    row (the model, the checker, the trace) sees one spelling."""
    if r.get("period") == STAR and r.get("month") is None:
        r["month"], r["period"] = STAR, None


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
            if r.get("max_count") is None and not _bad(chk, "policies", r, "max_count"):
                chk.err("policies", row, "max_count", "max_active_routes needs max_count (1 = single sourcing)")
            continue
        if _bad(chk, "policies", r, "value"):
            pass
        elif r.get("value") is None:
            chk.err("policies", row, "value", f"measure '{m}' needs a value (the {m.replace('_', ' ')})")
        elif m == "corridor" and r["value"] not in corridors and _complete(chk, tables, "routes", "corridor"):
            chk.err("policies", row, "value", f"'{r['value']}' is not a corridor of any route; allowed: "
                                              + ", ".join(sorted(corridors)))
        elif m == "route" and r["value"] not in routes and _complete(chk, tables, "routes", "route"):
            shown = sorted(routes)
            chk.err("policies", row, "value", f"'{r['value']}' is not a declared route; allowed: "
                    + ", ".join(shown[:12]) + (f" ... ({len(shown)} in all)" if len(shown) > 12 else ""))
        if r.get("max_share") is None and r.get("min_share") is None and not _bad(
                chk, "policies", r, "max_share", "min_share"):
            chk.err("policies", row, "max_share", "give max_share or min_share (0..1)")
        if r.get("max_share") is not None and r.get("min_share") is not None and r["min_share"] > r["max_share"]:
            chk.err("policies", row, "min_share", f"{r['min_share']:g} exceeds max_share {r['max_share']:g}")


def _disruptions(chk, tables):
    rows = tables.get("disruptions", [])
    targets = _targets(tables)
    prob, first, unreadable = {}, {}, set()
    for r in rows:
        row, name = r["_row"], r.get("scenario")
        _unknown_target(chk, "disruptions", r, targets, tables)
        if r.get("month") is not None and r.get("period") is not None:
            chk.err("disruptions", row, "period", "give a month or a period, not both")
        _every_period(r)
        tt = r.get("target_type")
        if tt == "licence":
            if r.get("granted") is None:
                if not _bad(chk, "disruptions", r, "granted"):
                        chk.err("disruptions", row, "granted", "a licence target needs granted: no (refused or "
                                                           "revoked) or yes (granted)")
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
        if _bad(chk, "disruptions", r, "probability"):
            unreadable.add(name)
        p = r.get("probability")
        if p is not None:
            if name in prob and abs(prob[name][0] - p) > 1e-12:
                chk.err("disruptions", row, "probability", f"{p:g} differs from {prob[name][0]:g} given for "
                                                           f"scenario '{name}' in row {prob[name][1]}")
            prob.setdefault(name, (p, row))
    for name, row in first.items():
        if name not in prob and name.lower() != "base" and name not in unreadable:
            chk.err("disruptions", row, "probability", f"scenario '{name}' has no probability on any of its rows")
    total = sum(p for p, _row in prob.values())
    if total > 1 + 1e-9:
        chk.err("disruptions", None, "probability", f"the scenarios' probabilities sum to {total:g}, above 1 "
                "(the base scenario takes what is left over)")
