"""Checker family ``balance`` / ``supply``: what comes into a node equals what leaves it, per commodity.

Supply is not a solution sheet: the tonnes supplied at a node are what its balance needs, and they are
checked against the supply capacity (with seasonal factors) instead.
"""
from __future__ import annotations

from collections import defaultdict

from corridor.check.common import Ctx, fmt, slack
from corridor.check.coproducts import made
from corridor.check.earmarks import Tracking, dead_initial_stock
from corridor.check.invest import added

_IN = ("arrivals", "produced", "co-produced", "stock from the previous period")
_OUT = ("departures", "processed", "consumed as reagent", "delivered", "discarded", "stock kept")


def check_balances(ctx: Ctx) -> None:
    """``balance`` and ``supply``, per (node, commodity, period) [t]:

        arrivals + supplied + produced + stock from the previous period
          = departures + processed + delivered + discarded + stock kept at the end of the period

    arrivals: route_flows rows ending at the node whose arrival (dispatch + transit days on the calendar)
    is the period; produced: yield x input_t of every process of the site at the node (each of its rows, by input
    commodity); processed: the input_t of the process taking the commodity; stock from the previous period: the
    last period's stock in a cyclic horizon, the initial stock (min(initial_t, capacity)) in the first period
    of an open one.  Contract v2: ``produced`` counts the co-products too (site_products yield > 0, x input_t, at
    the site node: "co-produced"), ``processed`` the reagents consumed (|yield| x input_t: "consumed as
    reagent"), and the disposal sheet's tonnes leave the balance ("discarded"; a v1 workbook has no disposal).
    ``supplied`` is what the balance needs: it must be 0 where no supply row exists, >= 0, and <= (capacity_t +
    what the investments in service add) x supply factor (``supply``).
    """
    case, cal = ctx.case, ctx.case.cal
    terms = defaultdict(lambda: defaultdict(float))
    sol = defaultdict(list)
    inp = defaultdict(list)
    for f in ctx.flows:
        c = f.r.commodity
        terms[(f.r.origin, c, f.period)]["departures"] += f.tonnes
        sol[(f.r.origin, c, f.period)].append(("route_flows", f.row))
        if f.arrive is not None:
            terms[(f.r.destination, c, f.arrive)]["arrivals"] += f.tonnes
            sol[(f.r.destination, c, f.arrive)].append(("route_flows", f.row))
    for (s, p), x in ctx.input_t.items():
        site, n = case.procs[s], s[0]
        for c, what, v in ((site["input_commodity"], "processed", x),
                           (site["output_commodity"], "produced", x * site["yield"])):
            terms[(n, c, p)][what] += v
            sol[(n, c, p)].extend(ctx.proc_rows[(s, p)])
            inp[(n, c, p)].append(("sites", site["_row"]))
        for prod, t in made(case, s, x):  # contract v2: co-products made, reagents consumed at the site node
            key = (n, prod.commodity, p)
            terms[key]["co-produced" if t > 0 else "consumed as reagent"] += abs(t)
            sol[key].extend(ctx.proc_rows[(s, p)] + ctx.product_rows.get((s, prod.commodity, p), []))
            inp[key] += [("sites", site["_row"]), ("site_products", prod.row)]
    for key, t in ctx.discarded.items():
        terms[key]["discarded"] += t
        sol[key].extend(ctx.discard_rows[key])
        if key[1] in case.disposal:
            inp[key].append(("commodities", case.disposal[key[1]][1]))
    for (m, c, e, p), x in ctx.delivered.items():
        terms[(m, c, p)]["delivered"] += x
        sol[(m, c, p)].extend(ctx.deliv_rows[(m, c, e, p)])
        inp[(m, c, p)].append(("demand", case.demand[(m, c, e, p)][2]))
    for (n, c, p), t in ctx.stock_total.items():
        terms[(n, c, p)]["stock kept"] += t
        sol[(n, c, p)].extend(ctx.stock_rows[(n, c, p)])
        nxt = _next(cal, p)
        if nxt is not None:
            terms[(n, c, nxt)]["stock from the previous period"] += t
            sol[(n, c, nxt)].extend(ctx.stock_rows[(n, c, p)])
    if not cal.cyclic:
        dead = dead_initial_stock(case, Tracking(case))
        for (n, c), (_cap, _hold, init, row) in case.storage.items():
            if (n, c) in dead:
                ctx.dropped_initial.add((n, c))
                ctx.report.notes.append(f"the initial stock of {c} at {n} ({fmt(init)} t) cannot reach any demand "
                                        "and is left out, as docs/formulation.md documents")
            elif init > 0:
                key = (n, c, cal.periods[0])
                terms[key]["stock from the previous period"] += init
                inp[key].append(("storage", row))
    for key in sorted(terms, key=lambda k: (k[0], k[1], cal.index[k[2]])):
        n, c, p = key
        ctx.count("node balances")
        tm = terms[key]
        inflow = sum(tm[k] for k in _IN)
        outflow = sum(tm[k] for k in _OUT)
        need = outflow - inflow
        tol = slack(inflow, outflow)
        sup = case.supply.get(key)
        more, inv_in, inv_sol, more_text = added(ctx, "supply", (n, c), p) if sup else (0.0, [], [], "")
        cap = sup.cap(more) if sup else 0.0
        refs = inp[key] + (sup.refs if sup else [])
        detail = "; ".join(f"{side}: {', '.join(f'{k} {fmt(tm[k])}' for k in names if tm[k]) or 'nothing'}"
                           for side, names in (("in", _IN), ("out", _OUT)))
        where = f"node {n}, {c}, {p}"
        if need < -tol:
            ctx.unbalanced.add((n, p))
            ctx.add("balance", f"{where}: {fmt(-need)} t come in but {_nowhere(case, c)} ({detail})", -need,
                    inputs=refs, solution=sol[key])
        elif need > tol and sup is None:
            ctx.unbalanced.add((n, p))
            ctx.add("balance", f"{where}: {fmt(need)} t go out that never came in, and no supply row allows "
                    f"supply of {c} at {n} ({detail})", need, inputs=refs, solution=sol[key])
        elif need > cap + slack(need, cap):
            what = (f"capacity_t {fmt(sup.base)} plus {more_text}, x supply factor {fmt(sup.factor)}" if more_text
                    else "capacity_t x supply factor")
            ctx.add("supply", f"{where}: the balance needs {fmt(need)} t of supply, above the supply capacity "
                    f"{fmt(cap)} t ({what}), by {fmt(need - cap)} t ({detail})", need - cap,
                    inputs=refs + inv_in, solution=sol[key] + inv_sol)
        if sup is not None:
            ctx.supply[key] = max(0.0, need)


def _nowhere(case, c):
    """Where the tonnes of c that come in could have gone, for a message (v1: there is no disposal)."""
    if c in case.disposal:
        return "neither leave, nor are processed, consumed, delivered, discarded or kept in stock"
    if case.products or case.disposal:
        return (f"neither leave, nor are processed, consumed, delivered or kept in stock ({c} has no "
                "disposal_cost_per_t: it cannot be discarded)")
    return "neither leave, nor are processed, delivered or kept in stock (there is no disposal)"


def _next(cal, p):
    i = cal.index[p] + 1
    if i < len(cal.periods):
        return cal.periods[i]
    return cal.periods[0] if cal.cyclic else None
