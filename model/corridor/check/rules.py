"""Checker families on rules: ``licence`` (prohibited flows, licences held, quotas) and ``policy`` (shares of
what each market receives, number of routes delivering to it)."""
from __future__ import annotations

from collections import defaultdict

from corridor.check.case import rule_matches
from corridor.check.common import Ctx, fmt, slack


def _windows(case, rule):
    lead, validity = rule.get("lead_periods") or 0, rule.get("validity_periods") or 1
    return {a: case.cal.window(a, int(lead), int(validity)) for a in case.periods}


def check_licences(ctx: Ctx) -> None:
    """``licence``: every route_flows row against every rule that matches it (commodity, destination
    country, end use = the row's earmark, and the kind judged on the route's own ends: transit, export,
    controlled_content = the row's technology tag).

    - a ``prohibited`` rule, or a ``required`` rule with granted = no (also when a scenario refuses it),
      matches no tonnes at all;
    - a ``required`` rule's tonnes dispatched in p need a licence of the rule held in p: an application in
      a covers a+lead .. a+lead+validity-1 (wrapping when cyclic, cut at the end of an open horizon); at
      most one licence of a rule is held in any period; a scenario may revoke a rule in some periods,
      when its tonnes cannot be dispatched at all;
    - quota_t caps the tonnes one licence covers over its window: for each application, the sum over its
      window of the rule's tonnes <= quota_t;
    - the licences sheet's ``held`` and ``tonnes_covered`` follow from the applications and the flows
      (``plan``; the sheet shows the plan sheets' scenario).
    Contract v2: a ``scope = chain`` rule reads destination_country on the tonnes' destination earmark, so it
    gates every route of the chain that leads to a market it names (`case.rule_matches`).  Applications are
    decided once for every scenario; each scenario's flows need the licences held.
    """
    case = ctx.case
    declared = {r["licence"]: r for r in case.inputs.tables.get("licences", [])}
    rules = {r["licence"]: r for r in case.rules}
    reported = {}
    for rec in ctx.plan.sheets["licences"]:
        L, p, sol = rec.get("licence"), rec.get("period"), [("licences", rec["_row"])]
        if L not in declared or p not in case.cal.index:
            if rec["applied"] and ctx.primary:  # (applications are first stage: the sheet is judged once)
                ctx.add("plan", f"licences: '{L}' in '{p}' is not a licence and period of the input", solution=sol)
            continue
        n = rec["applied"]
        if (n < 0 or abs(n - round(n)) > 1e-6) and ctx.primary:
            ctx.add("plan", f"licences: applied = {fmt(n)} for {L} in {p} is not a whole number of applications",
                    solution=sol)
        ctx.applications[(L, p)] += max(0, round(n))
        if round(n) > 0:
            ctx.app_rows[L].append(("licences", rec["_row"]))
        reported[(L, p)] = rec
    windows = {L: _windows(case, rule) for L, rule in declared.items()}
    held = defaultdict(int)
    holders = defaultdict(list)
    for (L, a), n in ctx.applications.items():
        for p in windows[L][a]:
            held[(L, p)] += n
            holders[(L, p)].append(a)
    for (L, p), n in held.items():
        if n > 1 and ctx.primary:
            ctx.add("licence", f"licence {L}: {n} licences held in {p} (applied in {', '.join(holders[(L, p)])}); "
                    "at most one licence of a rule is held in any period", n - 1,
                    inputs=[("licences", declared[L]["_row"])], solution=ctx.app_rows[L])
    gated = defaultdict(list)
    for f in ctx.flows:
        ctx.count("flows judged by the licence rules")
        for rule in case.rules:
            if not rule_matches(rule, f.r, f.tag[0], f.tag[2]):
                continue
            L, inp, sol = rule["licence"], [("licences", rule["_row"])], [("route_flows", f.row)]
            tags = f"technology '{f.tag[0]}', earmarked '{f.tag[2]}'"
            if rule["rule"] == "prohibited" or rule.get("granted") == "no":
                why = ("prohibited" if rule["rule"] == "prohibited" else
                       "required but not granted" + (f" (refused in scenario {case.scenario})"
                                                     if rule.get("_refused_by") else ""))
                if rule.get("_refused_by"):
                    inp.append(("disruptions", rule["_refused_by"]))
                ctx.add("licence", f"route {f.route} dispatched in {f.period}: {fmt(f.tonnes)} t ({tags}) are "
                        f"a flow rule {L} ({rule['applies_to']} {rule['country']}) {why} forbids", f.tonnes,
                        inputs=inp, solution=sol)
                continue
            gated[(L, f.period)].append(f)
            if (L, f.period) in case.revoked:
                ctx.add("licence", f"route {f.route} dispatched in {f.period}: {fmt(f.tonnes)} t need licence {L}, "
                        f"which scenario {case.scenario} revokes in {f.period}", f.tonnes,
                        inputs=inp + [("disruptions", case.revoked[(L, f.period)])], solution=sol)
            elif held.get((L, f.period), 0) < 1:
                ctx.add("licence", f"route {f.route} dispatched in {f.period}: {fmt(f.tonnes)} t ({tags}) need a "
                        f"licence {L} ({rule['applies_to']} {rule['country']}, required) held in {f.period}, and "
                        "none is (no application covers it)", f.tonnes, inputs=inp,
                        solution=sol + ctx.app_rows.get(L, []))
    for (L, a), n in ctx.applications.items():
        quota = declared[L].get("quota_t")
        if quota is None or n < 1:
            continue
        covered = sum(f.tonnes for p in windows[L][a] for f in gated.get((L, p), ()))
        if covered > n * quota + slack(covered, quota):
            fl = [("route_flows", f.row) for p in windows[L][a] for f in gated.get((L, p), ())]
            ctx.add("licence", f"licence {L} applied for in {a} (covering {', '.join(windows[L][a])}): "
                    f"{fmt(covered)} t covered, above its quota_t {fmt(quota)}, by {fmt(covered - n * quota)} t",
                    covered - n * quota, inputs=[("licences", declared[L]["_row"])],
                    solution=[r for r in ctx.app_rows[L] if r[1] == reported[(L, a)]["_row"]] + fl)
    for (L, p), rec in (reported.items() if ctx.primary else ()):  # the sheet shows the plan sheets' scenario
        want = {"held": held.get((L, p), 0), "tonnes_covered": sum(f.tonnes for f in gated.get((L, p), ()))}
        if L in rules and rules[L]["rule"] == "required":
            for col, v in want.items():
                if col in rec and abs(rec[col] - v) > slack(rec[col], v):
                    ctx.add("plan", f"licences: {col} of {L} in {p} says {fmt(rec[col])} but the applications "
                            f"and flows give {fmt(v)}", solution=[("licences", rec["_row"])])


def _part(pol, f):
    m, v = pol["measure"], pol.get("value")
    if m == "corridor":
        return f.r.corridor == v
    if m == "route":
        return f.route == v
    if m == "transit_country":
        return v in f.tag[3]
    return f.tag[1] == v  # processing_country


def check_policies(ctx: Ctx) -> None:
    """``policy``, per active policy row and market (``*``: each market with demand), over the horizon:

    received = tonnes of the policy's commodities that routes deliver to the market (arrivals); part = those
    carried by the corridor / route, that crossed the transit country anywhere along their chain (the
    transited tag) or were processed in the processing country (the processing-country tag):
    part <= max_share x received, part >= min_share x received.  max_active_routes: the routes into the
    market carrying the policy's commodities that are used (route_flows, or contracted on the decisions
    sheet) number at most max_count.
    """
    case = ctx.case
    for pol in case.policies:
        ctx.count("policy rows")
        m, comms, inp = pol["market"], pol["commodities"], [("policies", pol["_row"])]
        if pol["measure"] == "max_active_routes":
            used = sorted(r for r in ctx.active_routes if case.routes[r].destination == m
                          and case.routes[r].commodity in comms)
            if pol.get("max_count") is not None and len(used) > pol["max_count"]:
                sol = [("decisions", ctx.active_routes[r]) for r in used if ctx.active_routes[r] is not None]
                sol += [("route_flows", f.row) for f in ctx.flows if f.route in used][:20]
                ctx.add("policy", f"policy {pol['policy']}, market {m}: {len(used)} routes deliver "
                        f"({', '.join(used)}), above max_count {pol['max_count']}", len(used) - pol["max_count"],
                        inputs=inp, solution=sol)
            continue
        arriving = [f for f in ctx.flows if f.r.destination == m and f.r.commodity in comms and f.arrive is not None]
        received = sum(f.tonnes for f in arriving)
        hits = [f for f in arriving if _part(pol, f)]
        part = sum(f.tonnes for f in hits)
        what = f"{pol['measure'].replace('_', ' ')} {pol.get('value')}"
        for bound, sign in (("max_share", 1), ("min_share", -1)):
            share = pol.get(bound)
            if share is None:
                continue
            limit = share * received
            if sign * (part - limit) > slack(part, limit):
                rows = [("route_flows", f.row) for f in (hits if sign > 0 else arriving)]
                shown = f"{100 * part / received:.4g}%" if received else "-"
                ctx.add("policy", f"policy {pol['policy']}, market {m}: {fmt(part)} t of the {fmt(received)} t "
                        f"received came by {what} ({shown}), {'above' if sign > 0 else 'below'} its {bound} "
                        f"{fmt(share)} ({fmt(limit)} t), by {fmt(abs(part - limit))} t", abs(part - limit),
                        inputs=inp, solution=rows)


__all__ = ["check_licences", "check_policies"]
