"""The contract v2 rules of the `charges` sheet (tariffs, taxes, fees, subsidies, premiums on tonnes).

- ``target`` is ``*`` or a target of its ``target_type``: a route id, a corridor label of the routes sheet, a
  leg id, a site of the sites sheet, a market (a node that a demand row names).
- ``budget`` only on subsidies and premiums (a cap on the money paid out).
- ``month`` or ``period``, not both (neither: every period).
- ``processing_country`` is ``*`` or a country; a country where no site processes anything is warned about
  (the charge can never apply).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from corridor.io.schema import STAR

if TYPE_CHECKING:
    from corridor.io.cells import CellChecker

RULES = (
    "charges: the target is * or a known target of its target_type (route, corridor label, leg, site, market); a "
    "budget only on subsidies and premiums; give a month or a period, not both; a processing_country where no "
    "site processes anything is warned about",
)
RECEIVED = ("subsidy", "premium")  # kinds that pay money to the plan (negative cost)


def charges(chk: CellChecker, tables: dict) -> None:
    """Check the charges sheet (see the module docstring)."""
    rows = tables.get("charges", [])
    if not rows:
        return
    known = {"route": {r.get("route") for r in tables.get("routes", [])},
             "corridor": {r.get("corridor") for r in tables.get("routes", [])},
             "leg": {r.get("leg") for r in tables.get("legs", [])},
             "site": {r.get("site") for r in tables.get("sites", [])},
             "market": {r.get("market") for r in tables.get("demand", [])}}
    sheets = {"route": "routes", "corridor": "routes", "leg": "legs", "site": "sites", "market": "demand"}
    site_countries = {n.get("country") for n in tables.get("nodes", []) if n.get("kind") == "site"}
    for r in rows:
        tt, t = r.get("target_type"), r.get("target")
        if tt in known and t is not None and t != STAR and t not in known[tt] and sheets[tt] not in chk.incomplete:
            pool = sorted(x for x in known[tt] if x)
            hint = ("; known: " + ", ".join(pool[:12]) + (" ..." if len(pool) > 12 else "")) if pool else ""
            chk.err("charges", r["_row"], "target", f"'{t}' is not a known {tt}{hint} (or * for every {tt})")
        if r.get("budget") is not None and r.get("kind") not in RECEIVED and r.get("kind") is not None:
            chk.err("charges", r["_row"], "budget", f"a budget caps money paid out: only on a subsidy or premium, "
                                                    f"not on a {r['kind']} (leave it blank)")
        if r.get("month") is not None and r.get("period") is not None:
            chk.err("charges", r["_row"], "period", "give a month or a period, not both")
        pc = r.get("processing_country")
        if isinstance(pc, str) and ("|" in pc or "+" in pc):
            chk.err("charges", r["_row"], "processing_country", f"'{pc}' contains '|' or '+', which a country code "
                                                                "may not hold")
        elif pc not in (None, STAR) and pc not in site_countries and "nodes" not in chk.incomplete:
            chk.warn("charges", r["_row"], "processing_country", f"no site is in '{pc}': no tonne is processed there, "
                                                                 "so the charge never applies")
