"""Checker families on physical flows: routes, legs, sites, storage and demand (tonnes, per period).

Each function reads its solution sheet, records the plan's quantities on the shared context (`Ctx`) for
the later families, and reports what breaks the contract.  Tolerance: 1e-4 t plus 1e-6 relative.
"""
from __future__ import annotations

from collections import defaultdict

from corridor.check.common import ABS_T, INF, Ctx, fmt, money_slack, slack
from corridor.check.coproducts import MAIN, row_role
from corridor.check.earmarks import Tracking, idle_sites
from corridor.check.invest import added
from corridor.check.plan import tag_of


def check_route_flows(ctx: Ctx) -> None:
    """``route``: every route_flows row, and the total per (route, dispatch period).

    - the route and period exist; tonnes >= 0; the row's commodity / origin / destination / corridor are
      the route's (``plan``);
    - the arrival period is p + the total transit days walked on the calendar (the contract's
      p + floor(total days / period days); wrapping when cyclic).  In an open horizon a dispatch that would
      arrive after the last period is never delivered and is not allowed (docs/formulation.md);
    - sum of tonnes(r, p) <= max_volume_t * route factor(p) * corridor factor(p) (capacity factors in the
      dispatch period; a factor 0 closes the route);
    - sum of tonnes(r, p) is 0 or >= min_volume_t (per period in which the route is used; up to 1e-4 t, what
      the solver's tolerances leave on an unused route, reads as 0).
    """
    case, cal = ctx.case, ctx.case.cal
    totals, rows = defaultdict(float), defaultdict(list)
    for f in ctx.plan.flows:
        sol = [("route_flows", f.row)]
        if f.route not in case.routes:
            ctx.add("plan", f"route '{f.route}' is not declared on the input's routes sheet", solution=sol)
            continue
        if f.period not in cal.index:
            ctx.add("plan", f"dispatch_period '{f.period}' is not a period of the input", solution=sol)
            continue
        route = case.routes[f.route]
        ctx.count("route_flows rows")
        if f.tonnes < -slack(f.tonnes):
            ctx.add("route", f"route {f.route} in {f.period}: negative tonnes {fmt(f.tonnes)}", -f.tonnes,
                    solution=sol)
            continue
        if f.tonnes <= 0:
            continue
        for col, want in (("commodity", route.commodity), ("origin", route.origin),
                          ("destination", route.destination), ("corridor", route.corridor)):
            got = f.rec.get(col)
            if got is not None and got != want:
                ctx.add("plan", f"route {f.route}: the row says {col} '{got}' but the route's {col} is '{want}'",
                        inputs=[("routes", route.row)], solution=sol)
        f.r = route
        f.arrive = cal.shift(f.period, route.total_days)
        f.legs_at = [cal.shift(f.period, b) for b in route.before]
        if f.arrive is None:
            ctx.add("route", f"route {f.route} dispatched in {f.period}: {fmt(f.tonnes)} t would arrive "
                    f"{fmt(route.total_days)} days later, after the end of the open horizon, and are never "
                    "delivered", f.tonnes, inputs=[("routes", route.row)] + [("route_legs", x) for x in
                                                                             route.leg_rows], solution=sol)
        elif f.rec.get("arrival_period") not in (None, f.arrive):
            ctx.add("plan", f"route {f.route} dispatched in {f.period}: arrival_period says "
                    f"{f.rec['arrival_period']} but {fmt(route.total_days)} days of transit arrive in {f.arrive}",
                    inputs=[("routes", route.row)], solution=sol)
        ctx.flows.append(f)
        ctx.active_routes.setdefault(f.route, None)
        totals[(f.route, f.period)] += f.tonnes
        rows[(f.route, f.period)].append(("route_flows", f.row))
    for (r, p), t in totals.items():
        ctx.count("route-periods")
        route = case.routes[r]
        cap, refs = case.route_max(r, p)
        if t > cap + slack(t, cap):
            why = f"max_volume_t {fmt(route.max_t)}" if route.max_t < INF else "no max_volume_t"
            if cap < route.max_t:
                why += f" times capacity factor {fmt(cap / route.max_t if route.max_t < INF and route.max_t else 0)}"
            ctx.add("route", f"route {r} dispatched in {p}: {fmt(t)} t, above the most it may take, {fmt(cap)} t "
                    f"({why}), by {fmt(t - cap)} t", t - cap, inputs=refs, solution=rows[(r, p)])
        if route.min_t > 0 and ABS_T < t < route.min_t - slack(route.min_t):  # (within 1e-4 t of 0: not used)
            ctx.add("route", f"route {r} dispatched in {p}: {fmt(t)} t, below its min_volume_t {fmt(route.min_t)} "
                    f"(a route used in a period carries at least its minimum), by {fmt(route.min_t - t)} t",
                    route.min_t - t, inputs=[("routes", route.row)], solution=rows[(r, p)])
    for rec in ctx.plan.sheets["decisions"]:
        if rec.get("decision") == "route used":
            if rec.get("id") in case.routes:
                ctx.active_routes[rec["id"]] = rec["_row"]
            elif ctx.primary:  # (the decisions sheet is first stage: its cells are judged once)
                ctx.add("plan", f"decisions: route '{rec.get('id')}' is not declared on the input's routes sheet",
                        solution=[("decisions", rec["_row"])])


def check_legs(ctx: Ctx) -> None:
    """``leg capacity``: shared leg capacities.  A shipment dispatched in p enters leg k of its route in
    q = p + (days travelled before leg k, walked on the calendar; wrapping when cyclic) and uses the leg's
    capacity there only.  For every (leg, q): sum of the tonnes entering it <= (capacity_t + what the
    investments in service in q add) * leg capacity factor(q) (blank capacity: unlimited; a factor <= 0 closes
    the leg; capacity_t 0: the leg exists only through its investments)."""
    case = ctx.case
    use = defaultdict(list)
    for f in ctx.flows:
        for leg, q, before in zip(f.r.legs, f.legs_at, f.r.before):
            if q is not None:
                use[(leg, q)].append((f, before))
    for (leg, q), users in use.items():
        ctx.count("leg-periods")
        total = sum(f.tonnes for f, _b in users)
        more, inv_in, inv_sol, more_text = added(ctx, "leg", leg, q)
        cap, refs = case.leg_capacity(leg, q, more)
        if total <= cap + slack(total, cap):
            continue
        base = case.legs[leg].get("capacity_t")
        if more_text:
            factor = case.factors.cap("leg", leg, q)[0]
            why = f"capacity_t {fmt(base)} plus {more_text}, x capacity factor {fmt(factor)}"
        else:
            why = f"capacity_t {fmt(base)} x capacity factor {fmt(cap / base if base else 0.0)}"
        who = "; ".join(f"{fmt(f.tonnes)} t on {f.route} dispatched in {f.period}, entering after {fmt(b)} days"
                        for f, b in users[:6]) + (" ..." if len(users) > 6 else "")
        ctx.add("leg capacity", f"leg {leg} in {q}: {fmt(total)} t enter it, above its effective capacity "
                f"{fmt(cap)} t ({why}), by {fmt(total - cap)} t ({who})", total - cap,
                inputs=refs + [("route_legs", f.r.leg_rows[f.r.legs.index(leg)]) for f, _b in users] + inv_in,
                solution=[("route_flows", f.row) for f, _b in users] + inv_sol)


def _process_of(case, site, c_in):
    """The process (site, input commodity) a solution row names, or None (the site alone: its only row)."""
    if c_in is not None:
        return (site, c_in) if (site, c_in) in case.procs else None
    procs = case.at_site(site)
    return procs[0] if len(procs) == 1 else None


def _decided_sites(ctx):
    """Candidate process -> (opened?, decisions row): ``site opened`` / ``site not opened`` rows, whose id is the
    site (one row) or ``site/input commodity``."""
    case, out = ctx.case, {}
    for rec in ctx.plan.sheets["decisions"]:
        if rec.get("decision") not in ("site opened", "site not opened"):
            continue
        text = rec.get("id") or ""
        site, _sep, c_in = text.rpartition("/")
        if case.at_site(text):
            key = _process_of(case, text, None)
        else:
            key = _process_of(case, site, c_in) if case.at_site(site) else None
        if key is None:
            what = (f"site {text} has several processes: name one as {text}/input_commodity" if case.at_site(text)
                    else f"'{text}' is not a site (or site/input_commodity) of the input")
            if ctx.primary:
                ctx.add("plan", f"decisions: {what}", solution=[("decisions", rec["_row"])])
            continue
        out[key] = (rec["decision"] == "site opened", rec["_row"])
    return out


def _read_processing(ctx):
    """Input tonnes per (process, period) into the context; the processing sheet's ``open`` per process.  With
    site_products the co-product and reagent rows are set aside for `coproducts.check_coproducts`."""
    case, said_open = ctx.case, defaultdict(set)
    for rec in ctx.plan.sheets["processing"]:
        s, p, sol = rec.get("site"), rec.get("period"), [("processing", rec["_row"])]
        if not case.at_site(s):
            if rec["input_t"]:
                ctx.add("plan", f"processing: '{s}' is not a site of the input", solution=sol)
            continue
        key = _process_of(case, s, rec.get("input_commodity"))
        if key is None:
            if rec["input_t"]:
                ctx.add("plan", f"processing: site {s} has no process taking '{rec.get('input_commodity')}' (its "
                        f"processes take {', '.join(k[1] for k in case.at_site(s))})",
                        inputs=[("sites", case.procs[k]["_row"]) for k in case.at_site(s)], solution=sol)
            continue
        if p not in case.cal.index:
            ctx.add("plan", f"processing: period '{p}' is not a period of the input", solution=sol)
            continue
        if case.products and row_role(case, key, rec) != MAIN:  # contract v2: checked by `coproducts`
            ctx.product_recs.append((key, p, rec))
            continue
        ctx.input_t[(key, p)] = ctx.input_t.get((key, p), 0.0) + rec["input_t"]
        ctx.proc_rows[(key, p)].append(("processing", rec["_row"]))
        if rec.get("open") in ("yes", "no"):
            said_open[key].add(rec["open"] == "yes")
        site = case.procs[key]
        y = site["yield"]
        if "output_t" in rec and abs(rec["output_t"] - y * rec["input_t"]) > slack(rec["output_t"]):
            ctx.add("plan", f"site {case.label(key)} in {p}: output_t {fmt(rec['output_t'])} is not yield {fmt(y)} x "
                    f"input_t {fmt(rec['input_t'])} = {fmt(y * rec['input_t'])}", inputs=[("sites", site["_row"])],
                    solution=sol)
        oc = rec.get("output_commodity")
        if oc is not None and oc != site["output_commodity"]:
            ctx.add("plan", f"site {case.label(key)} in {p}: the row says output_commodity '{oc}' but the process "
                    f"makes '{site['output_commodity']}'", inputs=[("sites", site["_row"])], solution=sol)
    return said_open


def check_sites(ctx: Ctx) -> None:
    """``site``: processing per process (a site's row for one input commodity) and period, in tonnes of input.

    - input_t >= 0 and <= (capacity_t + what investments in service add) * site factor(p); 0 before
      ``available_from``;
    - a candidate process processes only if it is opened (decisions sheet, and the processing sheet's ``open``
      column must agree); an existing one is always open;
    - an open process processes at least min(min_throughput_t, effective capacity) in every period from
      ``available_from`` on (docs/formulation.md: not imposed on an existing process that no input can reach;
      reported as a note);
    - output_t = yield * input_t (``plan``).
    """
    case = ctx.case
    decided = _decided_sites(ctx)
    said_open = _read_processing(ctx)
    unreachable, noted = idle_sites(case, Tracking(case)), set()
    for s, site in case.procs.items():
        name = case.label(s)
        candidate = site.get("status") == "candidate"
        if candidate:
            dec = decided.get(s)
            proc = said_open.get(s)
            if dec is not None and proc and proc != {dec[0]}:
                ctx.add("plan", f"candidate site {name}: the decisions sheet says "
                        f"{'opened' if dec[0] else 'not opened'} but the processing sheet says open = "
                        f"{'yes' if True in proc else 'no'}", solution=[("decisions", dec[1])] + [
                            r for p in case.periods for r in ctx.proc_rows.get((s, p), [])][:1])
            ctx.opened[s] = dec[0] if dec is not None else (True in proc if proc else False)
        is_open = ctx.opened.get(s, True) if candidate else True
        for p in case.periods:
            ctx.count("site-periods")
            x = ctx.input_t.get((s, p), 0.0)
            more, inv_in, inv_sol, more_text = added(ctx, "site", s, p)
            cap, _cost, mn, refs = case.site_period(s, p, more)
            sol = ctx.proc_rows.get((s, p), [])
            if x < -slack(x):
                ctx.add("site", f"site {name} in {p}: negative input {fmt(x)} t", -x, inputs=refs, solution=sol)
            elif x > slack(x) and not is_open:
                ctx.add("site", f"candidate site {name} processes {fmt(x)} t in {p} but is not opened (decisions "
                        "sheet): a candidate processes only once opened, and then pays its fixed_cost", x,
                        inputs=refs, solution=sol + ([("decisions", decided[s][1])] if s in decided else []))
            elif x > cap + slack(x, cap):
                first = site.get("available_from")
                f = case.factors.cap("site", s[0], p)[0]
                if cap == 0 and first is not None and case.cal.index[p] < case.cal.index[first]:
                    why = f"it may process only from {first} (available_from)"
                elif more_text:
                    why = f"capacity_t {fmt(site['capacity_t'])} plus {more_text}, x capacity factor {fmt(f)}"
                else:
                    why = (f"capacity_t {fmt(site['capacity_t'])} x capacity factor "
                           f"{fmt(cap / site['capacity_t'] if site['capacity_t'] else 0)}")
                ctx.add("site", f"site {name} in {p}: {fmt(x)} t of input processed, above its effective capacity "
                        f"{fmt(cap)} t ({why}), by {fmt(x - cap)} t", x - cap, inputs=refs + inv_in,
                        solution=sol + inv_sol)
            if is_open and mn > 0 and x < mn - slack(mn):
                if not candidate and s in unreachable:
                    if s not in noted:
                        noted.add(s)
                        why = ("no input (or one of its reagents) can reach the site, or none of its outputs can "
                               "reach a use" if case.products.get(s) else
                               "no input can reach the site or its output cannot reach a demand")
                        ctx.report.notes.append(f"site {name}: min_throughput_t is not imposed, as {why} "
                                                "(docs/formulation.md)")
                    continue
                ctx.add("site", f"site {name} in {p}: {fmt(x)} t of input processed, below its minimum throughput "
                        f"{fmt(mn)} t (min_throughput_t, per period while open), by {fmt(mn - x)} t", mn - x,
                        inputs=refs, solution=sol)


def check_storage(ctx: Ctx) -> None:
    """``storage``: end-of-period stock (inventory sheet, per node, commodity, tags and period).

    - stock >= 0; stock only where a storage row allows it (node, commodity);
    - sum over tags of the stock at (node, commodity) <= capacity_t (blank: unlimited) + what the investments
      in service in the period add, every period.
    Initial stock (open horizon only, min(initial_t, capacity)) enters the first period's balance.
    """
    case = ctx.case
    for rec in ctx.plan.sheets["inventory"]:
        n, c, p, sol = rec.get("node"), rec.get("commodity"), rec.get("period"), [("inventory", rec["_row"])]
        if n not in case.country or c is None or p not in case.cal.index:
            if rec["stock_t"]:
                ctx.add("plan", f"inventory: node '{n}', commodity '{c}' or period '{p}' is not in the input",
                        solution=sol)
            continue
        cc, pc, eu, tc = tag_of(rec)
        ctx.stock[(n, (c, cc, pc, eu, tc), p)] += rec["stock_t"]
        ctx.stock_rows[(n, c, p)].append(("inventory", rec["_row"]))
        if rec["stock_t"] < -slack(rec["stock_t"]):
            ctx.add("storage", f"node {n}, {c}, {p}: negative stock {fmt(rec['stock_t'])} t", -rec["stock_t"],
                    solution=sol)
    for (n, tag, p), t in ctx.stock.items():
        ctx.stock_total[(n, tag[0], p)] += t
    for (n, c, p), t in ctx.stock_total.items():
        ctx.count("stock entries")
        sol = ctx.stock_rows[(n, c, p)]
        if (n, c) not in case.storage:
            if t > slack(t):
                ctx.add("storage", f"node {n} holds {fmt(t)} t of {c} at the end of {p}, but no storage row allows "
                        f"stock of {c} at {n} (stock may only be held where a row allows it)", t, solution=sol)
            continue
        cap, _hold, _init, row = case.storage[(n, c)]
        more, inv_in, inv_sol, more_text = added(ctx, "storage", (n, c), p)
        if t > cap + more + slack(t, cap + more):
            why = f" (capacity_t {fmt(cap)} plus {more_text})" if more_text else ""
            ctx.add("storage", f"node {n} holds {fmt(t)} t of {c} at the end of {p}, above its storage capacity "
                    f"{fmt(cap + more)} t{why}, by {fmt(t - cap - more)} t", t - cap - more,
                    inputs=[("storage", row)] + inv_in, solution=sol + inv_sol)


def check_demand(ctx: Ctx) -> None:
    """``demand``: deliveries per (market, commodity, end use, period) against the effective demand (a
    period's own row wins over ``*``).  0 <= delivered <= quantity_t (= quantity_t when must_meet = yes);
    contract v2: delivered >= min_fill x quantity_t in every period the row covers (and, as every scenario is
    checked, in every disruption scenario); delivering where no demand row exists is not allowed; shortfall_t =
    quantity_t - delivered, demand_t = quantity_t, penalty_cost = shortfall x penalty (under max_margin only the
    row's own) and revenue = delivered x price_per_t (blank without a price) (a misreported figure)."""
    case = ctx.case
    recs = defaultdict(list)
    for rec in ctx.plan.sheets["deliveries"]:
        key = (rec.get("market"), rec.get("commodity"), rec.get("end_use"), rec.get("period"))
        sol = [("deliveries", rec["_row"])]
        x = rec["delivered_t"]
        if key not in case.demand:
            if abs(x) > slack(x):
                ctx.add("demand", f"deliveries: {fmt(x)} t delivered to {', '.join(map(str, key))}, for which the "
                        "input has no demand row", abs(x), solution=sol)
            continue
        ctx.delivered[key] += x
        ctx.deliv_rows[key].append(("deliveries", rec["_row"]))
        recs[key].append(rec)
    for key, dem in case.demand.items():
        q, row, must = dem.quantity, dem.row, dem.must_meet
        ctx.count("demand rows")
        m, c, e, p = key
        x, sol, inp = ctx.delivered.get(key, 0.0), ctx.deliv_rows.get(key, []), [("demand", row)]
        what = f"demand {m}, {c}, {e}, {p}"
        if not sol and q > slack(q):
            ctx.add("demand", f"{what}: the deliveries sheet has no row for it (read as nothing delivered)",
                    q, inputs=inp)
        if x < -slack(x):
            ctx.add("demand", f"{what}: negative delivery {fmt(x)} t", -x, inputs=inp, solution=sol)
        elif x > q + slack(x, q):
            ctx.add("demand", f"{what}: {fmt(x)} t delivered, above the quantity_t {fmt(q)} t, by {fmt(x - q)} t",
                    x - q, inputs=inp, solution=sol)
        elif must and x < q - slack(q):
            ctx.add("demand", f"{what}: must_meet = yes but only {fmt(x)} t of {fmt(q)} t delivered", q - x,
                    inputs=inp, solution=sol)
        elif dem.min_fill > 0 and x < dem.min_fill * q - slack(q):
            ctx.add("demand", f"{what}: {fmt(x)} t delivered, below min_fill {fmt(dem.min_fill)} x quantity_t "
                    f"{fmt(q)} = {fmt(dem.min_fill * q)} t (in every period the row covers), by "
                    f"{fmt(dem.min_fill * q - x)} t", dem.min_fill * q - x, inputs=inp, solution=sol)
        for r in recs.get(key, []):
            _reported(ctx, what, dem, x, r, inp)


def _reported(ctx, what, dem, x, r, inp):
    """The deliveries row's figures: demand_t, shortfall_t, penalty_cost and (contract v2) revenue."""
    q, pen, price = dem.quantity, dem.penalty, dem.price
    short = max(0.0, q - x)
    checks = [("demand_t", q, " (quantity_t)"), ("shortfall_t", short, " (quantity_t - delivered_t)"),
              ("penalty_cost", short * pen, f" (shortfall x penalty {fmt(pen)})")]
    if "revenue" in r and (price is not None or r["revenue"] is not None):
        checks.append(("revenue", None if price is None else x * price,
                       " (price_per_t blank)" if price is None else f" (delivered_t x price_per_t {fmt(price)})"))
    for col, want, why in checks:
        if col not in r:
            continue
        got = r[col]
        if want is None or got is None:
            if got not in (None, 0.0) or want not in (None, 0.0):
                ctx.add("demand", f"{what}: {col} says {'blank' if got is None else fmt(got)} but it is "
                        f"{'blank' if want is None else fmt(want)}{why}", None, inputs=inp,
                        solution=[("deliveries", r["_row"])])
            continue
        rate = pen if col == "penalty_cost" else (price or 0.0) if col == "revenue" else 0.0
        tol = money_slack(got, want) + rate * ABS_T if col in ("penalty_cost", "revenue") else slack(got, want)
        if abs(got - want) > tol:
            ctx.add("demand", f"{what}: {col} says {fmt(got)} but it is {fmt(want)}{why}", abs(got - want),
                    inputs=inp, solution=[("deliveries", r["_row"])])
