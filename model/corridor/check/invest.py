"""Checker family ``investment`` (contract v2): the units a plan builds, when they serve and what they cost.

The input side (`read_investments`) resolves each investments row's target: ``leg`` -> the leg id; ``site`` ->
the process (site, input_commodity; blank: the site's only row); ``storage`` / ``supply`` -> (node,
commodity; blank: the node's only row of that sheet).  The plan side is the solution's ``investments`` sheet:
its ``decided_units`` are the decisions; everything else on it (units in service, capacity added, capex, fixed
cost, discount factor) and the ``payers`` sheet are figures that must follow from them.

A unit decided in period a serves from a + lead_periods to the end of an open horizon; in a cyclic horizon
(lead 0) it serves in every period, and is decided in the first one.  What the units in service add
(`added`) enters the capacity checks of the other families (leg capacity, site, storage, supply), times the
target's capacity factors (seasonality and disruptions; storage has none).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from corridor.check.common import Ctx, fmt, money_slack, slack

if TYPE_CHECKING:
    from corridor.check.case import Calendar

WHOLE = 1e-6  # units: how far from a whole number a decided figure may be
NO_PAYER = "(no payer)"  # the payers sheet's label for investments without a payer
SHOWN = 4  # periods listed in one message
INVESTMENT_COLUMNS = ("decided_units", "in_service_units", "capacity_added_t", "capex", "fixed_cost",
                      "discount_factor")  # the numbers of the solution's investments sheet
PAYER_COLUMNS = ("capex_pv", "fixed_cost_pv", "total_pv", "capex_nominal", "fixed_cost_nominal")


@dataclass
class Investment:
    """One investments row with its target resolved (``key``: leg id, (site, input commodity) or (node,
    commodity)) and the input rows of that target (``target_refs``)."""

    id: str
    kind: str
    key: object
    target: str
    capacity_t: float
    max_units: int
    capex: float
    fixed_per_year: float
    lead: int  # 0 in a cyclic horizon
    earliest: int  # index of the first period a unit may be decided in
    payer: str
    group: str | None
    row: int
    target_refs: list


def read_investments(tables: dict, cal: Calendar) -> dict:
    """Investment id -> `Investment`, from a valid input's investments sheet."""
    out = {}
    for r in tables.get("investments", []):
        kind, target = r["target_type"], r["target"]
        if kind == "leg":
            key, refs = target, [("legs", x["_row"]) for x in tables.get("legs", []) if x["leg"] == target]
        elif kind == "site":
            rows = [x for x in tables.get("sites", []) if x["site"] == target]
            rec = next((x for x in rows if x["input_commodity"] == r.get("input_commodity")), rows[0])
            key, refs = (target, rec["input_commodity"]), [("sites", rec["_row"])]
        else:
            rows = [x for x in tables.get(kind, []) if x["node"] == target]
            c = r.get("commodity") or rows[0]["commodity"]
            key, refs = (target, c), [(kind, x["_row"]) for x in rows if x["commodity"] == c]
        first = r.get("earliest_period")
        out[r["investment"]] = Investment(
            r["investment"], kind, key, target, float(r["capacity_t"]), int(r.get("max_units") or 0),
            float(r.get("capex") or 0.0), float(r.get("fixed_cost_per_year") or 0.0),
            0 if cal.cyclic else int(r.get("lead_periods") or 0), cal.index[first] if first else 0,
            r.get("payer") or "", r.get("exclusive_group"), r["_row"], refs)
    return out


def can_serve(inv: Investment, cal: Calendar) -> bool:
    """Can a unit of ``inv`` ever be in service: a unit to build, capacity to add, and a decision period
    (from earliest_period on) whose unit serves before the end of an open horizon (cyclic: the first period)."""
    if inv.max_units <= 0 or inv.capacity_t <= 0:
        return False
    return inv.earliest == 0 if cal.cyclic else inv.earliest + inv.lead < len(cal.periods)


def serves(inv: Investment, cal: Calendar, a: str, p: str) -> bool:
    """Is a unit of ``inv`` decided in ``a`` in service in ``p``?"""
    return cal.cyclic or cal.index[p] >= cal.index[a] + inv.lead


def added(ctx: Ctx, kind: str, key: object, p: str) -> tuple[float, list, list, str]:
    """(tonnes the units in service in ``p`` add to a target, before its capacity factor; the investments rows
    of the input on the target; their rows of the solution in ``p``; a text for messages).  (0, [], [], "")
    for a target without investments."""
    ids = ctx.case.invested.get((kind, key))
    if not ids:
        return 0.0, [], [], ""
    total, parts, inp, sol = 0.0, [], [], []
    for i in ids:
        inv = ctx.case.investments[i]
        now = ctx.serving.get((i, p), 0.0)
        total += now * inv.capacity_t
        parts.append(f"{i}: {fmt(now)} unit{'' if now == 1 else 's'} of {fmt(inv.capacity_t)} t")
        inp.append(("investments", inv.row))
        if (i, p) in ctx.inv_rows:
            sol.append(("investments", ctx.inv_rows[(i, p)]))
    return total, inp, sol, f"{fmt(total)} t from the investments in service in {p} ({'; '.join(parts)})"


def _units(u):
    return f"{fmt(u)} unit{'' if u == 1 else 's'}"


def _listed(items):
    return "; ".join(items[:SHOWN]) + (f" ... ({len(items)} periods)" if len(items) > SHOWN else "")


def check_investments(ctx: Ctx) -> None:
    """``investment``, per investments row of the input (nothing to check without one):

    - the solution's investments sheet names known investments and periods, once each, with the input's
      target (``plan``); ``decided_units`` are whole numbers >= 0;
    - at most ``max_units`` decided over the horizon; none before ``earliest_period``; in a cyclic horizon only
      in the first period (a unit serves in every period);
    - rows sharing an ``exclusive_group``: units are decided for at most one of them;
    - per period, ``in_service_units`` = the units decided in a with a + lead_periods <= p (cyclic: every unit
      decided), ``capacity_added_t`` = units in service x capacity_t, ``capex`` = decided_units x capex and
      ``fixed_cost`` = units in service x fixed_cost_per_year x days / 365 (nominal money), ``discount_factor``
      = 1 / (1 + discount_rate)^(year - first year);
    - the ``payers`` sheet: per payer, the present values (money x discount factor) and nominal sums of capex
      and fixed cost of its investments.
    """
    case, cal = ctx.case, ctx.case.cal
    if not case.investments:
        return
    rows = {}
    for rec in ctx.plan.sheets.get("investments", []):
        i, p, sol = rec.get("investment"), rec.get("period"), [("investments", rec["_row"])]
        inv = case.investments.get(i)
        if inv is None or p not in cal.index:
            if rec.get("decided_units") or rec.get("in_service_units"):
                ctx.add("plan", f"investments: '{i}' in '{p}' is not an investment and period of the input",
                        solution=sol)
            continue
        if (i, p) in rows:
            ctx.add("plan", f"investments: a second row for {i} in {p} (the first is row {rows[(i, p)]['_row']}); "
                    "it is left out", inputs=[("investments", inv.row)], solution=sol)
            continue
        rows[(i, p)] = rec
        ctx.inv_rows[(i, p)] = rec["_row"]
        _same_target(ctx, inv, rec)
        x = rec.get("decided_units", 0.0)
        if x < -WHOLE or abs(x - round(x)) > WHOLE:
            ctx.add("investment", f"investment {i} in {p}: decided_units {fmt(x)} is not a whole number of units "
                    "(0, 1, 2 ...)", abs(x - max(0, round(x))), inputs=[("investments", inv.row)], solution=sol)
        if x > WHOLE:
            ctx.decided[(i, p)] = x
    for i, inv in case.investments.items():
        ctx.count("investments")
        _decisions(ctx, inv)
        _reported(ctx, inv, rows)
    _exclusive(ctx)
    _payers(ctx)


def _same_target(ctx, inv, rec):
    want = {"target_type": inv.kind, "target": inv.target}
    if inv.kind in ("storage", "supply"):
        want["commodity"] = inv.key[1]
    elif inv.kind == "site":
        want["input_commodity"] = inv.key[1]
    for col, v in want.items():
        got = rec.get(col)
        if got is not None and got != v:
            ctx.add("plan", f"investments: the row of {inv.id} in {rec.get('period')} says {col} '{got}', but the "
                    f"investment's {col} is '{v}'", inputs=[("investments", inv.row)],
                    solution=[("investments", rec["_row"])])


def _decisions(ctx, inv):
    cal, i = ctx.case.cal, inv.id
    when = [(p, ctx.decided[(i, p)]) for p in cal.periods if (i, p) in ctx.decided]
    inp = [("investments", inv.row)]
    total = sum(u for _p, u in when)
    if total > inv.max_units + WHOLE:
        ctx.add("investment", f"investment {i}: {fmt(total)} units decided over the horizon ("
                + ", ".join(f"{fmt(u)} in {p}" for p, u in when) + f"), above its max_units {inv.max_units}, by "
                f"{fmt(total - inv.max_units)}", total - inv.max_units, inputs=inp,
                solution=[("investments", ctx.inv_rows[(i, p)]) for p, _u in when])
    for p, u in when:
        sol = [("investments", ctx.inv_rows[(i, p)])]
        if cal.index[p] < inv.earliest:
            ctx.add("investment", f"investment {i}: {_units(u)} decided in {p}, before its earliest_period "
                    f"{cal.periods[inv.earliest]} (no unit may be decided earlier)", u, inputs=inp, solution=sol)
        elif cal.cyclic and cal.index[p] > 0:
            ctx.add("investment", f"investment {i}: {_units(u)} decided in {p}; in a cyclic horizon a unit is in "
                    f"service in every period, so it is decided in the first period, {cal.periods[0]}", u,
                    inputs=inp, solution=sol)
    for p in cal.periods:
        ctx.serving[(i, p)] = sum(u for a, u in when if serves(inv, cal, a, p))


def _reported(ctx, inv, rows):
    """The figures of the investment's rows against the decisions: one violation per column, listing periods."""
    cal, i = ctx.case.cal, inv.id
    wrong, missing = defaultdict(list), []
    for p in cal.periods:
        now = ctx.serving[(i, p)]
        rec = rows.get((i, p))
        if rec is None:
            if now > 0:
                missing.append(p)
            continue
        money = {"capex": rec.get("decided_units", 0.0) * inv.capex,
                 "fixed_cost": now * inv.fixed_per_year * cal.days[p] / 365.0}
        units = {"in_service_units": now, "capacity_added_t": now * inv.capacity_t}
        for col, v in list(units.items()) + list(money.items()) + [("discount_factor", cal.disc[p])]:
            if col not in rec:
                continue
            got = rec[col]
            tol = (money_slack(got, v) if col in money else 1e-9 if col == "discount_factor" else slack(got, v))
            if abs(got - v) > tol:
                wrong[col].append((p, got, v, rec["_row"]))
    inp = [("investments", inv.row)]
    if missing:
        ctx.add("plan", f"investments: no row for {i} in {_listed(missing)}, where units are in service",
                inputs=inp)
    decided = ", ".join(f"{fmt(ctx.decided[(i, p)])} in {p}" for p in cal.periods if (i, p) in ctx.decided)
    serve = ("in a cyclic horizon a unit serves in every period" if cal.cyclic else
             f"a unit decided in period a serves from a + lead_periods {inv.lead} to the end of the horizon")
    why = {"in_service_units": f"do not follow from the units decided ({decided or 'none'}; {serve})",
           "capacity_added_t": f"is not the units in service x capacity_t {fmt(inv.capacity_t)}",
           "capex": f"is not decided_units x capex {fmt(inv.capex)} (nominal, in the decision period)",
           "fixed_cost": f"is not the units in service x fixed_cost_per_year {fmt(inv.fixed_per_year)} x days / "
                         "365 (nominal)",
           "discount_factor": f"is not 1 / (1 + discount_rate {fmt(ctx.case.settings.get('discount_rate') or 0)})"
                              f"^(year - {cal.years[0] if cal.years else 'first year'})"}
    for col, items in wrong.items():
        told = "the decisions give" if col == "in_service_units" else "it is"
        ctx.add("investment", f"investment {i}: {col} {why[col]}: "
                + _listed([f"{p} says {fmt(got)}, {told} {fmt(v)}" for p, got, v, _r in items]),
                max(abs(got - v) for _p, got, v, _r in items), inputs=inp,
                solution=[("investments", r) for _p, _g, _v, r in items])


def _exclusive(ctx):
    case, cal = ctx.case, ctx.case.cal
    groups = defaultdict(list)
    for i, inv in case.investments.items():
        if inv.group:
            groups[inv.group].append(i)
    for g, members in groups.items():
        built = [(i, [p for p in cal.periods if (i, p) in ctx.decided]) for i in members]
        built = [(i, ps) for i, ps in built if ps]
        if len(built) > 1:
            ctx.add("investment", f"exclusive_group {g}: units are decided for {len(built)} of its alternatives ("
                    + "; ".join(f"{i} in {', '.join(ps)}" for i, ps in built) + "); at most one of them is ever "
                    "built", len(built) - 1, inputs=[("investments", case.investments[i].row) for i, _ps in built],
                    solution=[("investments", ctx.inv_rows[(i, p)]) for i, ps in built for p in ps])


def money_of(ctx: Ctx) -> dict:
    """Payer -> [capex present value, fixed cost present value, capex nominal, fixed cost nominal] of the plan's
    decisions (every payer of the investments sheet, ``(no payer)`` for a blank one)."""
    case, cal = ctx.case, ctx.case.cal
    out = {inv.payer or NO_PAYER: [0.0, 0.0, 0.0, 0.0] for inv in case.investments.values()}
    for i, inv in case.investments.items():
        acc = out[inv.payer or NO_PAYER]
        for p in cal.periods:
            capex = ctx.decided.get((i, p), 0.0) * inv.capex
            fixed = ctx.serving.get((i, p), 0.0) * inv.fixed_per_year * cal.days[p] / 365.0
            acc[0] += capex * cal.disc[p]
            acc[1] += fixed * cal.disc[p]
            acc[2] += capex
            acc[3] += fixed
    return out


def _payers(ctx):
    sheet = ctx.plan.sheets.get("payers")
    if sheet is None:
        ctx.report.notes.append("the solution has no payers sheet: the totals per payer were not compared")
        return
    want = money_of(ctx)
    reported = {}
    for rec in sheet:
        reported.setdefault(rec.get("payer") or NO_PAYER, rec)
    by_payer = defaultdict(list)
    for inv in ctx.case.investments.values():
        by_payer[inv.payer or NO_PAYER].append(("investments", inv.row))
    for payer, (cpv, fpv, cn, fn) in want.items():
        rec = reported.get(payer)
        if rec is None:
            if max(cpv, fpv, cn, fn) > 1e-2:
                ctx.add("investment", f"payers: no row for payer {payer}, whose investments cost {fmt(cpv + fpv)} "
                        "(present value)", cpv + fpv, inputs=by_payer[payer])
            continue
        cols = (("capex_pv", cpv), ("fixed_cost_pv", fpv), ("total_pv", cpv + fpv), ("capex_nominal", cn),
                ("fixed_cost_nominal", fn))
        off = [(col, rec[col], v) for col, v in cols if col in rec and abs(rec[col] - v) > money_slack(rec[col], v)]
        if off:
            ctx.add("investment", f"payers: payer {payer}: " + "; ".join(
                f"{col} says {fmt(got)} but the investments give {fmt(v)}" for col, got, v in off),
                max(abs(got - v) for _c, got, v in off), inputs=by_payer[payer], solution=[("payers", rec["_row"])])
    for payer, rec in reported.items():
        if payer not in want and any(abs(rec.get(col) or 0.0) > 1e-2 for col in PAYER_COLUMNS):
            ctx.add("investment", f"payers: '{payer}' is not a payer of the input's investments",
                    solution=[("payers", rec["_row"])])


__all__ = ["INVESTMENT_COLUMNS", "NO_PAYER", "PAYER_COLUMNS", "Investment", "added", "can_serve", "check_investments",
           "money_of", "read_investments", "serves"]
