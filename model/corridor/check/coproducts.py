"""Checker family ``co-product`` and ``disposal`` (contract v2): what a process makes besides its output, the
reagents it consumes, and the tonnes a plan discards.

The input side: `read_products` gives each process (site, input commodity) its ``site_products`` rows (a
co-product when the yield is > 0, a reagent when it is < 0; a blank input_commodity names the site's only
process); `read_disposal` the commodities that may be discarded (``commodities.disposal_cost_per_t`` given, 0
allowed; blank: the commodity cannot be discarded).

The plan side: every tonne of input a process handles (the ``input_t`` of its main row of the processing sheet)
makes ``yield`` t of each co-product and consumes ``|yield|`` t of each reagent, at the site node in the same
period; the processing sheet's co-product and reagent rows (``role``) only report those figures.  The
``disposal`` sheet holds the plan's discards (node, commodity, period, discarded_t); its cost_per_t and cost
are figures that follow.  The balance family puts co-products, reagents and discards in the node balances,
the provenance family gives co-products the main output's provenance, and the cost family counts the
``disposal`` line (discarded_t x disposal_cost_per_t x d(p)).
"""
from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, NamedTuple

from corridor.check.common import Ctx, fmt, money_slack, slack

if TYPE_CHECKING:
    from corridor.check.case import Case

MAIN, CO_PRODUCT, REAGENT = "main", "co-product", "reagent"
ROLES = (MAIN, CO_PRODUCT, REAGENT)
DISPOSAL_COLUMNS = ("discarded_t", "cost_per_t", "cost")  # the numbers of the solution's disposal sheet


class Product(NamedTuple):
    """A site_products row of a process: the commodity, its yield per tonne of input (> 0 made, < 0 consumed)
    and its Excel row."""

    commodity: str
    yield_: float
    row: int

    @property
    def role(self) -> str:
        """``co-product`` or ``reagent``."""
        return CO_PRODUCT if self.yield_ > 0 else REAGENT


def read_products(tables: dict, procs: dict) -> dict:
    """Process (site, input commodity) -> its `Product` rows, from a valid input's site_products sheet."""
    by_site = defaultdict(list)
    for key in procs:
        by_site[key[0]].append(key)
    out = {}
    for r in tables.get("site_products", []):
        keys, c_in = by_site.get(r["site"], []), r.get("input_commodity")
        key = (r["site"], c_in) if c_in is not None else (keys[0] if len(keys) == 1 else None)
        if key in procs and r.get("yield"):
            out.setdefault(key, []).append(Product(r["commodity"], float(r["yield"]), r["_row"]))
    return out


def read_disposal(tables: dict) -> dict:
    """Commodity -> (disposal_cost_per_t, commodities row) of the commodities that may be discarded."""
    return {r["commodity"]: (float(r["disposal_cost_per_t"]), r["_row"]) for r in tables.get("commodities", [])
            if r.get("disposal_cost_per_t") is not None}


def row_role(case: Case, key: tuple, rec: dict) -> str:
    """The role of a processing row of process ``key``: its ``role`` column, else read from the commodity it
    names (the process's output: ``main``; a site_products commodity: that product's role)."""
    role = rec.get("role")
    if role is not None:
        return role.strip().lower()
    oc = rec.get("output_commodity")
    if oc is None or oc == case.procs[key]["output_commodity"]:
        return MAIN
    found = [x for x in case.products.get(key, ()) if x.commodity == oc]
    return found[0].role if found else MAIN


def made(case: Case, key: tuple, x: float) -> list:
    """(product, tonnes) for ``x`` t of input processed by ``key``: > 0 made, < 0 consumed."""
    return [(prod, prod.yield_ * x) for prod in case.products.get(key, ())]


def check_coproducts(ctx: Ctx) -> None:
    """``plan`` and ``disposal``:

    - every co-product and reagent row of the processing sheet names a site_products commodity of its process
      with that role (co-product: yield > 0, reagent: yield < 0), once per process and period; its output_t is
      yield x the input_t of the process in the period (a reagent's is negative: minus the tonnes consumed); its
      input_t and cost are blank (the main row carries them); a process that processes has a row for each of its
      co-products and reagents (``plan``);
    - the disposal sheet names nodes, commodities and periods of the input (``plan``); discarded_t >= 0, and only
      commodities with a disposal_cost_per_t are discarded; its cost_per_t is the commodity's and cost =
      discarded_t x cost_per_t (nominal money) (``disposal``).
    The tonnes discarded enter the node balances (`balance`).
    """
    case = ctx.case
    if case.products:
        _processing_rows(ctx)
    _disposal_rows(ctx)


def _processing_rows(ctx):
    case, seen = ctx.case, {}
    for key, p, rec in ctx.product_recs:
        sol, name, role = [("processing", rec["_row"])], case.label(key), row_role(case, key, rec)
        site_ref = [("sites", case.procs[key]["_row"])]
        c = rec.get("output_commodity")
        if role not in ROLES:
            ctx.add("plan", f"processing: role '{rec.get('role')}' of site {name} in {p} is not main, co-product or "
                    "reagent", solution=sol)
            continue
        prod = next((x for x in case.products.get(key, ()) if x.commodity == c), None)
        if prod is None or prod.role != role:
            has = ", ".join(f"{x.commodity} ({x.role})" for x in case.products.get(key, ())) or "none"
            ctx.add("plan", f"processing: site {name} in {p}: the row says {role} '{c}', which is not a {role} of "
                    f"the process in site_products (its co-products and reagents: {has})",
                    inputs=site_ref + [("site_products", x.row) for x in case.products.get(key, ())], solution=sol)
            continue
        inp = site_ref + [("site_products", prod.row)]
        if (key, c, p) in seen:
            ctx.add("plan", f"processing: a second {role} row for {c} of site {name} in {p} (the first is row "
                    f"{seen[(key, c, p)]}); it is left out", inputs=inp, solution=sol)
            continue
        seen[(key, c, p)] = rec["_row"]
        ctx.product_rows[(key, c, p)].append(("processing", rec["_row"]))
        x = ctx.input_t.get((key, p), 0.0)
        want = prod.yield_ * x
        got = rec.get("output_t", 0.0)
        main = ctx.proc_rows.get((key, p), [])
        if abs(got - want) > slack(got, want):
            what = " (minus the tonnes consumed)" if role == REAGENT else " (tonnes made)"
            ctx.add("plan", f"site {name} in {p}: {role} {c} output_t {fmt(got)} is not yield {fmt(prod.yield_)} x "
                    f"input_t {fmt(x)} = {fmt(want)}{what}", abs(got - want), inputs=inp, solution=sol + main)
        extra = [col for col in ("input_t", "cost") if _number(rec.get(col))]
        if extra:
            ctx.add("plan", f"site {name} in {p}: the {role} row of {c} gives {' and '.join(extra)}, which are blank "
                    "on co-product and reagent rows (the main row carries them, so that the sheet's sums stay right)",
                    inputs=inp, solution=sol)
    for (key, p), x in ctx.input_t.items():
        if abs(x) <= slack(x):
            continue
        for prod, t in made(case, key, x):
            if (key, prod.commodity, p) not in seen:
                ctx.add("plan", f"processing: no {prod.role} row for {prod.commodity} of site {case.label(key)} in "
                        f"{p}, where the process {'makes' if t > 0 else 'consumes'} {fmt(abs(t))} t of it (yield "
                        f"{fmt(prod.yield_)} x input_t {fmt(x)})", inputs=[("site_products", prod.row)],
                        solution=ctx.proc_rows.get((key, p), []))


def _number(v):
    if v is None:
        return 0.0
    try:
        return float(v)
    except (TypeError, ValueError):
        return 1.0  # text where a blank belongs: report it


def _disposal_rows(ctx):
    case = ctx.case
    for rec in ctx.plan.sheets.get("disposal", []):
        n, c, p, sol = rec.get("node"), rec.get("commodity"), rec.get("period"), [("disposal", rec["_row"])]
        x = rec.get("discarded_t", 0.0)
        known = {r["commodity"] for r in case.inputs.tables["commodities"]}
        if n not in case.country or c not in known or p not in case.cal.index:
            if x:
                ctx.add("plan", f"disposal: node '{n}', commodity '{c}' or period '{p}' is not in the input",
                        solution=sol)
            continue
        ctx.count("disposal rows")
        where = f"disposal: node {n}, {c}, {p}"
        if x < -slack(x):
            ctx.add("disposal", f"{where}: negative discarded_t {fmt(x)}", -x, solution=sol)
            continue
        ctx.discarded[(n, c, p)] += x
        ctx.discard_rows[(n, c, p)].append(("disposal", rec["_row"]))
        com = next(r for r in case.inputs.tables["commodities"] if r["commodity"] == c)
        if c not in case.disposal:
            if x > slack(x):
                ctx.add("disposal", f"{where}: {fmt(x)} t discarded, but {c} has no disposal_cost_per_t (blank: it "
                        "cannot be discarded: every tonne must be processed, consumed, stored, delivered or shipped "
                        "on)", x, inputs=[("commodities", com["_row"])], solution=sol)
            continue
        cost, row = case.disposal[c]
        inp = [("commodities", row)]
        if "cost_per_t" in rec and abs(rec["cost_per_t"] - cost) > 1e-9 * max(1.0, abs(cost)):
            ctx.add("disposal", f"{where}: cost_per_t says {fmt(rec['cost_per_t'])} but the disposal_cost_per_t of "
                    f"{c} is {fmt(cost)}", abs(rec["cost_per_t"] - cost), inputs=inp, solution=sol)
        if "cost" in rec and abs(rec["cost"] - x * cost) > money_slack(rec["cost"], x * cost) + cost * 1e-4:
            ctx.add("disposal", f"{where}: cost says {fmt(rec['cost'])} but it is discarded_t {fmt(x)} x "
                    f"disposal_cost_per_t {fmt(cost)} = {fmt(x * cost)} (nominal)", abs(rec["cost"] - x * cost),
                    inputs=inp, solution=sol)


def disposal_cost(ctx: Ctx) -> float:
    """The ``disposal`` cost line: sum discarded_t x disposal_cost_per_t x d(p) over the commodities that may be
    discarded (a discard of another commodity is a violation and costs nothing here)."""
    case = ctx.case
    return sum(t * case.disposal[c][0] * case.cal.disc[p] for (_n, c, p), t in ctx.discarded.items()
               if c in case.disposal)


__all__ = ["CO_PRODUCT", "DISPOSAL_COLUMNS", "MAIN", "REAGENT", "Product", "check_coproducts", "disposal_cost",
           "made", "read_disposal", "read_products", "row_role"]
