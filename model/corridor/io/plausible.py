"""Rules that catch model nonsense every cell of which is fine on its own: periods out of time order, licence
windows longer than the horizon, names that differ only in case, and rows the model can never use.

Called by `cross_sheet.check_semantics` after the contract's own rules; each rule looks only at rows whose
cells are readable (a reported mistake is not reported again through its consequences).
"""
from __future__ import annotations

import re
from collections import defaultdict
from typing import TYPE_CHECKING

from corridor.io.schema import SHEETS

if TYPE_CHECKING:
    from corridor.io.cells import CellChecker

_YYYY_MM = re.compile(r"^\d{4}-(\d{2})$")

RULES = (  # as listed in docs/inputs.md (after the contract's rules of cross_sheet.py)
    "every required sheet holds at least one row; a first row of units under the header is refused",
    "ids, references, labels and choices hold no invisible character (zero-width space, byte-order mark, no-break "
    "space, soft hyphen, tab, line break); * only in the columns that take it",
    "hidden rows, columns and sheets are read and solved like visible ones (a warning); a title row above the "
    "header is skipped (a warning)",
    "ids of one sheet differ in more than case (P1 and p1 are one period to a planner, two to the model); a "
    "country is written the same way everywhere (KZ, not kz on one row)",
    "licences: a validity_periods longer than the horizon is read as the horizon (a warning); a lead_periods at "
    "or past the end of an open horizon is a warning (no licence of the rule can ever be held)",
    "warnings for rows that can never be used: a site that no route or supply feeds, a storage row for a "
    "commodity that never reaches its node, a demand row that no route, supply or site can serve, demand at "
    "a node that is not a market, initial_t in a cyclic horizon",
)


def time_order(chk: CellChecker, rows: list) -> None:
    """The sheet order is the time order: period ids of the form YYYY-MM must rise down the sheet, and the
    months may go back (a new year) at most once per 365 days of the horizon, plus once (a year that starts
    in July wraps once in 365 days).  Rows sorted by name (Apr, Aug, Dec, Feb ...) break both."""
    if not rows or "periods" in chk.bad_sheets:
        return
    ids = [r["period"] for r in rows]
    if all(_YYYY_MM.match(p) for p in ids):
        for prev, r in zip(rows, rows[1:]):
            if r["period"] < prev["period"]:
                chk.err("periods", r["_row"], "period", f"'{r['period']}' comes after '{prev['period']}' (row "
                        f"{prev['_row']}): the rows must be in time order (the sheet order is the time order); sort "
                        "the sheet by period")
                return
    months = [r["month"] for r in rows]
    days = sum(30.0 if r.get("days") is None else r["days"] for r in rows)
    back = [k for k in range(1, len(months)) if months[k] < months[k - 1]]
    allowed = int(days / 365 + 1)
    if len(back) > allowed:
        shown = ", ".join(map(str, months[:13])) + (", ..." if len(months) > 13 else "")
        chk.err("periods", rows[back[0]]["_row"], "month", f"the rows must be in time order (the sheet order is the "
                f"time order), but the months run {shown}: they go back {len(back)} times in {days:g} days (at "
                f"most {allowed} allowed); sort the rows by date, not by name")


def licence_windows(chk: CellChecker, tables: dict, settings: dict) -> None:
    """A validity longer than the horizon covers the whole horizon (read as its length); a lead at or past the
    end of an open horizon means no licence of the rule can ever cover a period."""
    n = len(tables.get("periods", []))
    if not n or "periods" in chk.bad_sheets:
        return
    for r in tables.get("licences", []):
        v, lead = r.get("validity_periods"), r.get("lead_periods")
        if v is not None and v > n:
            chk.warn("licences", r["_row"], "validity_periods", f"{v:g} is longer than the {n} periods of the "
                     f"horizon: read as {n}")
            r["validity_periods"] = n
        if lead is not None and lead >= n and settings.get("horizon") == "open" and r.get("rule") == "required":
            chk.warn("licences", r["_row"], "lead_periods", f"{lead:g} periods of lead in an open horizon of {n} "
                     "periods: a licence applied for in any period would start after the end, so it can never "
                     "cover a period and the flows it gates cannot run")


# -- names that differ only in case ------------------------------------------------------------------------


def case_only_differences(chk: CellChecker, tables: dict) -> None:
    """Ids of one sheet that differ only in case, and countries written in two cases: to a planner one thing,
    to the model two (a licence on 'kz' never matches the nodes of 'KZ')."""
    for sheet in (s for s in SHEETS if s.id_column):
        first = {}
        for r in tables.get(sheet.name, []):
            v = r.get(sheet.id_column)
            if not isinstance(v, str):
                continue
            seen = first.setdefault(v.lower(), (v, r["_row"]))
            if seen[0] != v:
                chk.err(sheet.name, r["_row"], sheet.id_column, f"'{v}' differs from '{seen[0]}' (row {seen[1]}) only "
                        f"in case: ids are compared exactly, so to the model these are two different "
                        f"{sheet.name}; write them the same way or give them different ids")
    _countries(chk, tables)


def _countries(chk, tables):
    canon = {}  # lower case -> (spelling, sheet, row) of the first node or leg that names it
    for sheet in ("nodes", "legs"):
        for r in tables.get(sheet, []):
            c = r.get("country")
            if isinstance(c, str):
                canon.setdefault(c.lower(), (c, sheet, r["_row"]))
    places = [("nodes", "country"), ("legs", "country"), ("sites", "tech_origin"), ("licences", "country"),
              ("licences", "destination_country")]
    for sheet, col in places:
        for r in tables.get(sheet, []):
            values = r.get(col)
            for c in (values if isinstance(values, tuple) else (values,)):
                if not isinstance(c, str) or (sheet, r["_row"], col) in chk.bad_cells:
                    continue
                first = canon.get(c.lower())
                if first and first[0] != c:
                    chk.err(sheet, r["_row"], col, f"'{c}' differs from the country '{first[0]}' ({first[1]} row "
                            f"{first[2]}) only in case: to the model it is another country; write '{first[0]}'")
                    break


# -- rows the model can never use -------------------------------------------------------------------------


def unusable_rows(chk: CellChecker, tables: dict, settings: dict) -> None:
    """Warnings for rows that every cell of is fine but the model can never use (see `RULES`).  Judged only when
    the sheets they depend on are free of errors."""
    sheets = ("nodes", "supply", "sites", "routes", "storage", "demand")
    if any(s not in tables or s in chk.bad_sheets or s in chk.incomplete for s in sheets):
        return
    kind = {r["node"]: r["kind"] for r in tables["nodes"]}
    made = defaultdict(set)  # node -> commodities that appear there: supplied, produced or brought by a route
    for r in tables["supply"]:
        made[r["node"]].add(r["commodity"])
    for r in tables["sites"]:
        made[r["site"]].add(r["output_commodity"])
    for r in tables["routes"]:
        made[r["destination"]].add(r["commodity"])
    cyclic = settings.get("horizon") == "cyclic"
    for r in tables["storage"]:
        if (r.get("initial_t") or 0) > 0 and not cyclic:
            made[r["node"]].add(r["commodity"])  # stock at the start
    for r in tables["storage"]:
        if r["commodity"] not in made[r["node"]]:
            chk.warn("storage", r["_row"], "commodity", f"no route brings '{r['commodity']}' to '{r['node']}' and "
                     "no supply or site makes it there: this storage row can never hold anything")
        if cyclic and (r.get("initial_t") or 0) > 0:
            chk.warn("storage", r["_row"], "initial_t", "is ignored: the horizon is cyclic (the stock at the end "
                     "is the stock at the start); set horizon = open in settings to start from this stock")
    for r in tables["sites"]:
        if r["input_commodity"] not in made[r["site"]]:
            chk.warn("sites", r["_row"], "input_commodity", f"no route brings '{r['input_commodity']}' to "
                     f"'{r['site']}' and no supply is there: the site can never process anything")
    for r in tables["demand"]:
        m = r["market"]
        if kind.get(m) not in (None, "market"):
            chk.warn("demand", r["_row"], "market", f"node '{m}' is of kind '{kind[m]}', not 'market'; its demand is "
                     "planned like a market's (is it the right node?)")
        elif r["commodity"] not in made[m] and (r.get("quantity_t") or 0) > 0:
            chk.warn("demand", r["_row"], "commodity", f"no route brings '{r['commodity']}' to '{m}' and no supply "
                     "or site makes it there: this demand can only be short")

