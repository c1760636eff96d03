"""The contract v2 rules of joint production: the `site_products` sheet and `commodities.disposal_cost_per_t`.

- ``site_products.site`` is a site of the sites sheet; ``input_commodity`` names one of its processes (blank
  when the site has one sites row, which it is then filled with; with several rows it must be given).
- ``commodity`` is neither the process's input nor its main output (that one's yield is the sites row's), and
  appears once per process; ``yield`` is not 0.
- A reagent (yield < 0) must be able to reach the site node: a supply row of it there, a route of it into the
  node, or initial stock there.
- A co-product that can neither be discarded (no ``disposal_cost_per_t``) nor delivered, processed, stored or
  carried anywhere stops its process from running at all: a warning names the rows.
"""
from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from corridor.io.cells import CellChecker

RULES = (
    "site_products: the site has a sites row; input_commodity names one of its processes (blank only when the site "
    "has one sites row); the commodity is neither the process's input nor its output, and is listed once per "
    "process; yield is not 0; a reagent (yield < 0) can reach the site node (a supply row there, a route into it "
    "or initial stock there); a co-product nothing can take or discard is warned about",
)


def site_products(chk: CellChecker, tables: dict) -> None:
    """Check the site_products sheet and fill a blank input_commodity (see the module docstring)."""
    rows = tables.get("site_products", [])
    if not rows or "sites" not in tables:
        return
    procs = defaultdict(dict)  # site -> input commodity -> sites row
    for r in tables["sites"]:
        if r.get("site") is not None and r.get("input_commodity") is not None:
            procs[r["site"]].setdefault(r["input_commodity"], r)
    seen = {}
    for r in rows:
        if _bad(chk, r, "site", "input_commodity", "commodity", "yield"):
            continue
        s, c_in, c = r["site"], r.get("input_commodity"), r["commodity"]
        if s not in procs:
            chk.err("site_products", r["_row"], "site", f"'{s}' has no sites row: a co-product or reagent belongs to "
                    "a process of the sites sheet" + _allowed(sorted(procs)))
            continue
        if c_in is None:
            if len(procs[s]) > 1:
                chk.err("site_products", r["_row"], "input_commodity", f"is blank, but site '{s}' has "
                        f"{len(procs[s])} processes: give which one (allowed: {', '.join(sorted(procs[s]))})")
                continue
            c_in = r["input_commodity"] = next(iter(procs[s]))
        elif c_in not in procs[s]:
            chk.err("site_products", r["_row"], "input_commodity", f"site '{s}' has no process with input "
                    f"'{c_in}' (allowed: {', '.join(sorted(procs[s]))})")
            continue
        site_row = procs[s][c_in]
        if c == c_in:
            chk.err("site_products", r["_row"], "commodity", f"'{c}' is the process's input: a co-product or "
                    "reagent is another commodity")
            continue
        if c == site_row.get("output_commodity"):
            chk.err("site_products", r["_row"], "commodity", f"'{c}' is the process's output already (sites row "
                    f"{site_row['_row']}, yield {site_row.get('yield')}): give its yield there, not here")
            continue
        if r["yield"] == 0:
            chk.err("site_products", r["_row"], "yield", "is 0: a co-product has a yield above 0, a reagent below "
                                                         "0 (allowed: any number but 0)")
            continue
        key = (s, c_in, c)
        if key in seen:
            chk.err("site_products", r["_row"], "commodity", f"'{c}' is already listed for site '{s}', input "
                    f"'{c_in}' in row {seen[key]}")
            continue
        seen[key] = r["_row"]
    _reachable(chk, tables, rows)


def _bad(chk, r, *cols) -> bool:
    if any(r.get(c) is None for c in ("site", "commodity", "yield")):
        return True
    return any(("site_products", r["_row"], c) in chk.bad_cells for c in cols)


def _allowed(ids) -> str:
    shown = ", ".join(ids[:8]) + (" ..." if len(ids) > 8 else "")
    return f" (allowed: {shown})" if ids else " (the sites sheet has no rows)"


def _reachable(chk, tables, rows):
    """Reagents must reach the site node; co-products nothing can take are warned about."""
    if any(s not in tables or s in chk.bad_sheets or s in chk.incomplete
           for s in ("supply", "routes", "demand", "storage", "commodities")):
        return
    brought = defaultdict(set)  # node -> commodities that can be there without processing
    for r in tables["supply"]:
        brought[r["node"]].add(r["commodity"])
    for r in tables["routes"]:
        brought[r["destination"]].add(r["commodity"])
    for r in tables["storage"]:
        if (r.get("initial_t") or 0) > 0:
            brought[r["node"]].add(r["commodity"])
    taken = {r["commodity"] for r in tables["demand"]} | {r["input_commodity"] for r in tables["sites"]}
    taken |= {r["commodity"] for r in tables["storage"]} | {r["commodity"] for r in tables["routes"]}
    taken |= {r["commodity"] for r in rows if r.get("yield") is not None and r["yield"] < 0}
    disposal = {r["commodity"]: r for r in tables["commodities"]}
    for r in rows:
        if r.get("yield") is None or r.get("commodity") is None or ("site_products", r["_row"], "commodity") in \
                chk.bad_cells or ("site_products", r["_row"], "site") in chk.bad_cells:
            continue
        c, s = r["commodity"], r["site"]
        if r["yield"] < 0 and c not in brought[s]:
            chk.err("site_products", r["_row"], "commodity", f"reagent '{c}' cannot reach site '{s}': no supply row "
                    f"of it at '{s}', no route of it into '{s}' and no initial stock of it there (allowed: a "
                    "reagent that a supply row, route or storage row brings to the site node)")
        elif r["yield"] > 0 and c not in taken and disposal.get(c, {}).get("disposal_cost_per_t") is None:
            row = disposal.get(c, {}).get("_row")
            chk.warn("site_products", r["_row"], "commodity", f"co-product '{c}' of site '{s}' can be neither "
                     f"discarded (commodities row {row}: disposal_cost_per_t is blank) nor delivered, processed, "
                     "stored or carried anywhere: the process cannot run")
