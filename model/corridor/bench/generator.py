"""Seeded generator of corridor-shaped instances at named sizes (benchmarking and scaling studies).

The generated family is the corridor MIP of `docs/formulation.md` on this network (``n`` scales it):

- periods: 12 months of 30 days, cyclic horizon;
- commodities: two ore grades ``ore-l`` / ``ore-h``, each separated into its oxide ``reo-l`` / ``reo-h``;
- ``n`` mines (KZ) with monthly capacity and mining cost; ``max(2, n // 2)`` inland hubs in transit
  countries (CN, RU, AZ, TR, IR) and ``max(2, n // 3)`` ports; ``n`` separation sites in CN, MY, EE, US, JP,
  KR, a third of them candidates with a fixed opening cost, some with a minimum throughput and an
  ``available_from`` after the first month; ``n`` markets in JP, KR, US, NL, DE with civil and defense
  demand;
- legs: mine -> hub rail (capacity), hub -> site (rail or sea, some hubs behind a ferry with winter
  capacity factors), site -> port and port -> market (sea, shared by many routes);
- routes as leg paths: each mine reaches three hubs, each hub serves up to eight sites (ore routes of two
  legs, sharing the mine and hub legs); each site serves up to six markets through one of two ports
  (oxide routes of two legs); a third of the oxide routes carry a fixed cost, a tenth a minimum volume;
- seasonality: ferry legs at 0.5 in Nov-Dec and 0.6 in Jan-Feb, Baltic (RU) legs at 0.8 in Jan-Mar, a
  corridor cost factor in winter;
- licences: CN export and CN controlled-content licences for oxides (required, validity 6, lead 2, an
  application cost), military end use prohibited, CN transit to US not granted, IR transit to US
  prohibited;
- policies: no corridor above 70% of any market's tonnes; at most two routes into the first market.

`generate(size, seed)` returns the sheets as row dicts; `generate_inputs` validates them in memory
(the same checks as a workbook), `write_instance` writes an ordinary input workbook.
"""
from __future__ import annotations

import random
from pathlib import Path

from corridor.io.books import raw_workbook, write_sheets
from corridor.io.validate import Inputs, validate

SIZES = {"xs": 1, "s": 8, "m": 85, "l": 850}  # n per named size: about 1e3, 1e4, 1e5, 1e6 nonzeros
SITE_COUNTRIES = ("CN", "MY", "EE", "US", "JP", "KR")
MARKET_COUNTRIES = ("JP", "KR", "US", "NL", "DE")
HUB_COUNTRIES = ("CN", "RU", "AZ", "TR", "IR")
CORRIDOR = {"CN": "China", "RU": "Northern", "AZ": "Middle Corridor", "TR": "Middle Corridor", "IR": "Southern"}


def size_n(size: str | int) -> int:
    """The ``n`` of a named size (``xs``, ``s``, ``m``, ``l``) or of a given number; ValueError for an unknown name."""
    if isinstance(size, int):
        return size
    if size not in SIZES:
        raise ValueError(f"unknown size '{size}'; named sizes: {', '.join(SIZES)}")
    return SIZES[size]


def generate(size: str | int = "s", seed: int = 1) -> dict:
    """Sheets (``{sheet: [row dict]}``, settings as ``{key: value}``) of a generated instance."""
    n = size_n(size)
    rnd = random.Random(f"corridor-{n}-{seed}")
    book = {"settings": {"horizon": "cyclic", "currency": "USD", "time_limit_s": 600, "mip_rel_gap": 1e-4,
                         "shortfall_penalty_per_t": 500000},
            "periods": [{"period": f"2030-{m:02d}", "month": m, "days": 30} for m in range(1, 13)],
            "commodities": [{"commodity": c} for c in ("ore-l", "ore-h", "reo-l", "reo-h")]}
    mines = [f"MINE{i}" for i in range(n)]
    hubs = [f"HUB{i}" for i in range(max(2, n // 2))]
    ports = [f"PORT{i}" for i in range(max(2, n // 3))]
    sites = [f"SITE{i}" for i in range(n)]
    markets = [f"MKT{i}" for i in range(n)]
    hub_c = {h: HUB_COUNTRIES[i % len(HUB_COUNTRIES)] for i, h in enumerate(hubs)}
    site_c = {s: SITE_COUNTRIES[i % len(SITE_COUNTRIES)] for i, s in enumerate(sites)}
    mkt_c = {m: MARKET_COUNTRIES[i % len(MARKET_COUNTRIES)] for i, m in enumerate(markets)}
    port_c = {p: ("CN", "SG", "NL", "US")[i % 4] for i, p in enumerate(ports)}
    book["nodes"] = ([{"node": x, "kind": "mine", "country": "KZ"} for x in mines]
                     + [{"node": h, "kind": "hub", "country": hub_c[h]} for h in hubs]
                     + [{"node": p, "kind": "port", "country": port_c[p]} for p in ports]
                     + [{"node": s, "kind": "site", "country": site_c[s]} for s in sites]
                     + [{"node": m, "kind": "market", "country": mkt_c[m]} for m in markets])
    grade = {x: ("l", "h")[i % 2] for i, x in enumerate(mines)}
    sgrade = {s: ("l", "h")[i % 2] for i, s in enumerate(sites)}
    book["supply"] = [{"node": x, "commodity": f"ore-{grade[x]}", "period": "*",
                       "capacity_t": rnd.choice((30000, 40000, 50000)), "cost_per_t": rnd.uniform(30, 50)}
                      for x in mines]
    book["sites"] = []
    for i, s in enumerate(sites):
        cand = i % 3 == 2
        book["sites"].append({
            "site": s, "input_commodity": f"ore-{sgrade[s]}", "output_commodity": f"reo-{sgrade[s]}",
            "yield": 0.04, "capacity_t": rnd.choice((10000, 20000, 30000)), "cost_per_t": rnd.uniform(110, 260),
            "status": "candidate" if cand else "existing", "fixed_cost": rnd.uniform(2e6, 2e7) if cand else 0,
            "min_throughput_t": 2000 if cand and i % 2 else 0,
            "available_from": "2030-04" if i % 7 == 6 else None,
            "tech_origin": "CN" if site_c[s] in ("CN", "JP") else None})
    legs, routes, steps = [], [], []

    def leg(a, b, mode, country, km, rate, cap=None, handling=15.0):
        lid = f"L{len(legs)}"
        legs.append({"leg": lid, "from_node": a, "to_node": b, "mode": mode, "country": country,
                     "distance_km": km, "cost_per_t": km * rate, "handling_cost_per_t": handling,
                     "transit_days": round(km / (600 if mode != "ferry" else 150)) + 2, "capacity_t": cap})
        return lid

    hub_site = {}
    for h in hubs:
        ferry = hub_c[h] in ("AZ", "TR")
        for s in rnd.sample(sites, min(len(sites), 8)):
            mode = "ferry" if ferry else ("sea" if rnd.random() < 0.4 else "rail")
            rate = {"ferry": 0.15, "sea": 0.006, "rail": 0.04}[mode]
            hub_site[(h, s)] = leg(h, s, mode, hub_c[h], rnd.uniform(800, 9000), rate,
                                   cap=rnd.choice((20000, 40000)) if ferry else None)
    by_hub = {}
    for (h, s), lid in hub_site.items():
        by_hub.setdefault(h, []).append((s, lid))
    for x in mines:
        for h in rnd.sample(hubs, min(len(hubs), 3)):
            first = leg(x, h, "rail", "KZ", rnd.uniform(700, 2500), 0.035, cap=rnd.choice((20000, 30000)))
            for s, second in by_hub[h]:
                if sgrade[s] != grade[x]:
                    continue
                rid = f"R{len(routes)}"
                routes.append({"route": rid, "origin": x, "destination": s, "commodity": f"ore-{grade[x]}",
                               "corridor": CORRIDOR[hub_c[h]]})
                steps += [{"route": rid, "seq": 1, "leg": first}, {"route": rid, "seq": 2, "leg": second}]
    port_market = {}
    for s in sites:
        for p in rnd.sample(ports, min(len(ports), 2)):
            out = leg(s, p, "rail", site_c[s], rnd.uniform(100, 900), 0.04)
            for mkt in rnd.sample(markets, min(len(markets), 3)):
                if (p, mkt) not in port_market:
                    port_market[(p, mkt)] = leg(p, mkt, "sea", port_c[p], rnd.uniform(900, 20000), 0.006)
                rid = f"R{len(routes)}"
                k = len(routes)
                routes.append({"route": rid, "origin": s, "destination": mkt, "commodity": f"reo-{sgrade[s]}",
                               "corridor": "Sea", "fixed_cost": 50000 if k % 3 == 0 else 0,
                               "min_volume_t": 5 if k % 10 == 0 else 0})
                steps += [{"route": rid, "seq": 1, "leg": out}, {"route": rid, "seq": 2, "leg": port_market[(p, mkt)]}]
    book["legs"], book["routes"], book["route_legs"] = legs, routes, steps
    season = []
    for lg in legs:
        if lg["mode"] == "ferry":
            season += [{"target_type": "leg", "target": lg["leg"], "month": m, "capacity_factor": f}
                       for m, f in ((11, 0.5), (12, 0.5), (1, 0.6), (2, 0.6))]
        elif lg["country"] == "RU" and lg["mode"] != "rail":
            season += [{"target_type": "leg", "target": lg["leg"], "month": m, "capacity_factor": 0.8}
                       for m in (1, 2, 3)]
    if any(r["corridor"] == "Middle Corridor" for r in routes):
        season.append({"target_type": "corridor", "target": "Middle Corridor", "month": 12, "capacity_factor": 1,
                       "cost_factor": 1.2})
    book["seasonality"] = season
    book["storage"] = ([{"node": s, "commodity": f"ore-{sgrade[s]}", "capacity_t": 60000, "holding_cost_per_t": 1}
                        for s in sites]
                       + [{"node": m, "commodity": c, "capacity_t": 500, "holding_cost_per_t": 50}
                          for m in markets for c in ("reo-l", "reo-h")])
    book["demand"] = []
    for m in markets:
        for c in ("reo-l", "reo-h"):
            book["demand"].append({"market": m, "commodity": c, "end_use": "civil", "period": "*",
                                   "quantity_t": round(rnd.uniform(50, 250)), "shortfall_penalty_per_t": 200000})
        if mkt_c[m] in ("JP", "US"):
            book["demand"].append({"market": m, "commodity": "reo-h", "end_use": "defense", "period": "*",
                                   "quantity_t": round(rnd.uniform(10, 40)), "shortfall_penalty_per_t": 1000000})
    lic = {"rule": "required", "granted": "yes", "application_cost": 50000, "validity_periods": 6, "lead_periods": 2}
    book["licences"] = [
        {"licence": "CN-EXPORT", "applies_to": "export", "country": "CN", "commodity": "reo-l,reo-h", **lic},
        {"licence": "CN-CONTENT", "applies_to": "controlled_content", "country": "CN", "commodity": "reo-l,reo-h",
         **lic},
        {"licence": "CN-MILITARY", "applies_to": "export", "country": "CN", "end_use": "defense",
         "rule": "prohibited"},
        {"licence": "CN-TRANSIT-US", "applies_to": "transit", "country": "CN", "destination_country": "US",
         **dict(lic, granted="no")},
        {"licence": "IR-US", "applies_to": "transit", "country": "IR", "destination_country": "US",
         "rule": "prohibited"}]
    book["policies"] = [{"policy": "DIVERSIFY", "market": "*", "measure": "corridor", "value": "Sea",
                         "max_share": 1.0},
                        {"policy": "FEW-SOURCES", "market": markets[0], "measure": "max_active_routes",
                         "max_count": 2}]
    corridors = sorted({r["corridor"] for r in routes})
    book["policies"] += [{"policy": f"CAP-{c.replace(' ', '-')}", "market": "*", "measure": "corridor", "value": c,
                          "max_share": 0.7} for c in corridors if c != "Sea"]
    return book



def generate_inputs(size: str | int = "s", seed: int = 1) -> Inputs:
    """Validated `Inputs` of a generated instance, built in memory (no workbook)."""
    return validate(raw_workbook(generate(size, seed)))


def write_instance(size: str | int, seed: int, path: str | Path) -> Path:
    """Write a generated instance as an ordinary input workbook (streamed: fast for large sizes)."""
    return write_sheets(path, generate(size, seed), stream=True)
