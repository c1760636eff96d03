"""Checker family ``provenance``: the tag columns of the plan are consistent, so no rule is dodged.

route_flows and inventory rows carry provenance tags (tech_origin_tag, processing_country_tag,
earmarked_end_use, transited_tag) where licence rules or policies tell tonnes apart; the licence and policy
families read them.  This family verifies that the tags are the tonnes' true history:

- ``tech_origin_tag`` / ``processing_country_tag``: set by the site that made the tonnes (its
  ``tech_origin`` / its country) and kept by routes; they must be set where a controlled_content rule
  names the technology for the commodity / an active processing_country policy names the country;
  tonnes from supply or initial stock have none;
- ``earmarked_end_use``: the end use the tonnes are delivered to (contract: end-use rules apply to the
  tonnes delivered to demand of that end use).  Tonnes earmarked e go only to demand of end use e, and
  tonnes earmarked ``*`` only to other end uses, wherever an end-use rule could match the commodity
  (docs/formulation.md, Tags); the earmark survives processing when the input commodity is earmarked;
- ``transited_tag``: includes every country named by an active transit_country policy that a leg of the
  route (or of an earlier route of the same tonnes, or of the ore they were made from) ran in, with
  neither end of that route in it.

Method: for every (node, period) where the commodity balances hold, tonnes of each tag must balance too.
The unknown splits (supply over earmarks, which tags a site processes and which it makes, which tags are
delivered) make this a flow problem: a circulation in which every known quantity (arrivals, stock,
departures, deliveries, supply, processing) must be carried in full.  Output tonnes are counted in
tonnes of input (divided by the yield) so that processing conserves flow; a site with several processes
(contract v2: one per input commodity) has one such arc per process, and each commodity its own scale along
the chain of processes (output of one may be the input of another).  It is solved with a small
max-flow (Edmonds-Karp), independent of any solver.
"""
from __future__ import annotations

from collections import defaultdict, deque
from itertools import combinations

from corridor.check.case import Case, rule_matches
from corridor.check.common import ANY_USE, INF, NONE, STAR, Ctx, fmt, slack
from corridor.check.plan import tc_text


class Tracking:
    """Which tag parts the input makes meaningful (see the module docstring)."""

    def __init__(self, case: Case):
        commodities = [r["commodity"] for r in case.inputs.tables["commodities"]]
        self.cc = {(c, r["country"]) for r in case.rules if r["applies_to"] == "controlled_content"
                   for c in commodities if r.get("commodity") in (None, STAR) or c in r["commodity"]}
        self.pc = {p["value"] for p in case.policies if p["measure"] == "processing_country"}
        self.tc = {p["value"] for p in case.policies if p["measure"] == "transit_country"}
        self.labels = sorted({r["end_use"] for r in case.rules if r.get("end_use") not in (None, STAR)})
        techs = defaultdict(lambda: {NONE})
        for rec in case.procs.values():
            if (rec["output_commodity"], rec.get("tech_origin")) in self.cc:
                techs[rec["output_commodity"]].add(rec.get("tech_origin"))
        relevant = set()
        for rule in case.rules:
            if rule.get("end_use") in (None, STAR):
                continue
            for route in case.routes.values():
                if any(rule_matches(rule, route, cc, rule["end_use"]) for cc in techs[route.commodity]):
                    relevant.add(route.commodity)
        changed = True
        while changed:  # an earmarked input keeps its earmark through processing
            changed = False
            for rec in case.procs.values():
                if rec["input_commodity"] in relevant and rec["output_commodity"] not in relevant:
                    relevant.add(rec["output_commodity"])
                    changed = True
        self.relevant = relevant

    def uses(self, c: str) -> list:
        """Earmarks tonnes of c can have."""
        return self.labels + [ANY_USE] if c in self.relevant else [ANY_USE]

    def demand_class(self, c: str, e: str) -> str:
        """The earmark of the tonnes that may serve demand of end use e for c."""
        return e if c in self.relevant and e in self.labels else ANY_USE


def runnable_routes(case: Case) -> set:
    """Routes that can run in some dispatch period: arrival within the horizon, the route's, corridor's and every
    leg's capacity > 0 (legs in the period they are used, with every unit of their investments), and room for the
    route's min_volume_t."""
    out = set()
    for r, route in case.routes.items():
        for p in case.periods:
            if case.cal.shift(p, route.total_days) is None:
                continue
            bound = case.route_max(r, p)[0]
            caps = [case.leg_capacity(leg, case.cal.shift(p, b), case.most("leg", leg))[0]
                    for leg, b in zip(route.legs, route.before)]
            bound = min([bound] + caps)
            if bound > 0 and bound >= route.min_t:
                out.add(r)
                break
    return out


def live_states(case: Case, tr: Tracking) -> set:
    """(node, commodity, technology tag, earmark) states tonnes can be in and still reach a demand of theirs.

    Forward from the sources (supply with capacity in some period; initial stock in an open horizon) over
    routes that can run and that no prohibiting rule (prohibited, or required and not granted) matches, and
    over processes that can run in some period (capacities with every unit of their investments); then backward
    from the demand rows (tonnes earmarked as the demand's class).  docs/formulation.md ('Pruning', 'What is not
    modelled'): initial stock with no live state is dropped, and an existing process without a live processing
    arc has no minimum throughput.
    """
    runnable = runnable_routes(case)
    out_routes = defaultdict(list)
    for r in runnable:
        out_routes[case.routes[r].origin].append(case.routes[r])
    working = defaultdict(list)  # (node, input commodity) -> the process records that can run
    for s, rec in case.procs.items():
        if any(case.site_period(s, p, case.most("site", s))[0] > 0 for p in case.periods):
            working[s].append(rec)
    blocking = [x for x in case.rules if x["rule"] == "prohibited" or x.get("granted") == "no"]
    start = {(n, c, NONE, eu) for (n, c, _p), v in case.supply.items() if v.cap(case.most("supply", (n, c))) > 0
             for eu in tr.uses(c)}
    start |= {(n, c, NONE, eu) for (n, c), v in case.storage.items() if v[2] > 0 for eu in tr.uses(c)}
    reached, preds, todo = set(start), defaultdict(set), list(start)
    while todo:
        state = todo.pop()
        n, c, cc, eu = state
        nxt = [(route.destination, c, cc, eu) for route in out_routes[n] if route.commodity == c
               and not any(rule_matches(x, route, cc, eu) for x in blocking)]
        for rec in working.get((n, c), ()):
            co, tech = rec["output_commodity"], rec.get("tech_origin")
            cc2 = tech if (co, tech) in tr.cc else NONE
            nxt += [(n, co, cc2, e2) for e2 in ([eu] if c in tr.relevant else tr.uses(co))]
        for item in nxt:
            preds[item].add(state)
            if item not in reached:
                reached.add(item)
                todo.append(item)
    classes = {(m, c, tr.demand_class(c, e)) for (m, c, e, _p) in case.demand}
    useful = {x for x in reached if (x[0], x[1], x[3]) in classes}
    todo = list(useful)
    while todo:
        for x in preds.get(todo.pop(), ()):
            if x not in useful:
                useful.add(x)
                todo.append(x)
    return useful


def dead_initial_stock(case: Case, tr: Tracking, live: set | None = None) -> set:
    """Storage rows whose initial stock (open horizon) has no live state: dropped (docs/formulation.md)."""
    live = live_states(case, tr) if live is None else live
    return {(n, c) for (n, c), v in case.storage.items() if v[2] > 0
            and not any((n, c, NONE, eu) in live for eu in tr.uses(c))}


def idle_sites(case: Case, tr: Tracking, live: set | None = None) -> set:
    """Existing processes (site, input commodity) with no live processing arc (no live input state whose output
    is live too)."""
    live = live_states(case, tr) if live is None else live
    out = set()
    for s, rec in case.procs.items():
        ci, co, tech = rec["input_commodity"], rec["output_commodity"], rec.get("tech_origin")
        cc2 = tech if (co, tech) in tr.cc else NONE
        arcs = [(s[0], co, cc2, e2) for (n, c, _cc, eu) in live if n == s[0] and c == ci
                for e2 in ([eu] if ci in tr.relevant else tr.uses(co))]
        if rec.get("status") != "candidate" and not any(a in live for a in arcs):
            out.add(s)
    return out


def tag_text(tag: tuple) -> str:
    """A tag (commodity, technology, processing country, end use, transit) as the text the solution shows."""
    c, cc, pc, eu, tc = tag
    return f"{c}|{cc}|{pc}|{eu}|{tc_text(tc)}"


class _Net:
    """A flow network with float capacities; `maxflow` by shortest augmenting paths (Edmonds-Karp)."""

    def __init__(self):
        self.adj, self.to, self.cap = defaultdict(list), [], []

    def edge(self, u, v, c):
        self.adj[u].append(len(self.to))
        self.to.append(v)
        self.cap.append(c)
        self.adj[v].append(len(self.to))
        self.to.append(u)
        self.cap.append(0.0)
        return len(self.to) - 2

    def flow(self, e):
        return self.cap[e ^ 1]

    def maxflow(self, s, t, eps):
        total = 0.0
        while True:
            prev, queue = {s: None}, deque([s])
            while queue and t not in prev:
                u = queue.popleft()
                for e in self.adj[u]:
                    if self.cap[e] > eps and self.to[e] not in prev:
                        prev[self.to[e]] = e
                        queue.append(self.to[e])
            if t not in prev:
                return total
            b, v = INF, t
            while v != s:
                e = prev[v]
                b = min(b, self.cap[e])
                v = self.to[e ^ 1]
            v = t
            while v != s:
                e = prev[v]
                self.cap[e] -= b
                self.cap[e ^ 1] += b
                v = self.to[e ^ 1]
            total += b


def check_provenance(ctx: Ctx) -> None:
    """``provenance``: see the module docstring.  Per route_flows row, the transited tag holds the route's
    tracked transit countries; per (node, period), the tonnes of every tag balance (flow feasibility)."""
    case = ctx.case
    tr = Tracking(case)
    for f in ctx.flows:
        missing = (f.r.transit & tr.tc) - f.tag[3]
        if missing:
            ctx.add("provenance", f"route {f.route} dispatched in {f.period}: the route crosses "
                    f"{', '.join(sorted(missing))} in transit (a transit_country policy tracks it) but the "
                    f"row's transited_tag '{tc_text(f.tag[3])}' omits it", f.tonnes,
                    inputs=[("routes", f.r.row)], solution=[("route_flows", f.row)])
    at = defaultdict(dict)
    for f in ctx.flows:
        at[(f.r.origin, f.period)].setdefault("out", []).append(f)
        if f.arrive is not None:
            at[(f.r.destination, f.arrive)].setdefault("in", []).append(f)
    for (n, t, q), v in ctx.stock.items():
        if v:
            at[(n, q)].setdefault("stock", []).append((t, v))
    for (n, c, q), v in ctx.supply.items():
        at[(n, q)].setdefault("supply", []).append((c, v))
    for (m, c, e, q), v in ctx.delivered.items():
        at[(m, q)].setdefault("deliver", []).append((c, e, v))
    nodes = {n for (n, _p) in at} | {s[0] for (s, _p) in ctx.input_t}
    for n in sorted(nodes):
        for p in case.periods:
            if (n, p) not in ctx.unbalanced:
                _check_node(ctx, tr, n, p, at)


def _origin_tags(f):
    """Tags the tonnes of row f may have had at the route's origin: its arrival tag, less any of the tokens
    the route itself adds to the transited tag (its transit countries, or its corridor as '@corridor')."""
    c = f.r.commodity
    cc, pc, eu, tc = f.tag
    own = sorted(tc & (f.r.transit | {"@" + f.r.corridor}))
    out = []
    for k in range(len(own) + 1):
        for drop in combinations(own, k):
            out.append((c, cc, pc, eu, frozenset(tc - set(drop))))
    return out


def _ordered(procs):
    """The processes of a node, each after those that make its input (a circle keeps its sheet order)."""
    out, left = [], list(procs)
    while left:
        made = {r["output_commodity"] for r in left}
        ready = [r for r in left if r["input_commodity"] not in made] or left[:1]
        out += ready
        left = [r for r in left if r not in ready]
    return out


def _scales(procs):
    """Commodity -> the factor its tonnes count with in the node's flow network, so that processing conserves
    flow (output counted in tonnes of the input it was made from: scale(output) = scale(input) / yield, over
    every process of the node); None when a circle of processes makes that impossible."""
    adj = defaultdict(list)
    for r in procs:
        ci, co, y = r["input_commodity"], r["output_commodity"], r["yield"]
        adj[ci].append((co, 1.0 / y))
        adj[co].append((ci, y))
    scale = {}
    for root in adj:
        if root in scale:
            continue
        scale[root], todo = 1.0, [root]
        while todo:
            c = todo.pop()
            for d, k in adj[c]:
                want = scale[c] * k
                if d not in scale:
                    scale[d] = want
                    todo.append(d)
                elif abs(scale[d] - want) > 1e-9 * max(scale[d], want):
                    return None
    return defaultdict(lambda: 1.0, scale)


def _check_node(ctx, tr, n, p, at):
    case = ctx.case
    empty = {}
    here, before = at.get((n, p), empty), at.get((n, case.cal.prev(p)), empty)
    net, tags = _Net(), set()
    src, snk = ("SRC",), ("SNK",)
    procs = _ordered([case.procs[s] for s in case.at_site(n) if ctx.input_t.get((s, p), 0.0) > 0
                      and case.procs[s]["yield"] > 0])
    scale = _scales(procs)
    if scale is None:
        ctx.report.notes.append(f"node {n}, {p}: the provenance tags were not checked: its processes turn "
                                "commodities into each other in a circle whose yields do not multiply to 1")
        return
    known_in, known_out = [], []  # (edge, scale of its commodity, what, solution rows)
    made = set()

    def supply_edge(what, c, amount, rows):
        e = net.edge(src, (what, c), amount * scale[c])
        known_in.append((e, scale[c], f"{what} of {c}", rows))
        for eu in tr.uses(c):
            t = (c, NONE, NONE, eu, frozenset())
            tags.add(t)
            net.edge((what, c), t, INF)

    for f in here.get("in", ()):
        t = (f.r.commodity,) + f.tag
        tags.add(t)
        known_in.append((net.edge(src, t, f.tonnes * scale[t[0]]), scale[t[0]],
                         f"{tag_text(t)} arriving by {f.route}", [("route_flows", f.row)]))
    prev = case.cal.prev(p)
    for t, v in before.get("stock", ()) if prev is not None else ():
        tags.add(t)
        known_in.append((net.edge(src, t, v * scale[t[0]]), scale[t[0]],
                         f"{tag_text(t)} in stock at the end of {prev}", ctx.stock_rows[(n, t[0], prev)]))
    for t, v in here.get("stock", ()):
        tags.add(t)
        known_out.append((net.edge(t, snk, v * scale[t[0]]), scale[t[0]], f"{tag_text(t)} kept in stock",
                          ctx.stock_rows[(n, t[0], p)]))
    if prev is None:
        for (m, c), (_cap, _hold, init, row) in case.storage.items():
            if m == n and init > 0 and (m, c) not in ctx.dropped_initial:
                supply_edge("initial stock", c, init, [])
    for c, v in here.get("supply", ()):
        if v > 0:
            supply_edge("supply", c, v, [])
    for f in here.get("out", ()):
        row = ("row", f.row)
        known_out.append((net.edge(row, snk, f.tonnes * scale[f.r.commodity]), scale[f.r.commodity],
                          f"{tag_text((f.r.commodity,) + f.tag)} leaving by {f.route}", [("route_flows", f.row)]))
        for t in _origin_tags(f):
            tags.add(t)
            net.edge(t, row, INF)
    for site in procs + procs[:-1]:  # twice round, but the last, so that outputs feed later processes
        ci, co = site["input_commodity"], site["output_commodity"]
        tech, country = site.get("tech_origin"), case.country[n]
        ccs = {tech} if (co, tech) in tr.cc else {NONE, tech}
        pcs = {country} if country in tr.pc else {NONE, country}
        keep_use = ci in tr.relevant
        for t in [t for t in tags if t[0] == ci]:
            key = ("process", ci, t[4], t[3] if keep_use else None)
            if (t, key) not in made:
                made.add((t, key))
                net.edge(t, key, INF)
            for cc in ccs:
                for pc in pcs:
                    for eu in ([t[3]] if keep_use else tr.uses(co)):
                        out = (co, cc, pc, eu, t[4])
                        if (key, out) not in made:
                            made.add((key, out))
                            tags.add(out)
                            net.edge(key, out, INF)
    for c, e, v in here.get("deliver", ()):
        if v > 0:
            d = ("deliver", c, e)
            what = f"{c} delivered to demand of end use {e} (tonnes earmarked '{tr.demand_class(c, e)}')"
            known_out.append((net.edge(d, snk, v * scale[c]), scale[c], what, ctx.deliv_rows[(n, c, e, p)]))
            for t in tags:
                if t[0] == c and t[3] == tr.demand_class(c, e):
                    net.edge(t, d, INF)
    if not known_in and not known_out:
        return
    ctx.count("tag balances")
    total = sum(net.cap[e] for e, _k, _w, _r in known_in)
    need = sum(net.cap[e] for e, _k, _w, _r in known_out)
    got = net.maxflow(src, snk, 1e-12 * max(1.0, total))
    tol = slack(total, need) * max(scale.values(), default=1.0)
    if got >= max(total, need) - tol:
        return
    left_out = [(net.cap[e] / k, w, r) for e, k, w, r in known_out if net.cap[e] > tol]
    left_in = [(net.cap[e] / k, w, r) for e, k, w, r in known_in if net.cap[e] > tol]
    if not left_out and not left_in:  # what is left is spread thinner than the tolerance on every edge
        return
    parts = [f"{fmt(v)} t of {w} cannot be traced to tonnes of that provenance here" for v, w, _r in left_out[:4]]
    parts += [f"{fmt(v)} t of {w} neither leave nor are processed, delivered or kept as that provenance"
              for v, w, _r in left_in[:4]]
    rows = [r for _v, _w, rs in left_out + left_in for r in rs]
    ctx.add("provenance", f"node {n}, {p}: the provenance tags do not balance: " + "; ".join(parts),
            max(v for v, _w, _r in left_out + left_in), solution=rows)
