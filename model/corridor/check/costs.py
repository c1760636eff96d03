"""Checker family ``cost``: every cost line recomputed from the plan and the input, and compared with the
solution (money over the horizon, in the workbook's currency)."""
from __future__ import annotations

import math

from corridor.check.common import Ctx, fmt, money_slack

LINES = ("supply", "processing", "freight", "handling", "route_fixed", "site_fixed", "licence", "holding",
         "shortfall_penalty")
FIRST_STAGE = ("route_fixed", "site_fixed", "licence")


def recompute(ctx: Ctx) -> dict:
    """The cost lines of the plan sheets' scenario:

    supply = sum supplied (derived from the balances) x cost_per_t x supply cost factor;
    processing = sum input_t x cost_per_t x site cost factor;
    freight / handling = sum tonnes x (sum over the route's legs of cost_per_t / handling_cost_per_t x the
    leg's cost factor in the period it is used) x route and corridor cost factors in the dispatch period;
    route_fixed = fixed_cost of every route used (route_flows) or contracted (decisions sheet);
    site_fixed = fixed_cost of every candidate site opened;
    licence = application_cost x applications;
    holding = sum end-of-period stock x holding_cost_per_t (per period);
    shortfall_penalty = sum (quantity_t - delivered) x penalty (the row's, else the settings').
    """
    case = ctx.case
    c = dict.fromkeys(LINES, 0.0)
    for key, t in ctx.supply.items():
        c["supply"] += t * case.supply[key][1]
    for (s, p), x in ctx.input_t.items():
        c["processing"] += x * case.site_period(s, p)[1]
    rates = {}
    for f in ctx.flows:
        key = (f.route, f.period)
        if key not in rates:
            rates[key] = case.rates(f.route, f.period)
        c["freight"] += f.tonnes * rates[key][0]
        c["handling"] += f.tonnes * rates[key][1]
    c["route_fixed"] = sum(case.routes[r].fixed_cost for r in ctx.active_routes)
    c["site_fixed"] = sum(case.sites[s].get("fixed_cost") or 0.0 for s, opened in ctx.opened.items() if opened)
    cost = {r["licence"]: r.get("application_cost") or 0.0 for r in case.inputs.tables.get("licences", [])}
    c["licence"] = sum(n * cost[L] for (L, _a), n in ctx.applications.items())
    for (n, tag, _p), t in ctx.stock.items():
        if (n, tag[0]) in case.storage:
            c["holding"] += t * case.storage[(n, tag[0])][1]
    for key, (q, pen, _row, _must) in case.demand.items():
        c["shortfall_penalty"] += max(0.0, q - ctx.delivered.get(key, 0.0)) * pen
    return c


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
    (route_fixed, site_fixed, licence: decided once) equal the `costs` sheet, each second-stage line of the
    `costs` sheet equals the probability-weighted sum over the scenarios (the plan's scenario recomputed,
    the others as the `scenarios` sheet gives them), and the expected total equals the objective.  With
    objective = max_security the total is also within the summary's cost budget."""
    rep, plan, case = ctx.report, ctx.plan, ctx.case
    mine = recompute(ctx)
    rep.costs = mine
    obj, obj_row = plan.summary.get("objective", (None, None))
    rep.objective = _num(obj)
    costs = {k: v for k, (v, _row) in plan.costs.items()}
    crow = {k: [("costs", row)] for k, (_v, row) in plan.costs.items()}
    ctx.count("cost lines", len(LINES))
    if rep.scenarios <= 1:
        for line in LINES:
            _compare(ctx, line, mine[line], costs.get(line), "costs sheet", crow.get(line, []))
        rep.total = sum(mine.values())
    else:
        rows = {r.get("scenario"): r for r in (plan.scenarios or [])}
        own = rows.get(case.scenario)
        for line in FIRST_STAGE:
            _compare(ctx, line, mine[line], costs.get(line), "costs sheet (first stage: decided once)",
                     crow.get(line, []))
        if own is None:
            rep.notes.append("the solution has no scenarios sheet (security_report = no?): the second-stage cost "
                             "lines of the plan's scenario could not be compared, nor the expected total")
            return
        agree = {line: _compare(ctx, line, mine[line], own.get(f"cost_{line}"),
                                f"scenarios sheet (scenario {case.scenario})", [("scenarios", own["_row"])])
                 for line in LINES}
        expected = {line: mine[line] for line in FIRST_STAGE}
        missing = [name for name in case.probabilities if name != case.scenario and name not in rows]
        for name in missing:
            ctx.add("cost", f"the scenarios sheet has no row for scenario {name}: its costs are unknown, so the "
                    "expected cost lines cannot be compared", solution=[("scenarios", None)])
        for line in LINES:
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
