"""Tagged commodities: what a tonne must remember so that every licence rule and policy holds exactly.

A licence rule may depend on where a tonne was processed (`controlled_content`: the producing site's
``tech_origin``) and on the end use it is delivered to (rules with an ``end_use``); a policy may depend on
the processing country.  Tonnes that rules treat differently must not mix, so flows, stock and
processing are indexed by a *tag* ``commodity|cc|pc|eu|tc``:

- ``cc``: the producing site's ``tech_origin`` when a `controlled_content` rule names that country for
  the commodity, else ``-``;
- ``pc``: the producing site's country when a `processing_country` policy or a charge (on flows or deliveries)
  names it, else ``-``;
- ``eu``: the end use the tonnes are earmarked for, when a rule with that ``end_use`` could match the
  commodity (or an input of it), else ``*`` (any other end use);
- ``tc``: the countries named by `transit_country` policies that the tonnes (or the ore they were made
  from) have crossed in transit anywhere along their chain, ``+``-joined, else ``-``.  When the objective
  is ``max_dependence`` every transit country is tracked, every site's country is its ``pc``, and ``tc``
  also holds ``@corridor`` for the corridor that carried the tonnes out of the producing country.  A route adds the
  countries it transits (a leg in the country, neither end in it); processing keeps its input's ``tc``.
  So "no tonnes through CN" for a market also excludes oxide refined in Malaysia from ore railed across
  China: the market's supply then does not depend on the transit country.

Co-products (contract v2 ``site_products``) are made with the output and carry its provenance: its ``pc``,
``eu`` and ``tc``, and the site's ``tech_origin`` as ``cc`` when a `controlled_content` rule names it for the
co-product; an input's earmark is kept by every output, an earmark the input does not carry is chosen for
each output tonne on its own (`coproduct_options`).  A reagent at a site node counts as a use of the tonnes
that reach it.

Only tags that some rule or policy tells apart are created, so a case without such rules has exactly
one tag per commodity, and tags are pruned to those that can be reached from a source and can reach a
use (forward and backward reachability over routes and sites).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING

from corridor.io.schema import STAR

if TYPE_CHECKING:
    from corridor.formulation.case_data import CaseData, Route

NONE = "-"
ANY_USE = "*"
TO = ">"  # joins an end use and a destination earmark in the eu part: ``defense>US``
ELSEWHERE = "~"  # the destination earmark of tonnes bound for no country a chain rule names


def use_of(eu: str) -> str:
    """The end-use part of an earmark (``defense>US`` -> ``defense``)."""
    return eu.split(TO, 1)[0]


def dest_of(eu: str) -> str | None:
    """The destination part of an earmark (``defense>US`` -> ``US``; None when not earmarked by destination)."""
    parts = eu.split(TO, 1)
    return parts[1] if len(parts) > 1 else None


def earmark(use: str, dest: str | None) -> str:
    """The eu part of a tag: the end use, and the destination when chain rules earmark it."""
    return use if dest is None else f"{use}{TO}{dest}"


def chain(rule: dict) -> bool:
    """A licence rule with ``scope = chain`` that names destinations (contract v2): read at the end of the chain."""
    return rule.get("scope") == "chain" and rule["destination_country"] not in (STAR, None)


def tag(c: str, cc: str = NONE, pc: str = NONE, eu: str = ANY_USE, tc: str = NONE) -> str:
    """The tag text of commodity ``c`` with its technology origin, processing country, end use and transit."""
    return f"{c}|{cc}|{pc}|{eu}|{tc}"


@lru_cache(maxsize=1 << 16)
def untag(k: str) -> tuple[str, ...]:
    """``(commodity, cc, pc, eu, tc)`` of a tag (remembered: a model has a few thousand tags, read many times)."""
    return tuple(k.split("|"))


def transited(k: str) -> set:
    """The countries the tonnes of tag ``k`` (or the ore they were made from) crossed in transit."""
    tc = untag(k)[4]
    return set() if tc == NONE else set(tc.split("+"))


def _listed(value, item) -> bool:
    return value == STAR or value is None or item in value


def rule_matches(rule: dict, route: Route, k: str) -> bool:
    """Does licence ``rule`` match tonnes of tag ``k`` moving on ``route`` (see the contract's licences)?"""
    c, cc, _pc, eu, _tc = untag(k)
    if not _listed(rule["commodity"], c):
        return False
    dest = dest_of(eu) if chain(rule) else route.d_country  # chain: where the tonnes are finally delivered
    if dest is not None and not _listed(rule["destination_country"], dest):
        return False
    if rule["end_use"] != STAR and use_of(eu) != rule["end_use"]:
        return False
    x, kind = rule["country"], rule["applies_to"]
    if kind == "transit":
        return x in route.leg_countries and route.o_country != x and route.d_country != x
    if kind == "export":
        return route.o_country == x and route.d_country != x
    return cc == x and route.d_country != x  # controlled_content


def route_could_match(rule: dict, route: Route) -> bool:
    """Cheap pre-filter: can ``rule`` match anything on ``route`` (commodity, destination, kind)?"""
    if rule["commodity"] not in (STAR, None) and route.commodity not in rule["commodity"]:
        return False
    if rule.get("scope") != "chain" and rule["destination_country"] not in (STAR, None) and \
            route.d_country not in rule["destination_country"]:
        return False
    x, kind = rule["country"], rule["applies_to"]
    if kind == "transit":
        return x in route.leg_countries and x not in (route.o_country, route.d_country)
    if kind == "export":
        return route.o_country == x and route.d_country != x
    return route.d_country != x


def rule_could_match_ignoring_use(rule: dict, route: Route, prov: tuple) -> bool:
    """Could ``rule`` match some tonnes of provenance ``prov`` on ``route`` (end use aside)?"""
    k = tag(route.commodity, prov[0], prov[1], rule["end_use"] if rule["end_use"] != STAR else ANY_USE)
    return rule_matches(rule, route, k)


def _downstream(seed: set, data: CaseData) -> set:
    """``seed`` and every commodity made (as output or co-product) from one in it, transitively."""
    out, changed = set(seed), True
    while changed:
        changed = False
        for s, rec in data.sites.items():
            outs = {rec["output_commodity"]} | {c2 for c2, _y in data.coproducts.get(s, ())}
            if rec["input_commodity"] in out and not outs <= out:
                out |= outs
                changed = True
    return out


class Tagging:
    """Decides the tags of each commodity and which (node, tag) pairs can exist."""

    def __init__(self, data: CaseData):
        self.d = data
        rules = data.rules
        sites = data.sites
        cc_countries = defaultdict(set)
        for r in rules:
            if r["applies_to"] == "controlled_content":
                for c in data.commodities:
                    if _listed(r["commodity"], c):
                        cc_countries[c].add(r["country"])
        proc_countries = {p["value"] for p in data.policy_rows if p["measure"] == "processing_country"}
        proc_countries |= {r["processing_country"] for r in data.inputs.tables.get("charges", [])
                           if r["target_type"] != "site" and r.get("processing_country") not in (None, STAR)}
        self.transit_flags = {p["value"] for p in data.policy_rows if p["measure"] == "transit_country"}
        self.export_corridor = {}  # route -> '@corridor' token, when dependence is tracked
        if data.settings.get("objective") == "max_security" and data.settings.get("security_metric") == \
                "max_dependence":
            # track every transit country, processing country and export corridor (see docs/security.md)
            proc_countries = {data.country[rec["site"]] for rec in sites.values()}
            self.transit_flags = {c for route in data.routes.values() for c in route.transit_countries}
            made_in = {data.country[r["node"]] for r in data.inputs.tables["supply"]}
            self.export_corridor = {r: "@" + route.corridor for r, route in data.routes.items()
                                    if route.o_country in made_in and route.d_country != route.o_country}
        self.site_prov = {}
        self.co_cc = {}  # (process, co-product) -> its cc (the site's tech_origin when a rule names it for c)
        provs = defaultdict(lambda: {(NONE, NONE)})
        for s, rec in sites.items():
            c = rec["output_commodity"]
            cc = rec["tech_origin"] if rec["tech_origin"] in cc_countries[c] else NONE
            pc = data.country[rec["site"]] if data.country[rec["site"]] in proc_countries else NONE
            self.site_prov[s] = (cc, pc)
            provs[c].add((cc, pc))
            for c2, _y in data.coproducts.get(s, ()):
                cc2 = rec["tech_origin"] if rec["tech_origin"] in cc_countries[c2] else NONE
                self.co_cc[(s, c2)] = cc2
                provs[c2].add((cc2, pc))
        self.use_labels = sorted({r["end_use"] for r in rules if r["end_use"] != STAR})
        tagged = set()
        for r in rules:
            if r["end_use"] == STAR:
                continue
            for route in data.routes.values():
                if any(rule_could_match_ignoring_use(r, route, pv) for pv in provs[route.commodity]):
                    tagged.add(route.commodity)
        self.use_tagged = _downstream(tagged, data)  # an earmarked input keeps its end use through processing
        self.provs = provs
        chains = [r for r in rules if chain(r)]
        self.dest_labels = sorted({x for r in chains for x in r["destination_country"]})
        self.dest_tagged = _downstream({c for r in chains for c in data.commodities if _listed(r["commodity"], c)},
                                       data)  # processing keeps the destination earmark of its input

    def dests(self, c: str) -> list:
        """The destination earmarks tonnes of ``c`` can carry (chain rules' countries and elsewhere; [None] when
        no chain rule reads c's destination)."""
        return self.dest_labels + [ELSEWHERE] if c in self.dest_tagged else [None]

    def uses(self, c: str) -> list:
        """The end-use earmarks tonnes of ``c`` can carry (the rules' labels and ``*``, or ``*`` alone)."""
        base = self.use_labels + [ANY_USE] if c in self.use_tagged else [ANY_USE]
        return [earmark(u, dd) for u in base for dd in self.dests(c)]

    def source_tags(self, c: str) -> list:
        """Tags of tonnes that enter at a supply point or as initial stock (no processing history)."""
        return [tag(c, NONE, NONE, eu) for eu in self.uses(c)]

    def site_outputs(self, s: str, k_in: str) -> list:
        """The output tags that processing input of tag ``k_in`` in process ``s`` makes."""
        rec = self.d.sites[s]
        c_in, c_out = rec["input_commodity"], rec["output_commodity"]
        cc, pc = self.site_prov[s]
        _c, _cc, _pc, eu_in, tc = untag(k_in)
        if c_in in self.use_tagged and c_in in self.dest_tagged:
            return [tag(c_out, cc, pc, eu_in, tc)]
        uses = [use_of(eu_in)] if c_in in self.use_tagged else sorted({use_of(eu) for eu in self.uses(c_out)},
                                                                       key=self._use_order)
        dests = [dest_of(eu_in)] if c_in in self.dest_tagged else self.dests(c_out)
        return [tag(c_out, cc, pc, earmark(u, dd), tc) for u in uses for dd in dests]

    def _use_order(self, u: str) -> int:
        return self.use_labels.index(u) if u in self.use_labels else len(self.use_labels)

    def coproduct_options(self, s: str, k_in: str) -> list:
        """Per co-product of process ``s`` (same order as ``coproducts[s]``), the tags its tonnes made from input
        tag ``k_in`` may carry: the site's processing country and (where a rule names it) technology, the
        input's transit chain, and the input's earmarks where the input carries them; an earmark the input
        does not carry is free (each co-product tonne may be earmarked on its own, like the output's)."""
        c_in = self.d.sites[s]["input_commodity"]
        _c, _cc, _pc, eu_in, tc = untag(k_in)
        pc = self.site_prov[s][1]
        out = []
        for c2, _y in self.d.coproducts.get(s, ()):
            options = self.uses(c2)
            if c_in in self.use_tagged:
                options = [eu for eu in options if use_of(eu) == use_of(eu_in)]
            if c_in in self.dest_tagged:
                options = [eu for eu in options if dest_of(eu) == dest_of(eu_in)]
            out.append([tag(c2, self.co_cc[(s, c2)], pc, eu, tc) for eu in options])
        return out

    def arrival_tag(self, route: Route, k: str) -> str:
        """The tag of tonnes of tag ``k`` when they arrive at the end of ``route`` (adds transit flags)."""
        add = route.transit_countries & self.transit_flags if self.transit_flags else set()
        if self.export_corridor and route.id in self.export_corridor:
            add = add | {self.export_corridor[route.id]}
        if not add:
            return k
        c, cc, pc, eu, _tc = untag(k)
        return tag(c, cc, pc, eu, "+".join(sorted(transited(k) | add)))

    def demand_class(self, c: str, end_use: str, country: str | None = None) -> str:
        """The earmark class of demand for ``c`` with end use ``end_use`` at a market in ``country``."""
        use = end_use if c in self.use_tagged and end_use in self.use_labels else ANY_USE
        if c not in self.dest_tagged:
            return use
        return earmark(use, country if country in self.dest_labels else ELSEWHERE)

    def reachability(self, allowed: Callable[[str, str], bool], sources: Iterable[tuple], site_nodes: dict,
                     demand_uses: Mapping) -> tuple[set, set]:
        """Forward/backward closure.

        ``allowed(r, k)``: may tags ``k`` move on route r; ``sources``: (node, tag) pairs that enter by supply or
        initial stock; ``site_nodes``: node -> [(process, input commodity)]; ``demand_uses``: (node, commodity) ->
        set of end-use classes demanded there.  Returns (reached, useful) sets of (node, tag).
        """
        d = self.d
        reached = set(sources)
        out_routes = defaultdict(list)
        for r, route in d.routes.items():
            out_routes[route.origin].append(r)
        preds = defaultdict(list)  # (node, tag) -> the (node, tag) pairs it was reached from
        frontier = list(reached)
        while frontier:
            n, k = frontier.pop()
            new = []
            for r in out_routes[n]:
                if allowed(r, k):
                    new.append((d.routes[r].destination, self.arrival_tag(d.routes[r], k)))
            for s, c_in in site_nodes.get(n, ()):
                if untag(k)[0] == c_in:
                    new.extend((n, k2) for k2 in self.site_outputs(s, k))
                    new.extend((n, k3) for opts in self.coproduct_options(s, k) for k3 in opts)
            for item in new:
                preds[item].append((n, k))
                if item not in reached:
                    reached.add(item)
                    frontier.append(item)
        reagent_at = {(d.sites[s]["site"], c) for s, rs in d.reagents.items() for c, _y in rs}
        useful = set()
        for (n, k) in reached:
            c, _, _, eu, _ = untag(k)
            if eu in demand_uses.get((n, c), ()) or (n, c) in reagent_at:
                useful.add((n, k))
        frontier = list(useful)
        while frontier:
            item = frontier.pop()
            for p in preds.get(item, ()):
                if p not in useful:
                    useful.add(p)
                    frontier.append(p)
        return reached, useful
