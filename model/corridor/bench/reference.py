"""Converters from published reference problems into ordinary input workbooks.

- JuMP's cannery variant: as the transport problem, with cost = distance.

Each converter writes a workbook that follows the input contract, so a reference problem is solved
through the same read -> validate -> build -> solve path as any user case.  Formats are described in
`shared/external/SOURCES.md`.

- Dantzig's transport problem (GAMS ``trnsport``): plants are mines supplying ``cases``, markets demand
  them, one single-leg route per (plant, market) at ``f * d / 1000`` per case.  The published ``>=``
  demand rows become demand with a shortfall penalty far above any route cost, so the optimum is the same.
- OR-Library capacitated warehouse location (``cap41`` ...): each warehouse is a candidate site (fixed
  cost, capacity) that turns ``raw`` (supplied at the site itself) into ``good`` 1:1; each customer is a
  market; the published cost of serving all of customer j from warehouse i becomes a per-tonne route cost
  ``c_ij / d_j`` (split demand allowed, as in ``capopt``).
"""
from __future__ import annotations

import json
from pathlib import Path

from corridor.io.books import write_sheets

HIGH_PENALTY = 1e7


def _single_period(currency, gap=1e-9):
    return {"settings": {"horizon": "open", "currency": currency, "mip_rel_gap": gap,
                         "shortfall_penalty_per_t": HIGH_PENALTY},
            "periods": [{"period": "P1", "month": 1, "days": 30}]}


def _transport_book(out_path, currency, plants, markets, arcs) -> Path:
    """A single-period workbook: plants supply ``cases``, markets demand them, one one-leg route per arc
    ``(plant, market, cost_per_case, distance_km)``."""
    book = _single_period(currency)
    book["commodities"] = [{"commodity": "cases", "unit": "case"}]
    book["nodes"] = ([{"node": p, "kind": "mine", "country": "US"} for p in plants]
                     + [{"node": m, "kind": "market", "country": "US"} for m in markets])
    book["supply"] = [{"node": p, "commodity": "cases", "period": "*", "capacity_t": v["capacity"], "cost_per_t": 0}
                      for p, v in plants.items()]
    legs, routes, steps = [], [], []
    for p, mk, cost, km in arcs:
        rid = f"{p}>{mk}"
        legs.append({"leg": rid, "from_node": p, "to_node": mk, "mode": "rail", "country": "US",
                     "distance_km": km, "cost_per_t": cost, "transit_days": 0})
        routes.append({"route": rid, "origin": p, "destination": mk, "commodity": "cases", "corridor": p})
        steps.append({"route": rid, "seq": 1, "leg": rid})
    book.update(legs=legs, routes=routes, route_legs=steps)
    book["demand"] = [{"market": mk, "commodity": "cases", "end_use": "civil", "period": "*",
                       "quantity_t": v["demand"]} for mk, v in markets.items()]
    return write_sheets(out_path, book)


def transport_workbook(json_path: str | Path, out_path: str | Path) -> Path:
    """Write Dantzig's transport problem (``transport.json``) as an input workbook."""
    src = json.loads(Path(json_path).read_text())
    f = src["freight_f"]
    arcs = [(p, mk, f * dist / 1000.0, dist * 1609.344) for p, row in src["distance"].items()
            for mk, dist in row.items()]
    return _transport_book(out_path, "kUSD", src["plants"], src["markets"], arcs)


def cannery_workbook(json_path: str | Path, out_path: str | Path) -> Path:
    """Write JuMP's cannery variant (``jump_cannery.json``: cost = distance) as an input workbook."""
    src = json.loads(Path(json_path).read_text())
    arcs = [tuple(x.strip() for x in pair.split("=>")) + (dist, None) for pair, dist in src["distances"].items()]
    return _transport_book(out_path, "USD", src["plants"], src["markets"], arcs)


def default_external() -> Path | None:
    """The folder of the published reference problems for `corridor bench --reference`: ``shared/external``
    beside the current folder, else beside the source checkout this package runs from; None when neither
    exists (the test suite's subset lives in the repository's ``tests/data``)."""
    checkout = Path(__file__).resolve().parent.parent
    for base in (Path.cwd(), checkout):
        candidate = base.parent / "shared" / "external"
        if candidate.is_dir():
            return candidate
    return None


def reference_instances(external: str | Path) -> list:
    """Every published reference problem under ``external`` with its optimum:
    [(name, converter, source path, optimum)] (OR-Library cap41..cap134, Dantzig transport, JuMP cannery)."""
    external = Path(external)
    out = []
    optima = orlib_optima(external / "orlib_cap" / "capopt.txt")
    for name in sorted(optima, key=lambda x: (len(x), x)):
        src = external / "orlib_cap" / f"{name}.txt"
        if name.startswith("cap") and name[3:].isdigit() and src.exists():
            out.append((name, orlib_cap_workbook, src, optima[name]))
    t = external / "transport_dantzig"
    out.append(("transport", transport_workbook, t / "transport.json",
                json.loads((t / "transport.json").read_text())["published_optimum"]))
    out.append(("cannery", cannery_workbook, t / "jump_cannery.json",
                json.loads((t / "jump_cannery.json").read_text())["published_optimum"]))
    return out


def parse_orlib_cap(path: str | Path, capacity: float | None = None) -> tuple[list, list, list, list]:
    """Parse an OR-Library cap file: (capacities, fixed costs, demands, cost[i][j] of all of j at i)."""
    tokens = Path(path).read_text().split()
    it = iter(tokens)
    m, n = int(next(it)), int(next(it))
    caps, fixed = [], []
    for _ in range(m):
        tok = next(it)
        caps.append(float(capacity) if tok == "capacity" else float(tok))
        fixed.append(float(next(it)))
    demand, cost = [], [[0.0] * n for _ in range(m)]
    for j in range(n):
        demand.append(float(next(it)))
        for i in range(m):
            cost[i][j] = float(next(it))
    return caps, fixed, demand, cost


def orlib_cap_workbook(txt_path: str | Path, out_path: str | Path, capacity: float | None = None) -> Path:
    """Write an OR-Library capacitated warehouse location instance as an input workbook."""
    caps, fixed, demand, cost = parse_orlib_cap(txt_path, capacity)
    book = _single_period("cost")
    book["commodities"] = [{"commodity": "raw"}, {"commodity": "good"}]
    W = [f"W{i + 1}" for i in range(len(caps))]
    C = [f"C{j + 1}" for j in range(len(demand))]
    book["nodes"] = ([{"node": w, "kind": "site", "country": "XX"} for w in W]
                     + [{"node": c, "kind": "market", "country": "XX"} for c in C])
    book["supply"] = [{"node": w, "commodity": "raw", "period": "*", "capacity_t": caps[i], "cost_per_t": 0}
                      for i, w in enumerate(W)]
    book["sites"] = [{"site": w, "input_commodity": "raw", "output_commodity": "good", "yield": 1,
                      "capacity_t": caps[i], "cost_per_t": 0, "status": "candidate", "fixed_cost": fixed[i]}
                     for i, w in enumerate(W)]
    legs, routes, steps = [], [], []
    for i, w in enumerate(W):
        for j, c in enumerate(C):
            if demand[j] <= 0:
                continue
            rid = f"{w}>{c}"
            legs.append({"leg": rid, "from_node": w, "to_node": c, "mode": "road", "country": "XX",
                         "cost_per_t": cost[i][j] / demand[j], "transit_days": 0})
            routes.append({"route": rid, "origin": w, "destination": c, "commodity": "good", "corridor": w})
            steps.append({"route": rid, "seq": 1, "leg": rid})
    book.update(legs=legs, routes=routes, route_legs=steps)
    book["demand"] = [{"market": c, "commodity": "good", "end_use": "civil", "period": "*", "quantity_t": demand[j]}
                      for j, c in enumerate(C) if demand[j] > 0]
    return write_sheets(out_path, book)


def orlib_optima(path: str | Path) -> dict:
    """``capopt.txt`` -> {instance: optimum} (first value per line)."""
    out = {}
    for line in Path(path).read_text().splitlines()[1:]:
        parts = line.split()
        if len(parts) >= 2:
            try:
                out[parts[0]] = float(parts[1])
            except ValueError:
                continue
    return out
