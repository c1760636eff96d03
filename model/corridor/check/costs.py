"""Checker family ``cost``: every cost line recomputed from the plan and the input, and compared with the
solution (money over the horizon, in the workbook's currency).

With years (contract v2) every line is a present value at the first year: each period's money times d(p) =
1 / (1 + discount_rate)^(year(p) - first year); the plan sheets show nominal money per row.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

from corridor.check.common import Ctx, fmt, money_slack
from corridor.check.coproducts import disposal_cost
from corridor.check.economics import KINDS, charge_kinds, revenue
from corridor.check.invest import money_of

if TYPE_CHECKING:
    from corridor.check.case import Case

LINES = ("supply", "processing", "freight", "handling", "route_fixed", "site_fixed", "licence", "holding",
         "shortfall_penalty")
INVESTMENT_LINES = ("capex", "investment_fixed")  # only when the input has investments
DISPOSAL_LINES = ("disposal",)  # only when a commodity has a disposal_cost_per_t (contract v2)
FIRST_STAGE = ("route_fixed", "site_fixed", "licence") + INVESTMENT_LINES


def lines_of(case: Case) -> tuple:
    """The cost lines the solution has for this input: `LINES`, ``revenue`` under max_margin, `DISPOSAL_LINES` when
    a commodity may be discarded, one line per kind of charge (contract v2), `INVESTMENT_LINES` with investments."""
    return (LINES + (("revenue",) if case.margin else ()) + (DISPOSAL_LINES if case.disposal else ())
            + charge_kinds(case.charges) + (INVESTMENT_LINES if case.investments else ()))


V2_LINES = ("revenue",) + DISPOSAL_LINES + KINDS  # the lines whose summary item cost_<line> is compared too


def recompute(ctx: Ctx) -> dict:
    """The cost lines of the plan sheets' scenario, each period's money times its discount factor d(p):

    supply = sum supplied (derived from the balances) x cost_per_t x supply cost factor x d(p);
    processing = sum input_t x cost_per_t x site cost factor x d(p);
    freight / handling = sum tonnes x (sum over the route's legs of cost_per_t / handling_cost_per_t x the
    leg's cost factor in the period it is used) x route and corridor cost factors in the dispatch period p x d(p);
    route_fixed = fixed_cost of every route used (route_flows) or contracted (decisions sheet), undiscounted;
    site_fixed = fixed_cost of every candidate process opened, undiscounted ("once over the horizon");
    licence = application_cost x applications x d(application period);
    holding = sum end-of-period stock x holding_cost_per_t (per period) x d(p);
    shortfall_penalty = sum (quantity_t - delivered) x penalty (the row's, else the settings') x d(p);
    with investments: capex = sum units decided x capex x d(decision period); investment_fixed = sum units in
    service x fixed_cost_per_year x days(p) / 365 x d(p); when a commodity may be discarded: disposal = sum
    discarded_t (disposal sheet) x disposal_cost_per_t x d(p).  Contract v2: under max_margin revenue = - sum
    delivered x price_per_t x d(p); per kind of charge, the money of its charges (`economics.check_charges`).
    """
    case = ctx.case
    d = case.cal.disc
    c = dict.fromkeys(lines_of(case), 0.0)
    for key, t in ctx.supply.items():
        c["supply"] += t * case.supply[key].cost * d[key[2]]
    for (s, p), x in ctx.input_t.items():
        c["processing"] += x * case.site_period(s, p)[1] * d[p]
    rates = {}
    for f in ctx.flows:
        key = (f.route, f.period)
        if key not in rates:
            rates[key] = case.rates(f.route, f.period)
        c["freight"] += f.tonnes * rates[key][0] * d[f.period]
        c["handling"] += f.tonnes * rates[key][1] * d[f.period]
    c["route_fixed"] = sum(case.routes[r].fixed_cost for r in ctx.active_routes)
    c["site_fixed"] = sum(case.procs[s].get("fixed_cost") or 0.0 for s, opened in ctx.opened.items() if opened)
    cost = {r["licence"]: r.get("application_cost") or 0.0 for r in case.inputs.tables.get("licences", [])}
    c["licence"] = sum(n * cost[L] * d[a] for (L, a), n in ctx.applications.items())
    for (n, tag, p), t in ctx.stock.items():
        if (n, tag[0]) in case.storage:
            c["holding"] += t * case.storage[(n, tag[0])][1] * d[p]
    for key, dem in case.demand.items():
        c["shortfall_penalty"] += max(0.0, dem.quantity - ctx.delivered.get(key, 0.0)) * dem.penalty * d[key[3]]
    if case.margin:
        c["revenue"] = revenue(ctx)
    for kind in charge_kinds(case.charges):
        c[kind] = ctx.charge_lines.get(kind, 0.0)
    if case.investments:
        money = money_of(ctx).values()
        c["capex"] = sum(m[0] for m in money)
        c["investment_fixed"] = sum(m[1] for m in money)
    if case.disposal:
        c["disposal"] = disposal_cost(ctx)
    return c


def check_years(ctx: Ctx) -> None:
    """``plan``: with years, the summary's ``years`` (first..last) and ``discount_rate`` are the input's."""
    cal, summary = ctx.case.cal, ctx.plan.summary
    if not cal.years:
        return
    rate = ctx.case.settings.get("discount_rate") or 0.0
    for item, want in (("years", f"{cal.years[0]}..{cal.years[-1]}"), ("discount_rate", rate)):
        got, row = summary.get(item, (None, None))
        if got is None:
            continue
        same = _num(got) is not None and abs(_num(got) - want) <= 1e-12 if item == "discount_rate" else \
            str(got).strip() == want
        if not same:
            ctx.add("plan", f"summary: {item} says {got}, but the input's is {want}", solution=[("summary", row)])


def _compare(ctx, line, mine, theirs, where, refs, free=(0.0, 0.0)):
    """Report a line that differs; return the figure to count (the solution's where the plan leaves the line open
    between mine + free[0] and mine + free[1] and it lies there, else mine) and whether it agrees."""
    lo, hi = mine + free[0], mine + free[1]
    if theirs is None:
        ctx.add("cost", f"cost line {line}: the solution's {where} does not give it (recomputed {fmt(mine)})",
                solution=refs)
        return mine, False
    if lo - money_slack(lo, theirs) <= theirs <= hi + money_slack(hi, theirs):
        return (theirs if hi > lo else mine), True
    if hi > lo:
        off = theirs - (lo if theirs < lo else hi)
        ctx.add("cost", f"cost line {line}: the plan gives between {fmt(lo)} and {fmt(hi)} (a budget's subsidy whose "
                f"split the plan does not report), but the solution's {where} says {fmt(theirs)} (off by "
                f"{fmt(off)})", abs(off), solution=refs)
    else:
        ctx.add("cost", f"cost line {line}: recomputed {fmt(mine)} from the plan, but the solution's {where} says "
                f"{fmt(theirs)} (off by {fmt(mine - theirs)})", abs(mine - theirs), solution=refs)
    return mine, False


def _num(v):
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def check_costs(ctxs: list) -> None:
    """``cost``, over the checked scenarios' contexts (the plan sheets' own first).

    Without disruption scenarios each recomputed line equals the `costs` sheet.  With scenarios the plan sheets
    hold every scenario's plan, each recomputed from its own rows: each scenario's lines equal its row of the
    `scenarios` sheet (its own, unweighted cost, when the sheet is there), the first-stage lines (route_fixed,
    site_fixed, licence, capex, investment_fixed: decided once; route_fixed over the routes any scenario uses)
    equal the `costs` sheet, each second-stage line of the `costs` sheet equals the probability-weighted sum over
    the scenarios (probabilities of the disruptions sheet; a scenario whose plan the sheets do not hold counts as
    the `scenarios` sheet gives it).  The objective is the (expected) total; under max_margin the summary's
    objective is the margin, minus the total, with objective_sense maximise.  With objective = max_security the
    total is also within the summary's cost budget.  Contract v2: the summary's ``cost_<line>`` items of the
    revenue, disposal and charge lines equal the (expected) lines as the costs sheet's do."""
    main = ctxs[0]
    rep, plan, case = main.report, main.plan, main.case
    used = {r: None for ctx in ctxs for r in ctx.active_routes}
    for ctx in ctxs:  # a route used in any scenario is contracted (first stage)
        for r in used:
            ctx.active_routes.setdefault(r, None)
    mine = {ctx.case.scenario: recompute(ctx) for ctx in ctxs}
    rep.costs, rep.scenario_costs = mine[case.scenario], mine
    rep.margin = case.margin
    obj, obj_row = plan.summary.get("objective", (None, None))
    rep.objective = _num(obj)
    costs = {k: v for k, (v, _row) in plan.costs.items()}
    crow = {k: [("costs", row)] for k, (_v, row) in plan.costs.items()}
    lines = lines_of(case)
    ctx_of = {ctx.case.scenario: ctx for ctx in ctxs}
    ctx0 = ctxs[0]
    ctx0.count("cost lines", len(lines))
    expected = _expected(ctxs, mine, lines, costs, crow) if rep.scenarios > 1 else {
        line: _compare(ctx0, line, mine[ctx0.case.scenario][line], costs.get(line), "costs sheet",
                       crow.get(line, []), ctx0.free.get(line, (0.0, 0.0)))[0] for line in lines}
    if expected is None:
        return
    rep.total = sum(expected.values())
    for line in lines:  # contract v2: the summary's lines too
        got, row = plan.summary.get(f"cost_{line}", (None, None))
        if line in V2_LINES and row is not None:
            _compare(ctx_of[case.scenario], line, expected[line], _num(got), f"summary item cost_{line}",
                     [("summary", row)])
    budget, budget_row = plan.summary.get("cost_budget", (None, None))
    budget = _num(budget)
    if budget is not None and rep.total > budget + money_slack(rep.total, 0):
        ctx0.add("cost", f"total cost {fmt(rep.total)} is above the cost budget {fmt(budget)} the max_security "
                 f"objective was given, by {fmt(rep.total - budget)}", rep.total - budget,
                 solution=[("summary", budget_row)])
    _objective(ctx0, rep, obj_row)


def _objective(ctx, rep, obj_row):
    """The summary's objective: the (expected) total cost, or under max_margin the margin (minus it)."""
    sense, sense_row = ctx.plan.summary.get("objective_sense", (None, None))
    want = "maximise" if rep.margin else "minimise"
    if sense not in (None, "") and str(sense).strip() != want:
        ctx.add("plan", f"summary: objective_sense says {sense}, but the objective "
                + ("max_margin maximises the margin" if rep.margin else f"{ctx.case.settings.get('objective')} "
                   "minimises"), solution=[("summary", sense_row)])
    if rep.margin:
        rep.total = -rep.total
    if rep.objective is None:
        ctx.add("cost", "the summary sheet gives no objective", solution=[("summary", obj_row)])
    elif abs(rep.total - rep.objective) > money_slack(rep.total, rep.objective):
        what = ("margin: minus the cost lines recomputed from the plan (revenue less cost) is" if rep.margin
                else "total cost: the cost lines recomputed from the plan sum to")
        ctx.add("cost", f"{what} {fmt(rep.total)}, but the solution's objective is {fmt(rep.objective)} (off by "
                f"{fmt(rep.total - rep.objective)})", abs(rep.total - rep.objective), solution=[("summary", obj_row)])


def _expected(ctxs, mine, lines, costs, crow):
    """With disruption scenarios: each checked scenario against its scenarios-sheet row, the first-stage lines and
    the expected second-stage lines against the costs sheet; the expected lines (None when they cannot be
    recomputed: a scenario that is neither on the plan sheets nor on a scenarios sheet)."""
    main = ctxs[0]
    rep, plan, case = main.report, main.plan, main.case
    rows = {r.get("scenario"): r for r in (plan.scenarios or [])}
    first = [line for line in lines if line in FIRST_STAGE]
    for line in first:
        _compare(main, line, mine[case.scenario][line], costs.get(line), "costs sheet (first stage: decided once)",
                 crow.get(line, []))
    value, free, agree = {}, {}, {line: True for line in lines}
    for ctx in ctxs:
        name, own = ctx.case.scenario, rows.get(ctx.case.scenario)
        value[name] = dict(mine[name])
        free[name] = {line: ctx.free.get(line, (0.0, 0.0)) for line in lines}
        if own is None:
            continue
        for line in lines:
            got, ok = _compare(ctx, line, mine[name][line], own.get(f"cost_{line}"),
                               f"scenarios sheet (scenario {name})", [("scenarios", own["_row"])], free[name][line])
            value[name][line], agree[line] = got, agree[line] and ok
            if ok:
                free[name][line] = (0.0, 0.0)
    missing = [name for name in case.probabilities if name not in value and name not in rows]
    if plan.scenarios is None and missing:
        rep.notes.append("the solution has no scenarios sheet (security_report = no?) and its plan sheets do not hold "
                         f"the plans of {', '.join(missing)}: the expected cost lines could not be compared")
        return None
    for name in missing:
        main.add("cost", f"the scenarios sheet has no row for scenario {name}: its costs are unknown, so the "
                 "expected cost lines cannot be compared", solution=[("scenarios", None)])
    for name in case.probabilities:
        if name not in value and name in rows:
            value[name] = {line: rows[name].get(f"cost_{line}") or 0.0 for line in lines}
            free[name] = {line: (0.0, 0.0) for line in lines}
    expected = {line: mine[case.scenario][line] for line in first}
    for line in lines:
        if line in FIRST_STAGE:
            continue
        have = [(p, name) for name, p in case.probabilities.items() if name not in missing]
        total = sum(p * value[name][line] for p, name in have)
        span = (sum(p * free[name][line][0] for p, name in have), sum(p * free[name][line][1] for p, name in have))
        expected[line] = total
        if agree[line] and not missing:  # (a line that differs for one scenario differs in expectation too)
            expected[line] = _compare(main, line, total, costs.get(line), "costs sheet (expected over the scenarios)",
                                      crow.get(line, []), span)[0]
    for name, p in case.probabilities.items():
        r = rows.get(name)
        if r is not None and r.get("probability") is not None and abs(r["probability"] - p) > 1e-9:
            main.add("cost", f"scenario {name}: the scenarios sheet gives probability {fmt(r['probability'])}, "
                     f"the input {fmt(p)}", solution=[("scenarios", r["_row"])])
    shown = [ctx.case.scenario for ctx in ctxs]
    others = [name for name in case.probabilities if name not in shown and name in rows]
    rep.notes.append(f"cost lines of scenario{'s' if len(shown) > 1 else ''} {', '.join(shown)} recomputed from the "
                     "plan sheets" + (f"; the expected second-stage lines use the scenarios sheet's own costs of "
                                      f"{', '.join(others)} (not on the plan sheets)" if others else ""))
    return expected
