"""The tests' one workbook builder: ``Net`` (a small fluent builder of networks) and ``write_book`` (any
``{sheet: [row dict]}``), both writing real .xlsx files through `corridor.io.books.write_sheets`; and the
small cases several test modules share (`two_corridors`), and `solved` (solve a net, require a proven optimum)."""
from __future__ import annotations

from pathlib import Path

import openpyxl

from corridor.pipeline import run

SHEETS = ("settings", "periods", "commodities", "nodes", "supply", "sites", "legs", "routes", "route_legs",
          "seasonality", "storage", "demand", "licences", "policies", "disruptions", "scenarios")


def write_book(path, sheets: dict) -> Path:
    """Write ``{sheet: [row dicts]}`` (settings as {key: value}) to ``path`` (an empty sheet gets the schema's
    columns as its header)."""
    from corridor.io.books import write_sheets
    return write_sheets(path, sheets)


class Net:
    """A tiny network: ``Net(periods=2)`` then nodes, legs, routes, demand ...; ``write(path)``."""

    def __init__(self, periods=1, horizon="open", days=30, months=None, **settings):
        self.sheets = {s: [] for s in SHEETS}
        self.sheets["settings"] = {"horizon": horizon, "mip_rel_gap": 1e-9, **settings}
        months = months or [(i % 12) + 1 for i in range(periods)]
        self.sheets["periods"] = [{"period": f"P{i + 1}", "month": months[i], "days": days} for i in range(periods)]
        self.sheets["commodities"] = [{"commodity": "ore"}, {"commodity": "reo"}]
        self.countries = {}

    @property
    def periods(self):
        return [p["period"] for p in self.sheets["periods"]]

    def node(self, node, kind="hub", country="KZ"):
        self.sheets["nodes"].append({"node": node, "kind": kind, "country": country})
        self.countries[node] = country
        return self

    def supply(self, node, cap, cost=0.0, commodity="ore", period="*"):
        self.sheets["supply"].append({"node": node, "commodity": commodity, "period": period, "capacity_t": cap,
                                      "cost_per_t": cost})
        return self

    def site(self, site, cap, cost=0.0, yield_=1.0, status="existing", fixed=0.0, inp="ore", out="reo", **kw):
        self.sheets["sites"].append({"site": site, "input_commodity": inp, "output_commodity": out, "yield": yield_,
                                     "capacity_t": cap, "cost_per_t": cost, "status": status, "fixed_cost": fixed,
                                     **kw})
        return self

    def leg(self, leg, a, b, cost=0.0, days=0.0, cap=None, country=None, mode="rail", handling=0.0):
        self.sheets["legs"].append({"leg": leg, "from_node": a, "to_node": b, "mode": mode,
                                    "country": country or self.countries.get(a, "KZ"), "cost_per_t": cost,
                                    "handling_cost_per_t": handling, "transit_days": days, "capacity_t": cap})
        return self

    def route(self, route, legs, commodity="ore", corridor="C", **kw):
        """A route over existing leg ids (origin/destination taken from the first/last leg)."""
        by = {r["leg"]: r for r in self.sheets["legs"]}
        self.sheets["routes"].append({"route": route, "origin": by[legs[0]]["from_node"],
                                      "destination": by[legs[-1]]["to_node"], "commodity": commodity,
                                      "corridor": corridor, **kw})
        for i, leg in enumerate(legs, start=1):
            self.sheets["route_legs"].append({"route": route, "seq": i, "leg": leg})
        return self

    def link(self, route, a, b, cost=0.0, days=0.0, cap=None, commodity="ore", corridor="C", country=None, **kw):
        """A one-leg route a -> b (leg id = route id)."""
        self.leg(route, a, b, cost=cost, days=days, cap=cap, country=country)
        return self.route(route, [route], commodity=commodity, corridor=corridor, **kw)

    def demand(self, market, qty, commodity="reo", end_use="civil", period="*", penalty=1000.0, **kw):
        self.sheets["demand"].append({"market": market, "commodity": commodity, "end_use": end_use,
                                      "period": period, "quantity_t": qty, "shortfall_penalty_per_t": penalty, **kw})
        return self

    def storage(self, node, cap=None, hold=0.0, commodity="reo", initial=0.0):
        self.sheets["storage"].append({"node": node, "commodity": commodity, "capacity_t": cap,
                                       "holding_cost_per_t": hold, "initial_t": initial})
        return self

    def season(self, target_type, target, cap=1.0, cost=1.0, month=None, period=None):
        self.sheets["seasonality"].append({"target_type": target_type, "target": target, "month": month,
                                           "period": period, "capacity_factor": cap, "cost_factor": cost})
        return self

    def licence(self, licence, applies_to, country, rule="required", **kw):
        self.sheets["licences"].append({"licence": licence, "applies_to": applies_to, "country": country,
                                        "rule": rule, **kw})
        return self

    def policy(self, policy, market, measure, value=None, **kw):
        self.sheets["policies"].append({"policy": policy, "market": market, "measure": measure, "value": value,
                                        **kw})
        return self

    def disruption(self, scenario, probability, target_type, target, cap=0.0, month=None, period=None, **kw):
        self.sheets["disruptions"].append({"scenario": scenario, "probability": probability,
                                           "target_type": target_type, "target": target, "month": month,
                                           "period": period, "capacity_factor": cap, **kw})
        return self

    def add(self, sheet, /, **row):
        """Append a row to any sheet (for columns the typed methods do not take; ``sheet`` is positional, so a
        row may have a column named sheet, as the scenarios sheet does)."""
        self.sheets.setdefault(sheet, []).append(row)
        return self

    def write(self, path):
        return write_book(path, self.sheets)


def two_corridors(p=0.1, **settings):
    """Mine M (KZ) -> market K (JP), 100 t ore a period demanded at a shortfall penalty of 50/t.  Route A
    (corridor East, through CN) costs 1/t and 10 to contract; route B (West, through GE) 2/t and 600.
    Disruption east-closed (probability ``p``) closes East.  With p = 0.1:
      only A:  10 + 0.9*100*1 + 0.1*100*50        = 600   expected shortfall 0.1*100 = 10 t (share 0.1)
      A and B: 10 + 600 + 0.9*100*1 + 0.1*100*2   = 720   expected shortfall 0
      only B:  600 + 200                          = 800
    """
    n = (Net(periods=1, **settings).node("M", "mine").node("K", "market", "JP").supply("M", 1000)
         .link("A", "M", "K", cost=1, corridor="East", country="CN", fixed_cost=10)
         .link("B", "M", "K", cost=2, corridor="West", country="GE", fixed_cost=600)
         .demand("K", 100, commodity="ore", penalty=50))
    return n.disruption("east-closed", p, "corridor", "East")


def solved(net, tmp_path, name="case"):
    """Write ``net``, solve it through the workbook path and require a proven optimum; the run's report."""
    rep = run(net.write(tmp_path / f"{name}.xlsx"), tmp_path / f"{name}-solution.xlsx")
    assert rep.result.proven_optimal, rep.result.message
    return rep


def sheet_cells(path) -> dict:
    """Every sheet's cell values of the workbook at ``path``, row by row, in order."""
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}
    finally:
        wb.close()
