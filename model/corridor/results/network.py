"""The ``map`` table of a plan: what `corridor.io.maps` draws, one row per node and one per leg and corridor.

- a node row: its kind, country and position (``lat``/``lon`` of the nodes sheet); ``status`` ``used`` when a
  leg the plan uses starts or ends there;
- a leg row per corridor whose routes run over it: its mode, both ends' positions, the tonnes the plan sends
  over it on that corridor's routes (all periods; the plan sheets' scenario), and ``status``:

  - ``used``: tonnes above zero;
  - ``closed``: every route of the corridor over the leg is closed or prohibited in the plan sheets'
    scenario: the model may send it nothing (a licence refused or a prohibited flow, no capacity in any
    period, a disruption of that scenario, nothing can reach its ends) or an active policy caps its share at
    zero (``max_share`` 0 on its corridor, route, a country it crosses or the country that processed what it
    carries, for the market it ends at); ``note`` says why;
  - ``unused``: open, but the plan chose other routes.

Nodes without a position are listed with blank ``lat``/``lon`` and not drawn; neither are legs that touch one.
"""
from __future__ import annotations

from collections import defaultdict

import pandas as pd

from corridor.formulation.build import Formulation

COLUMNS = ["element", "id", "kind", "corridor", "status", "tonnes", "from_node", "to_node", "country", "lat", "lon",
           "to_lat", "to_lon", "note"]


def map_table(view: Formulation, flows: pd.DataFrame) -> pd.DataFrame:
    """The ``map`` table (module doc) of the plan of ``view`` (the plan sheets' scenario) and its
    ``route_flows`` table ``flows``."""
    d = view.d
    reasons = closed_routes(view)
    shipped = flows.groupby("route")["tonnes"].sum().to_dict() if len(flows) else {}
    tonnes, routes_on = defaultdict(float), defaultdict(list)
    for r, route in d.routes.items():
        for leg in route.legs:
            key = (leg, route.corridor)
            routes_on[key].append(r)
            tonnes[key] += float(shipped.get(r, 0.0))
    used_nodes = set()
    leg_rows = []
    for (leg, corridor), rs in routes_on.items():
        rec = d.legs[leg]
        a, b = d.nodes[rec["from_node"]], d.nodes[rec["to_node"]]
        t = tonnes[(leg, corridor)]
        why = sorted({w for r in rs for w in reasons.get(r, ())})
        if t > 1e-6:
            status, note = "used", ""
            used_nodes |= {rec["from_node"], rec["to_node"]}
        elif all(r in reasons for r in rs):
            status, note = "closed", "; ".join(why)
        else:
            status, note = "unused", ""
        leg_rows.append({"element": "leg", "id": leg, "kind": rec.get("mode"), "corridor": corridor, "status": status,
                         "tonnes": t, "from_node": rec["from_node"], "to_node": rec["to_node"],
                         "country": rec.get("country"), "lat": a.get("lat"), "lon": a.get("lon"),
                         "to_lat": b.get("lat"), "to_lon": b.get("lon"), "note": note})
    node_rows = [{"element": "node", "id": n, "kind": rec.get("kind"), "status": "used" if n in used_nodes else "",
                  "country": rec.get("country"), "lat": rec.get("lat"), "lon": rec.get("lon"),
                  "note": rec.get("description") or ""} for n, rec in d.nodes.items()]
    order = {"used": 0, "closed": 1, "unused": 2}
    leg_rows.sort(key=lambda r: (order[r["status"]], -r["tonnes"], r["corridor"], r["id"]))
    return pd.DataFrame(node_rows + leg_rows, columns=COLUMNS)


def closed_routes(view: Formulation) -> dict[str, list[str]]:
    """Route -> why it is closed or prohibited in ``view``'s scenario (module doc); open routes are left out."""
    d = view.d
    out: dict[str, list[str]] = defaultdict(list)
    refused = defaultdict(set)
    for r, _k, licence in d.removed_flows:
        refused[r].add(licence)
    for r in d.routes:
        if r not in d.ship_tags:
            out[r].append(f"licence {', '.join(sorted(refused[r]))} refused or prohibiting" if refused[r]
                          else "no capacity or nothing can reach its ends")
    made = {(rec["site"], rec["output_commodity"]) for rec in d.sites.values()}
    made |= {(d.sites[p]["site"], c) for p, cs in d.coproducts.items() if p in d.sites for c, _y in cs}
    for pol in d.policies:
        if pol.get("max_share") is None or pol["max_share"] > 0:
            continue
        for r, route in d.routes.items():
            if route.destination != pol["market"] or route.commodity not in pol["commodities"]:
                continue
            if _measured(pol, r, route, d.country, made):
                out[r].append(f"policy {pol['policy']}")
    return dict(out)


def _measured(pol: dict, r: str, route, country: dict, made: set) -> bool:
    """Is every tonne of route ``r`` in the part policy ``pol`` measures, so that a zero cap forbids the route?
    (``made``: (site node, commodity) pairs that a process there makes.)"""
    m, v = pol["measure"], pol["value"]
    if m == "corridor":
        return route.corridor == v
    if m == "route":
        return r == v
    if m == "transit_country":
        return v in route.transit_countries
    if m == "processing_country":
        return (route.origin, route.commodity) in made and country.get(route.origin) == v
    return False
