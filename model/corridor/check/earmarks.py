"""What the provenance tags of the plan may hold: the tag parts the input makes meaningful (`Tracking`), and the
states tonnes can be in and still reach a use (`live_states`), read from docs/formulation.md ('Tags', 'Pruning',
section 5 'Rules that follow the chain' and section 9 for co-products), independently of the model's code.

- technology (``tech_origin_tag``): the producing site's tech_origin where a controlled_content rule names it for
  the commodity (co-products included);
- processing country (``processing_country_tag``): the producing site's country where an active
  processing_country policy, or a charge on flows or deliveries (contract v2), names it;
- transit (``transited_tag``): the countries active transit_country policies name;
- earmark (``earmarked_end_use``): an end use and, with chain rules (contract v2 ``licences.scope = chain``), a
  destination, joined as ``use>DEST`` (``civil>US``, ``*>~``: ``~`` is every destination no chain rule names).
  A commodity is use-tagged when a rule with an end_use could match one of its routes, or when it is made from a
  use-tagged input; it is destination-tagged when a chain rule names it, or when it is made from a
  destination-tagged input.  Processing keeps the parts of the earmark its input carries, for every output:
  the main output and each co-product alike; a part the input does not carry is chosen for each output tonne on
  its own (so civil oxide and a defense co-product can come from the same tonne of concentrate).  Demand of end
  use e at a market in country X takes tonnes earmarked e (or ``*``) and X (or ``~``).
"""
from __future__ import annotations

from collections import defaultdict

from corridor.check.case import Case, chain_rule, listed, rule_matches
from corridor.check.common import ANY_USE, ELSEWHERE, NONE, STAR, dest_of, earmark, use_of


class Tracking:
    """Which tag parts the input makes meaningful (see the module docstring)."""

    def __init__(self, case: Case):
        commodities = [r["commodity"] for r in case.inputs.tables["commodities"]]
        self.cc = {(c, r["country"]) for r in case.rules if r["applies_to"] == "controlled_content"
                   for c in commodities if listed(r.get("commodity"), c)}
        self.pc = {p["value"] for p in case.policies if p["measure"] == "processing_country"}
        self.pc |= {ch.country for ch in case.charges.values() if ch.target_type != "site" and ch.country}
        self.tc = {p["value"] for p in case.policies if p["measure"] == "transit_country"}
        self.labels = sorted({r["end_use"] for r in case.rules if r.get("end_use") not in (None, STAR)})
        techs = defaultdict(lambda: {NONE})
        for s, rec in case.procs.items():
            for co in outputs(case, s):  # co-products carry the site's technology (contract v2)
                if (co, rec.get("tech_origin")) in self.cc:
                    techs[co].add(rec.get("tech_origin"))
        relevant = set()
        for rule in case.rules:
            if rule.get("end_use") in (None, STAR):
                continue
            for route in case.routes.values():
                if any(rule_matches(rule, route, cc, rule["end_use"]) for cc in techs[route.commodity]):
                    relevant.add(route.commodity)
        self.relevant = _made_from(case, relevant)  # use-tagged
        chains = [r for r in case.rules if chain_rule(r)]
        self.dest_labels = sorted({x for r in chains for x in r["destination_country"]})
        self.dest_tagged = _made_from(case, {c for r in chains for c in commodities if listed(r.get("commodity"), c)})

    def dests(self, c: str) -> list:
        """The destination earmarks tonnes of c can carry ([None]: c is not destination-tagged)."""
        return self.dest_labels + [ELSEWHERE] if c in self.dest_tagged else [None]

    def uses(self, c: str) -> list:
        """Earmarks tonnes of c can have (end use, with the destination when c is destination-tagged)."""
        base = self.labels + [ANY_USE] if c in self.relevant else [ANY_USE]
        return [earmark(u, d) for u in base for d in self.dests(c)]

    def demand_class(self, c: str, e: str, country: str | None = None) -> str:
        """The earmark of the tonnes that may serve demand of end use e for c at a market in ``country``."""
        use = e if c in self.relevant and e in self.labels else ANY_USE
        if c not in self.dest_tagged:
            return use
        return earmark(use, country if country in self.dest_labels else ELSEWHERE)

    def made(self, c_in: str, c_out: str, eu: str) -> list:
        """The earmarks output (or co-product) ``c_out`` may carry when made from input ``c_in`` earmarked ``eu``:
        the parts the input carries are kept, the others are free."""
        keep_use, keep_dest = c_in in self.relevant, c_in in self.dest_tagged
        return [x for x in self.uses(c_out) if (not keep_use or use_of(x) == use_of(eu))
                and (not keep_dest or dest_of(x) == dest_of(eu))]

    def kept(self, c_in: str, eu: str) -> tuple:
        """The parts of an input's earmark that processing keeps (None for a part it does not)."""
        return (use_of(eu) if c_in in self.relevant else None, dest_of(eu) if c_in in self.dest_tagged else None)


def _made_from(case, tagged):
    """``tagged`` and, to a fixpoint, every output and co-product of a process whose input is in it."""
    tagged = set(tagged)
    changed = True
    while changed:
        changed = False
        for s, rec in case.procs.items():
            outs = set(outputs(case, s))
            if rec["input_commodity"] in tagged and not outs <= tagged:
                tagged |= outs
                changed = True
    return tagged


def outputs(case: Case, s: tuple) -> list:
    """What process ``s`` makes: its output commodity, then its co-products (site_products yield > 0)."""
    return [case.procs[s]["output_commodity"]] + [x.commodity for x in case.products.get(s, ()) if x.yield_ > 0]


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
    """(node, commodity, technology tag, earmark) states tonnes can be in and still reach a use of theirs.

    Forward from the sources (supply with capacity in some period; initial stock in an open horizon) over
    routes that can run and that no prohibiting rule (prohibited, or required and not granted) matches, and
    over processes that can run in some period (capacities with every unit of their investments); then backward
    from the demand rows (tonnes earmarked as the demand's class).  docs/formulation.md ('Pruning', 'What is not
    modelled'): initial stock with no live state is dropped, and an existing process without a live processing
    arc has no minimum throughput.  Contract v2: processes make their co-products too, a reagent at its site node
    counts as a use, and the outputs of a live arc are kept at the site node (`_forced`).
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
        if (n, c) in working:
            main, cos = _options(case, tr, (n, c), state)
            nxt += main + [x for opts in cos for x in opts]
        for item in nxt:
            preds[item].add(state)
            if item not in reached:
                reached.add(item)
                todo.append(item)
    classes = {(m, c, tr.demand_class(c, e, case.country[m])) for (m, c, e, _p) in case.demand}
    reagents = {(s[0], x.commodity) for s, xs in case.products.items() for x in xs if x.yield_ < 0}
    useful = {x for x in reached if (x[0], x[1], x[3]) in classes or x[:2] in reagents}  # reagents are a use
    todo = list(useful)
    while todo:
        for x in preds.get(todo.pop(), ()):
            if x not in useful:
                useful.add(x)
                todo.append(x)
    return useful | _forced(case, tr, working, useful)


def _options(case, tr, s, state):
    """(the output states process ``s`` may make from input ``state``, [per co-product the states it may make]):
    technology where a rule tracks it, the earmark kept or chosen (`Tracking.made`)."""
    n, c, _cc, eu = state
    tech = case.procs[s].get("tech_origin")

    def states(co):
        return [(n, co, tech if (co, tech) in tr.cc else NONE, e2) for e2 in tr.made(c, co, eu)]

    return states(case.procs[s]["output_commodity"]), [states(x.commodity) for x in case.products.get(s, ())
                                                       if x.yield_ > 0]


def _arcs(case, tr, s, state, live):
    """The live processing arcs of ``s`` from input ``state``: the output states kept (live, or every one when a
    co-product is live), and per co-product its live states (or its first: the tonnes are made all the same)."""
    main, cos = _options(case, tr, s, state)
    co_live = any(x in live for opts in cos for x in opts)
    kept = [x for x in main if x in live or co_live]
    return (kept, [[x for x in opts if x in live] or opts[:1] for opts in cos]) if kept else None


def _reagents_reach(case, s, live):
    """Every reagent of process ``s`` has a live state at its node."""
    return all(any(x[:2] == (s[0], prod.commodity) for x in live) for prod in case.products.get(s, ())
               if prod.yield_ < 0)


def _forced(case, tr, working, live):
    """Outputs of live processing arcs (an arc whose input is live, whose reagents reach the node and one of whose
    outputs is live): made jointly, each output then exists at the site node, live or not."""
    out = set()
    for s in working:
        if not case.products.get(s) or not _reagents_reach(case, s, live):
            continue
        for state in [x for x in live if x[:2] == s]:
            arc = _arcs(case, tr, s, state, live)
            if arc is not None:
                out.update(arc[0])
                out.update(x for opts in arc[1] for x in opts)
    return out


def dead_initial_stock(case: Case, tr: Tracking, live: set | None = None) -> set:
    """Storage rows whose initial stock (open horizon) has no live state: dropped (docs/formulation.md)."""
    live = live_states(case, tr) if live is None else live
    return {(n, c) for (n, c), v in case.storage.items() if v[2] > 0
            and not any((n, c, NONE, eu) in live for eu in tr.uses(c))}


def idle_sites(case: Case, tr: Tracking, live: set | None = None) -> set:
    """Existing processes (site, input commodity) with no live processing arc (no live input state whose output,
    or one of whose co-products, is live too; contract v2: or a reagent has no live state at the site node)."""
    live = live_states(case, tr) if live is None else live
    out = set()
    for s, rec in case.procs.items():
        if rec.get("status") == "candidate":
            continue
        if not _reagents_reach(case, s, live) or not any(_arcs(case, tr, s, state, live) is not None
                                                         for state in live if state[:2] == s):
            out.add(s)
    return out


__all__ = ["Tracking", "dead_initial_stock", "idle_sites", "live_states", "outputs", "runnable_routes"]
