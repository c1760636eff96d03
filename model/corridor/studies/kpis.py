"""The figures of one solved run that a planning study compares (`corridor.studies.comparison`).

`kpis(report, inputs)` turns a `corridor.pipeline.RunReport` into a list of `corridor.studies.result.Kpi`,
in groups whose order and names stay stable across runs (the comparison workbook lines them up by
``(group, name)``):

- ``cost``: ``total`` (the objective: expected cost over the disruption scenarios), then every cost line
  of ``report.costs`` in its order (currency);
- ``delivered`` / ``shortfall``: tonnes per market and ``total`` (the plan sheets' scenario), and
  ``shortfall_share`` ``total`` (shortfall / demand);
- ``corridor`` / ``corridor_share``: tonnes per ``"<commodity>: <corridor>"`` over the horizon (the plan
  sheets' scenario, like every tonne figure here: `plan_sheets`) and its
  share of that commodity's route tonnes (every corridor a route of the inputs offers, 0 when unused);
- ``site``: input tonnes processed per site; ``site_open``: ``yes``/``no`` per candidate site;
- ``licence``: periods held per licence and ``"<licence> applications"``;
- ``security``: the system-level rows of the ``security`` sheet (expected shortfall, worst case, CVaR,
  largest dependence, corridor N-1), when the security report ran;
- ``cost_by_year``: with years (contract v2), each year's total cost, nominal and present value.

The ``run`` group (status, gap, solve seconds) is the caller's.  Every value is a plain Python float or
str (picklable, no numpy scalars), or None.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

from corridor.formulation.calendar import Calendar
from corridor.studies.result import Kpi

if TYPE_CHECKING:
    import pandas as pd

    from corridor.io.validate import Inputs
    from corridor.pipeline import RunReport


def horizon_days(inputs: Inputs) -> float:
    """Length of the planning horizon in days: the sum of the ``days`` of the ``periods`` sheet."""
    return Calendar(inputs.tables.get("periods", ()), True).total_days


def kpis(report: RunReport, inputs: Inputs) -> list:
    """The comparison figures (`Kpi` list) of one solved run; an empty list when the run has no plan.

    ``report``: a `corridor.pipeline.RunReport`; ``inputs``: the run's `corridor.io.validate.Inputs` (for
    the currency and the corridors, sites and licences the inputs offer, so unused ones show as 0).
    """
    result = report.result
    if result is None or not getattr(result, "has_plan", False):
        return []
    currency = str(inputs.settings.get("currency") or "USD")
    tables = plan_sheets(report.tables or {})
    out = cost_kpis(result.objective, report.costs, currency)
    out += delivery_kpis(tables.get("deliveries"))
    out += corridor_kpis(tables.get("route_flows"), inputs)
    out += site_kpis(tables.get("processing"), tables.get("decisions"))
    out += licence_kpis(tables.get("licences"))
    out += security_kpis(tables.get("security"), currency)
    out += year_kpis(tables.get("costs_by_year"), currency)
    return out


def year_kpis(by_year: pd.DataFrame | None, currency: str) -> list:
    """``cost_by_year``: the total cost of each calendar year of a multi-year plan (the `costs_by_year` sheet),
    ``"<year> nominal"`` and ``"<year> present value"``, so the comparison's deltas give a yearly price (e.g. of
    independence, against a yearly subsidy figure)."""
    if by_year is None or not len(by_year):
        return []
    tot = by_year[by_year["cost"] == "total"]
    out = []
    for year, nominal, pv in zip(tot["year"], tot["nominal"], tot["present_value"]):
        out += [Kpi("cost_by_year", f"{int(year)} nominal", currency, _number(nominal)),
                Kpi("cost_by_year", f"{int(year)} present value", currency, _number(pv))]
    return out


def plan_sheets(tables: dict) -> dict:
    """``tables`` with every sheet that has a ``scenario`` column (contract v2: the plan sheets of every
    disruption scenario) cut to the plan sheets' own scenario (the summary's ``plan_sheets_scenario``, else the
    first scenario listed), so tonnes are one scenario's and never summed over scenarios."""
    summary = tables.get("summary")
    own = None
    if summary is not None and len(summary):
        hit = summary[summary["item"] == "plan_sheets_scenario"]["value"]
        own = str(hit.iloc[0]) if len(hit) else None
    out = {}
    for name, df in tables.items():
        if df is not None and hasattr(df, "columns") and "scenario" in df.columns and name != "scenarios" and len(df):
            df = df[df["scenario"] == (own if own is not None else df["scenario"].iloc[0])]
        out[name] = df
    return out


def cost_kpis(objective: float | None, costs: dict | None, currency: str) -> list:
    """``cost`` group: ``total`` (the objective) then each cost line of ``costs`` in its order."""
    out = [Kpi("cost", "total", currency, _number(objective))]
    out += [Kpi("cost", str(line), currency, _number(amount)) for line, amount in (costs or {}).items()]
    return out


def delivery_kpis(deliveries: pd.DataFrame | None) -> list:
    """``delivered`` and ``shortfall`` tonnes per market (and ``total``), and ``shortfall_share`` ``total``."""
    if deliveries is None or not len(deliveries):
        return []
    delivered, shortfall, demand = {}, {}, 0.0
    for market, got, short, wanted in zip(deliveries["market"], deliveries["delivered_t"],
                                          deliveries["shortfall_t"], deliveries["demand_t"]):
        market = str(market)
        delivered[market] = delivered.get(market, 0.0) + (_number(got) or 0.0)
        shortfall[market] = shortfall.get(market, 0.0) + (_number(short) or 0.0)
        demand += _number(wanted) or 0.0
    out = [Kpi("delivered", m, "t", v) for m, v in delivered.items()]
    out.append(Kpi("delivered", "total", "t", float(sum(delivered.values()))))
    out += [Kpi("shortfall", m, "t", v) for m, v in shortfall.items()]
    total_short = float(sum(shortfall.values()))
    out.append(Kpi("shortfall", "total", "t", total_short))
    out.append(Kpi("shortfall_share", "total", "share", total_short / demand if demand > 0 else None))
    return out


def corridor_kpis(route_flows: pd.DataFrame | None, inputs: Inputs | None = None) -> list:
    """``corridor`` tonnes and ``corridor_share`` per ``"<commodity>: <corridor>"``.

    The corridors are those of the inputs' routes (per commodity, in sheet order; 0 t when unused) plus
    any other the route flows show.  A share is of its commodity's total route tonnes (None when the
    commodity moved nothing).
    """
    tonnes = {}  # (commodity, corridor) -> t, in first-seen order
    for route in (inputs.tables.get("routes", ()) if inputs is not None else ()):
        if route.get("commodity") is not None and route.get("corridor") is not None:
            tonnes.setdefault((str(route["commodity"]), str(route["corridor"])), 0.0)
    if route_flows is not None and len(route_flows):
        for commodity, corridor, t in zip(route_flows["commodity"], route_flows["corridor"], route_flows["tonnes"]):
            key = (str(commodity), str(corridor))
            tonnes[key] = tonnes.get(key, 0.0) + (_number(t) or 0.0)
    by_commodity = {}
    for (commodity, _corridor), t in tonnes.items():
        by_commodity[commodity] = by_commodity.get(commodity, 0.0) + t
    out = [Kpi("corridor", corridor_name(c, k), "t", float(t)) for (c, k), t in tonnes.items()]
    for (commodity, corridor), t in tonnes.items():
        total = by_commodity[commodity]
        out.append(Kpi("corridor_share", corridor_name(commodity, corridor), "share",
                       float(t / total) if total > 0 else None))
    return out


def corridor_name(commodity: str, corridor: str) -> str:
    """The KPI name of one corridor of one commodity: ``"<commodity>: <corridor>"``."""
    return f"{commodity}: {corridor}"


def site_kpis(processing: pd.DataFrame | None, decisions: pd.DataFrame | None = None) -> list:
    """``site`` input tonnes processed per site (its main process rows: role ``main``), and ``site_open``
    (``yes``/``no``) per candidate site.

    A candidate is open when any of its ``processing`` rows says ``open = yes``; without a processing
    table the ``decisions`` sheet's ``site opened`` / ``site not opened`` rows decide.
    """
    out, opened = [], {}
    if processing is not None and len(processing):
        if "role" in processing.columns:  # contract v2: co-product and reagent rows repeat or add to the input
            processing = processing[processing["role"].astype(str) == "main"]
        processed = {}
        for site, status, is_open, t in zip(processing["site"], processing["status"], processing["open"],
                                            processing["input_t"]):
            site = str(site)
            processed[site] = processed.get(site, 0.0) + (_number(t) or 0.0)
            if str(status) == "candidate":
                opened[site] = opened.get(site, False) or str(is_open).strip().lower() == "yes"
        out += [Kpi("site", s, "t", float(t)) for s, t in processed.items()]
    elif decisions is not None and len(decisions):
        for decision, site in zip(decisions["decision"], decisions["id"]):
            if str(decision) in ("site opened", "site not opened"):
                opened[str(site)] = str(decision) == "site opened"
    out += [Kpi("site_open", s, "yes/no", "yes" if is_open else "no") for s, is_open in opened.items()]
    return out


def licence_kpis(licences: pd.DataFrame | None) -> list:
    """``licence``: periods held per licence, then ``"<licence> applications"`` (applications made)."""
    if licences is None or not len(licences):
        return []
    held, applied = {}, {}
    for licence, n_applied, n_held in zip(licences["licence"], licences["applied"], licences["held"]):
        licence = str(licence)
        held[licence] = held.get(licence, 0.0) + (1.0 if (_number(n_held) or 0.0) > 0 else 0.0)
        applied[licence] = applied.get(licence, 0.0) + (_number(n_applied) or 0.0)
    out = []
    for licence, periods in held.items():
        out.append(Kpi("licence", licence, "periods", periods))
        out.append(Kpi("licence", f"{licence} applications", "applications", applied[licence]))
    return out


def security_kpis(security: pd.DataFrame | None, currency: str = "USD") -> list:
    """``security``: the system-level rows (market ``*``) of the ``security`` sheet, named by their metric
    (a ``currency`` unit becomes the currency); nothing when the security report did not run."""
    if security is None or not len(security):
        return []
    out, seen = [], set()
    for scope, market, metric, value, unit in zip(security["scope"], security["market"], security["metric"],
                                                  security["value"], security["unit"]):
        if str(market) != "*":
            continue
        name = str(metric)
        if name in seen:  # the same metric at two system-level scopes: keep both, readable
            name = f"{scope}: {metric}"
        seen.add(name)
        unit = currency if str(unit) == "currency" else ("" if unit is None else str(unit))
        number = _number(value)
        out.append(Kpi("security", name, unit, number if number is not None else _text(value)))
    return out


def _number(value):
    """A plain Python float from a cell value (numpy scalars included); None for blanks, NaN, infinities
    and text."""
    if value is None or isinstance(value, (str, bytes, bool)):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) or math.isinf(number) else number


def _text(value):
    """A plain str for a non-numeric cell value (None stays None)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value)
