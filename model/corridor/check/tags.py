"""Checker family ``provenance``: the tag columns of the plan are consistent, so no rule is dodged.

route_flows and inventory rows carry provenance tags (tech_origin_tag, processing_country_tag,
earmarked_end_use, transited_tag) where licence rules, policies or charges tell tonnes apart; the licence,
policy and charge families read them.  This family verifies that the tags are the tonnes' true history (which
parts are tracked: `earmarks.Tracking`):

- ``tech_origin_tag`` / ``processing_country_tag``: set by the site that made the tonnes (its
  ``tech_origin`` / its country) and kept by routes; they must be set where a controlled_content rule
  names the technology for the commodity / an active processing_country policy or a charge names the country;
  tonnes from supply or initial stock have none;
- ``earmarked_end_use``: the end use the tonnes are delivered to (contract: end-use rules apply to the
  tonnes delivered to demand of that end use), and with chain rules (contract v2) the destination as well
  (``civil>US``; ``~``: a country no chain rule names).  Tonnes earmarked e go only to demand of end use e, and
  tonnes earmarked ``*`` only to other end uses, wherever an end-use rule could match the commodity
  (docs/formulation.md, Tags); tonnes earmarked for destination X only to markets in X; processing keeps the parts
  of the earmark its input carries;
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

Contract v2, co-products and reagents: a co-product carries the site's provenance (technology origin where a rule
names it for the co-product, processing country) and the transit of the input it was made from; it keeps the
parts of the earmark the input carries and takes any other earmark on its own, tonne by tonne, whatever the main
output took (docs/formulation.md section 9).  Each co-product is a known source (yield x input_t) whose tonnes
may take those tags from any input tag present at the node.  (The network does not tie the split of a
co-product's tags to the split of the input's: flow cannot be copied.  So a plan whose co-products took another
mix of the input's transit tags or input-carried earmarks than the input had is not caught; technology,
processing country and any tag the input never had are.)  The reagents a process consumes and the tonnes the
disposal sheet discards are known sinks that take tonnes of any provenance.
"""
from __future__ import annotations

from collections import defaultdict, deque
from itertools import combinations

from corridor.check.common import INF, NONE, Ctx, fmt, slack
from corridor.check.coproducts import made as made_by
from corridor.check.earmarks import Tracking
from corridor.check.plan import tc_text


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
    for (n, c, q), v in ctx.discarded.items():
        at[(n, q)].setdefault("discard", []).append((c, v))
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

    def out_tags(site, co, t):
        """The tags of ``co`` that process ``site`` makes from input tagged ``t`` (its transit, the parts of its
        earmark the input carries)."""
        tech, country = site.get("tech_origin"), case.country[n]
        ccs = {tech} if (co, tech) in tr.cc else {NONE, tech}
        pcs = {country} if country in tr.pc else {NONE, country}
        return [(co, cc, pc, eu, t[4]) for cc in ccs for pc in pcs
                for eu in tr.made(site["input_commodity"], co, t[3])]

    def arc(a, b, tag=True):
        if (a, b) not in made:
            made.add((a, b))
            if tag:
                tags.add(b)
            net.edge(a, b, INF)

    def convert():
        for site in procs + procs[:-1]:  # twice round, but the last, so that outputs feed later processes
            ci = site["input_commodity"]
            for t in [t for t in tags if t[0] == ci]:
                key = ("process", ci, t[4], tr.kept(ci, t[3]))
                arc(t, key, tag=False)
                for out in out_tags(site, site["output_commodity"], t):
                    arc(key, out)

    sources, sinks = {}, []  # contract v2: co-products made (sources), reagents consumed and discards (sinks)

    def co_products():
        for site in procs:
            s, ci = (n, site["input_commodity"]), site["input_commodity"]
            rows = ctx.proc_rows.get((s, p), [])
            for prod, v in made_by(case, s, ctx.input_t[(s, p)]):
                c = prod.commodity
                if v < 0 and (s, c) not in sources:
                    sources[(s, c)] = d = ("reagent", s, c)
                    known_out.append((net.edge(d, snk, -v * scale[c]), scale[c], f"{c} consumed as reagent by site "
                                      f"{case.label(s)}", rows + ctx.product_rows.get((s, c, p), [])))
                    sinks.append((c, d))
                elif v > 0:
                    if (s, c) not in sources:
                        sources[(s, c)] = ("co-product", s, c)
                        known_in.append((net.edge(src, sources[(s, c)], v * scale[c]), scale[c], f"{c} made as "
                                         f"co-product by site {case.label(s)}", rows + ctx.product_rows.get((s, c, p),
                                                                                                            [])))
                    for t in [t for t in tags if t[0] == ci]:  # the provenance of the output made from t
                        for out in out_tags(site, c, t):
                            arc(sources[(s, c)], out)

    convert()
    if any(case.products.get((n, site["input_commodity"])) for site in procs):
        for _ in range(2):  # co-products may feed the node's processes, whose outputs may make co-products
            co_products()
            convert()
    for c, v in here.get("discard", ()):
        if v > 0:
            d = ("discard", c)
            known_out.append((net.edge(d, snk, v * scale[c]), scale[c], f"{c} discarded",
                              ctx.discard_rows[(n, c, p)]))
            sinks.append((c, d))
    for c, d in sinks:  # tonnes of any provenance may be consumed or discarded
        for t in [t for t in tags if t[0] == c]:
            net.edge(t, d, INF)
    for c, e, v in here.get("deliver", ()):
        if v > 0:
            d = ("deliver", c, e)
            want = tr.demand_class(c, e, case.country[n])
            what = f"{c} delivered to demand of end use {e} (tonnes earmarked '{want}')"
            known_out.append((net.edge(d, snk, v * scale[c]), scale[c], what, ctx.deliv_rows[(n, c, e, p)]))
            for t in tags:
                if t[0] == c and t[3] == want:
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
