"""Checker family ``cost``: every cost line recomputed from the plan and the input, and compared with the
solution (money over the horizon, in the workbook's currency).

With years (contract v2) every line is a present value at the first year: each period's money times d(p) =
1 / (1 + discount_rate)^(year(p) - first year); the plan sheets show nominal money per row.
"""
from __future__ import annotations

import math

from corridor.check.common import Ctx, fmt, money_slack
from corridor.check.invest import money_of

LINES = ("supply", "processing", "freight", "handling", "route_fixed", "site_fixed", "licence", "holding",
         "shortfall_penalty")
INVESTMENT_LINES = ("capex", "investment_fixed")  # only when the input has investments
FIRST_STAGE = ("route_fixed", "site_fixed", "licence") + INVESTMENT_LINES


def lines_of(ctx: Ctx) -> tuple:
    """The cost lines the solution has for this input: `LINES`, and `INVESTMENT_LINES` with investments."""
    return LINES + (INVESTMENT_LINES if ctx.case.investments else ())


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
    service x fixed_cost_per_year x days(p) / 365 x d(p).
    """
    case = ctx.case
    d = case.cal.disc
    c = dict.fromkeys(lines_of(ctx), 0.0)
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
    for key, (q, pen, _row, _must) in case.demand.items():
        c["shortfall_penalty"] += max(0.0, q - ctx.delivered.get(key, 0.0)) * pen * d[key[3]]
    if case.investments:
        money = money_of(ctx).values()
        c["capex"] = sum(m[0] for m in money)
        c["investment_fixed"] = sum(m[1] for m in money)
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


def _compare(ctx, line, mine, theirs, where, refs):
    """Report a line that differs; return True when it agrees."""
    if theirs is None:
        ctx.add("cost", f"cost line {line}: the solution's {where} does not give it (recomputed {fmt(mine)})",
                solution=refs)
        return False
    if abs(mine - theirs) > money_slack(mine, theirs):
        ctx.add("cost", f"cost line {line}: recomputed {fmt(mine)} from the plan, but the solution's {where} says "
                f"{fmt(theirs)} (off by {fmt(mine - theirs)})", abs(mine - theirs), solution=refs)
        return False
    return True


def _num(v):
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def check_costs(ctx: Ctx) -> None:
    """``cost``: without disruption scenarios each recomputed line equals the `costs` sheet and their total
    equals the summary objective.  With scenarios the plan sheets show one scenario: each recomputed line
    equals that scenario's row of the `scenarios` sheet (its own, unweighted cost), the first-stage lines
    (route_fixed, site_fixed, licence, capex, investment_fixed: decided once) equal the `costs` sheet, each
    second-stage line of the `costs` sheet equals the probability-weighted sum over the scenarios (the plan's
    scenario recomputed, the others as the `scenarios` sheet gives them), and the expected total equals the
    objective.  With objective = max_security the total is also within the summary's cost budget."""
    rep, plan, case = ctx.report, ctx.plan, ctx.case
    mine = recompute(ctx)
    rep.costs = mine
    obj, obj_row = plan.summary.get("objective", (None, None))
    rep.objective = _num(obj)
    costs = {k: v for k, (v, _row) in plan.costs.items()}
    crow = {k: [("costs", row)] for k, (_v, row) in plan.costs.items()}
    lines = lines_of(ctx)
    ctx.count("cost lines", len(lines))
    if rep.scenarios <= 1:
        for line in lines:
            _compare(ctx, line, mine[line], costs.get(line), "costs sheet", crow.get(line, []))
        rep.total = sum(mine.values())
    else:
        rows = {r.get("scenario"): r for r in (plan.scenarios or [])}
        own = rows.get(case.scenario)
        first = [line for line in lines if line in FIRST_STAGE]
        for line in first:
            _compare(ctx, line, mine[line], costs.get(line), "costs sheet (first stage: decided once)",
                     crow.get(line, []))
        if own is None:
            rep.notes.append("the solution has no scenarios sheet (security_report = no?): the second-stage cost "
                             "lines of the plan's scenario could not be compared, nor the expected total")
            return
        agree = {line: _compare(ctx, line, mine[line], own.get(f"cost_{line}"),
                                f"scenarios sheet (scenario {case.scenario})", [("scenarios", own["_row"])])
                 for line in lines}
        expected = {line: mine[line] for line in first}
        missing = [name for name in case.probabilities if name != case.scenario and name not in rows]
        for name in missing:
            ctx.add("cost", f"the scenarios sheet has no row for scenario {name}: its costs are unknown, so the "
                    "expected cost lines cannot be compared", solution=[("scenarios", None)])
        for line in lines:
            if line in FIRST_STAGE:
                continue
            total = sum(p * (mine[line] if name == case.scenario else rows[name].get(f"cost_{line}") or 0.0)
                        for name, p in case.probabilities.items() if name not in missing)
            expected[line] = total
            if agree[line] and not missing:  # (a line that differs for the plan's scenario differs in expectation too)
                _compare(ctx, line, total, costs.get(line), "costs sheet (expected over the scenarios)",
                         crow.get(line, []))
        for name, p in case.probabilities.items():
            r = rows.get(name)
            if r is not None and r.get("probability") is not None and abs(r["probability"] - p) > 1e-9:
                ctx.add("cost", f"scenario {name}: the scenarios sheet gives probability {fmt(r['probability'])}, "
                        f"the input {fmt(p)}", solution=[("scenarios", r["_row"])])
        rep.total = sum(expected.values())
        rep.notes.append(f"cost lines of scenario {case.scenario} recomputed from the plan sheets; the expected "
                         "second-stage lines use the other scenarios' own costs as the scenarios sheet gives them "
                         "(their plans are not in the workbook)")
    budget, budget_row = plan.summary.get("cost_budget", (None, None))
    budget = _num(budget)
    if budget is not None and rep.total is not None and rep.total > budget + money_slack(rep.total, 0):
        ctx.add("cost", f"total cost {fmt(rep.total)} is above the cost budget {fmt(budget)} the max_security "
                f"objective was given, by {fmt(rep.total - budget)}", rep.total - budget,
                solution=[("summary", budget_row)])
    if rep.objective is None:
        ctx.add("cost", "the summary sheet gives no objective", solution=[("summary", obj_row)])
    elif rep.total is not None and abs(rep.total - rep.objective) > money_slack(rep.total, rep.objective):
        ctx.add("cost", f"total cost: the cost lines recomputed from the plan sum to {fmt(rep.total)}, but the "
                f"solution's objective is {fmt(rep.objective)} (off by {fmt(rep.total - rep.objective)})",
                abs(rep.total - rep.objective), solution=[("summary", obj_row)])
