"""The contract v2 rules of strategic planning: years, the horizon they imply, and the `investments` sheet.

- ``periods.year`` is given on every row or on none, and never decreases down the sheet.
- A blank ``settings.horizon`` means cyclic for one year and open for several; ``cyclic`` with several years
  is an error (a cyclic horizon is one representative year that repeats).
- ``investments``: the target exists for its target_type (a leg; a site's process, picked by
  ``input_commodity`` when the site has several; a storage row, by ``commodity`` when the node stores several;
  a supplying node and commodity); a candidate site is not a target (model a plant to be built as a site with
  capacity_t 0 and status existing); ``lead_periods`` is 0 in a cyclic horizon; an ``earliest_period`` from
  which no unit can ever be in service before the end of an open horizon is warned about; the rows of an
  ``exclusive_group`` are alternatives; a leg or storage row with a blank (unlimited) capacity gains nothing
  from investments, which is warned about.
"""
from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from corridor.io.cells import CellChecker

RULES = (
    "periods: the year column is given on every row or on none, and never decreases down the sheet",
    "settings: a blank horizon is cyclic for one year and open for several; horizon = cyclic with several years "
    "is an error",
    "investments: the target exists for its target_type (legs: a leg; sites: a sites row, with input_commodity "
    "when the site has several rows; storage: a storage row, with commodity when the node stores several; supply: "
    "a supplying node and commodity, with commodity when the node supplies several); a candidate site is not a "
    "target; lead_periods is 0 in a cyclic horizon; units on a leg or storage row of unlimited capacity, or that "
    "can never be in service before the end of the horizon, are warned about",
)


def years_and_horizon(chk: CellChecker, tables: dict, settings: dict, setting_rows: dict) -> None:
    """Check the year column and resolve a blank horizon (see the module docstring)."""
    periods = tables.get("periods", [])
    given = [r for r in periods if r.get("year") is not None]
    if given and len(given) < len(periods) and not chk.bad_column("periods", "year"):
        first = next(r for r in periods if r.get("year") is None)
        chk.err("periods", first["_row"], "year", f"is blank, but {len(given)} other rows give a year: give the "
                                                  "year on every row, or on none")
    last = None
    for r in given:
        if last is not None and r["year"] < last[0]:
            chk.err("periods", r["_row"], "year", f"{r['year']} comes after {last[0]} (row {last[1]}): the rows "
                                                  "must be in time order, the year never decreasing")
            break
        last = (r["year"], r["_row"])
    years = sorted({r["year"] for r in given})
    if settings.get("horizon") is None:
        settings["horizon"] = "open" if len(years) > 1 else "cyclic"
    elif settings["horizon"] == "cyclic" and len(years) > 1:
        chk.err("settings", setting_rows.get("horizon"), "value", f"horizon = cyclic with several years "
                f"({years[0]}..{years[-1]}): a cyclic horizon is one representative year that repeats; leave horizon "
                "blank or set it to open")


def investments(chk: CellChecker, tables: dict, settings: dict) -> None:
    """Check the investments sheet's targets and timing (see the module docstring)."""
    rows = tables.get("investments", [])
    if not rows:
        return
    legs = {r["leg"]: r for r in tables.get("legs", []) if r.get("leg")}
    unlimited_stores = {(r.get("node"), r.get("commodity")) for r in tables.get("storage", [])
                        if r.get("node") and r.get("capacity_t") is None}
    processes = defaultdict(dict)  # site -> {input commodity: sites row}
    for r in tables.get("sites", []):
        if r.get("site") and r.get("input_commodity"):
            processes[r["site"]][r["input_commodity"]] = r
    stores = defaultdict(set)
    for r in tables.get("storage", []):
        if r.get("node") and r.get("commodity"):
            stores[r["node"]].add(r["commodity"])
    supplies = defaultdict(set)
    for r in tables.get("supply", []):
        if r.get("node") and r.get("commodity"):
            supplies[r["node"]].add(r["commodity"])
    cyclic = settings.get("horizon") == "cyclic"
    n_periods = len(tables.get("periods", []))
    index = {r["period"]: i for i, r in enumerate(tables.get("periods", [])) if r.get("period")}
    for r in rows:
        row, tt, target = r["_row"], r.get("target_type"), r.get("target")
        if tt is None or target is None:
            continue
        if tt == "leg":
            if target not in legs and not chk.incomplete_sheet("legs"):
                chk.err("investments", row, "target", f"'{target}' is not a leg" + _pool(legs))
            elif target in legs and legs[target].get("capacity_t") is None:
                chk.warn("investments", row, "target", f"leg '{target}' has a blank capacity_t (unlimited, legs row "
                         f"{legs[target]['_row']}): the units add nothing; give the leg its capacity")
        elif tt == "site":
            _site_target(chk, r, processes)
        elif tt == "storage":
            _node_target(chk, r, stores, "storage", "a storage row")
            held = stores.get(target, set())
            c = r.get("commodity") or (next(iter(held)) if len(held) == 1 else None)
            if (target, c) in unlimited_stores:
                chk.warn("investments", row, "target", f"storage at '{target}' has a blank capacity_t (unlimited): "
                         "the units add nothing; give the storage row its capacity")
        elif tt == "supply":
            _node_target(chk, r, supplies, "supply", "a supply row")
        lead = r.get("lead_periods") or 0
        if cyclic and lead > 0:
            chk.err("investments", row, "lead_periods", f"{lead:g} in a cyclic horizon: a unit of a representative "
                                                        "year is available in every period, so the lead must be 0")
        first = index.get(r.get("earliest_period"), 0)
        if not cyclic and n_periods and first + lead >= n_periods:
            when = r.get("earliest_period") or "the first period"
            chk.warn("investments", row, "lead_periods", f"a unit decided in {when} or later is in service only "
                     f"{lead:g} periods later, after the horizon ends: it can never add capacity")


def _site_target(chk, r, processes):
    row, target, c_in = r["_row"], r["target"], r.get("input_commodity")
    if chk.incomplete_sheet("sites"):
        return
    rows = processes.get(target)
    if not rows:
        chk.err("investments", row, "target", f"'{target}' is not a site of the sites sheet" + _pool(processes))
        return
    if c_in is None and len(rows) > 1:
        chk.err("investments", row, "input_commodity", f"site '{target}' has {len(rows)} processes ("
                + ", ".join(sorted(rows)) + "): give the input_commodity of the one the units add capacity to")
        return
    rec = rows.get(c_in) if c_in is not None else next(iter(rows.values()))
    if rec is None:
        chk.err("investments", row, "input_commodity", f"site '{target}' has no process taking '{c_in}'; allowed: "
                + ", ".join(sorted(rows)))
        return
    if rec.get("status") == "candidate":
        chk.err("investments", row, "target", f"site '{target}' is a candidate (opened by the model): it cannot also "
                f"be built by investments; make its sites row (row {rec['_row']}) status existing with capacity_t 0 "
                "and let the investments add its capacity")


def _node_target(chk, r, held, sheet, what):
    row, target, c = r["_row"], r["target"], r.get("commodity")
    if chk.incomplete_sheet(sheet):
        return
    commodities = held.get(target)
    if not commodities:
        chk.err("investments", row, "target", f"'{target}' has no {sheet} row" + _pool(held))
    elif c is None and len(commodities) > 1:
        chk.err("investments", row, "commodity", f"'{target}' has {sheet} rows for " + ", ".join(sorted(commodities))
                + ": give the commodity the units add capacity to")
    elif c is not None and c not in commodities:
        chk.err("investments", row, "commodity", f"'{target}' has no {sheet} row for '{c}'; allowed: "
                + ", ".join(sorted(commodities)))


def _pool(ids) -> str:
    shown = sorted(ids)
    return ("; known: " + ", ".join(shown[:12]) + (f" ... ({len(shown)} in all)" if len(shown) > 12 else "")
            if shown else "")


def target_key(r: dict, tables: dict) -> tuple:
    """The (target_type, key) of a valid investments row: (leg, id), (site, process id), (storage, (node,
    commodity)), (supply, (node, commodity)), with blanks filled from the only row there is."""
    tt, target = r["target_type"], r["target"]
    if tt == "leg":
        return tt, target
    if tt == "site":
        rows = [s for s in tables.get("sites", []) if s["site"] == target]
        if len(rows) == 1:
            return tt, target
        return tt, f"{target}/{r['input_commodity']}"
    sheet = "storage" if tt == "storage" else "supply"
    c = r.get("commodity") or next(s["commodity"] for s in tables.get(sheet, []) if s["node"] == target)
    return tt, (target, c)


__all__ = ["RULES", "investments", "target_key", "years_and_horizon"]
