"""Model rows and column bounds traced back to the input cells that set them.

`Tracer(f).row(block, key)` / `.col(block, key, upper)` -> (scenario or None, [Cite]): the sheet, Excel
row, column and value behind a row of a constraint family or a column's bound, with a sentence saying what
it requires.  Used by `diagnose/explain.py` (the rows of an IIS or of an elastic re-solve) and `diagnose/numerics.py`
(where an extreme coefficient or a big-M comes from).  With disruption scenarios, second-stage keys carry
the scenario first (`build.DisruptionView`); `split` takes it off.
"""
from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from corridor.formulation import families
from corridor.formulation.build import FIRST_STAGE, Formulation
from corridor.formulation.disruptions import DISRUPTION_SOURCE, periods_of
from corridor.formulation.families.horizon import horizon_limits
from corridor.formulation.provenance import untag
from corridor.io.schema import STAR

if TYPE_CHECKING:
    from corridor.formulation.spec import LinearSpec

TRACERS: dict = {}  # tracer name (the registry's Block.tracer) -> Tracer method finding a row's input cells
_ALL_BLOCKS = frozenset(b.name for fam in families.FAMILIES for b in fam.blocks)


def traces(name: str) -> Callable[[Callable], Callable]:
    """Register the decorated `Tracer` method as the tracer ``name`` of the family registry."""
    def register(fn):
        TRACERS[name] = fn
        return fn
    return register


@dataclass
class Cite:
    """One input cell behind a model row or column bound."""

    sheet: str
    rows: tuple
    column: str
    value: object
    text: str
    period: str | None = None


def label(block: str, key: Hashable) -> str:
    """A row's or column's name as the docs and messages write it: ``Block[key, ...]``."""
    return f"{block}[{', '.join(map(str, key)) if isinstance(key, tuple) else key}]"


def locate_row(spec: LinearSpec, i: int) -> tuple[str, Hashable]:
    """(row block name, key) of row ``i``."""
    for rb in spec.row_blocks.values():
        done = 0
        for first, n in rb.segments:
            if first <= i < first + n:
                return rb.name, rb.keys[done + i - first]
            done += n
    return "?", i


def locate_col(spec: LinearSpec, j: int) -> tuple[str, Hashable]:
    """(variable block name, key) of column ``j``."""
    for vb in spec.var_blocks.values():
        if vb.start <= j < vb.start + len(vb.keys):
            return vb.name, vb.keys[j - vb.start]
    return "?", j


class Tracer:
    """Model rows and column bounds -> the input cells that set them (`Cite`s), per scenario view."""

    def __init__(self, f: Formulation):
        self.f = f
        self.first = next(iter(f.views.values()))

    def split(self, block: str, key: Hashable, column: bool = False) -> tuple[Formulation, str | None, Hashable]:
        """(view, scenario name or None, key without the scenario prefix)."""
        if not self.f.two_stage or (block in FIRST_STAGE if column else block in families.once_blocks()):
            return self.first, None, key
        v = self.f.views[key[0]]
        rest = key[1:]
        return v, v.name, rest if len(rest) > 1 else rest[0]

    # -- rows ----------------------------------------------------------------------------------------
    def row(self, block: str, key: Hashable) -> tuple[str | None, list[Cite]]:
        """(scenario or None, [Cite]) of a row; a row no input cell can be found for is named as it is."""
        v, scen, k = self.split(block, key)
        fn = TRACERS.get(families.block(block).tracer) if block in _ALL_BLOCKS else None  # none: the model's own rows
        try:
            if fn is not None:
                return scen, fn(self, v, v.d, k)
        except (KeyError, IndexError, StopIteration):
            pass
        return scen, [Cite("model", (), block, "", f"the model row {label(block, k)}")]

    def col(self, block: str, key: Hashable, upper: bool = True) -> tuple[str | None, list[Cite]]:
        """Input cells behind a column's bound (upper, or lower); [] for the bounds of the model's own
        structure (tonnes >= 0, a decision <= 1)."""
        try:
            return self._col(block, key, upper)
        except (KeyError, IndexError, StopIteration):
            return self.split(block, key, column=True)[1], [Cite("model", (), block, "", f"the bound of "
                                                                 f"{label(block, key)}")]

    def _col(self, block, key, upper):
        v, scen, k = self.split(block, key, column=True)
        as_row = {"Supply": ("Supply_Capacity", lambda: (k[0], untag(k[1])[0], k[2])),
                  "Process": ("Site_Capacity", lambda: (k[0], k[3])), "Ship": ("Route_Active", lambda: (k[0], k[2])),
                  "Stock": ("Storage_Capacity", lambda: (k[0], untag(k[1])[0], k[2])),
                  "Deliver": ("Demand_Limit", lambda: k[:4])}
        if upper and block in as_row:  # the bound sits on the variable instead of a row of that family
            fam, kk = as_row[block]
            return scen, TRACERS[families.block(fam).tracer](self, v, v.d, kk())
        if upper and block == "Open" and self.f.spec.ub[self.f.spec.col["Open"][k]] == 0:
            rec = v.d.sites[k]
            return scen, [Cite("sites", (rec["_row"],), "status", rec["status"], f"candidate site {k} cannot be "
                               "opened (nothing can reach it, or it is never available)")]
        return scen, []

    @traces("supply_capacity")
    def _r_supply_capacity(self, v, d, k):
        n, c, p = k
        cap = d.supply.get(k, (0.0,))[0]
        rows = _for_period(d.inputs.tables["supply"], lambda r: r["node"] == n and r["commodity"] == c, p)
        return [Cite("supply", (r["_row"],), "capacity_t", r["capacity_t"],
                     f"{n} can supply at most {cap:g} t of {c} in {p}", p) for r in rows] + \
            _seasons(d, "supply", n, p) + _invested(d, "supply", (n, c), p)

    @traces("site_capacity")
    def _r_site_capacity(self, v, d, k):
        s, p = k
        rec = d.sites[s]
        cap = d.site_period[k][0]
        return [Cite("sites", (rec["_row"],), "capacity_t", rec["capacity_t"],
                     f"site {s} can process at most {cap:g} t of input in {p}", p)] + \
            _seasons(d, "site", rec["site"], p) + _invested(d, "site", s, p)

    @traces("site_min_throughput")
    def _r_site_min_throughput(self, v, d, k):
        s, p = k
        rec = d.sites[s]
        return [Cite("sites", (rec["_row"],), "min_throughput_t", rec["min_throughput_t"],
                     f"site {s} must process at least {d.site_period[k][2]:g} t of input in {p}"
                     + (" if opened" if rec["status"] == "candidate" else ""), p)]

    @traces("route_period_min")
    def _r_route_period_min(self, v, d, k, link=False):
        (r, p), route = k, d.routes[k[0]]
        return [Cite("routes", (route.row,), "min_volume_t", route.min_t, f"route {r} is used in {p} only if it is "
                     "used at all" if link else f"route {r} must carry at least {route.min_t:g} t in each period "
                     f"it is used ({p})", p)]

    @traces("route_period_link")
    def _r_route_period_link(self, v, d, k):
        return self._r_route_period_min(v, d, k, link=True)

    @traces("leg_capacity")
    def _r_leg_capacity(self, v, d, k):
        leg, q = k
        rec = d.legs[leg]
        return [Cite("legs", (rec["_row"],), "capacity_t", rec["capacity_t"],
                     f"leg {leg} carries at most {d.leg_cap[k]:g} t in {q}, shared by the routes using it", q)] + \
            _seasons(d, "leg", leg, q) + _invested(d, "leg", leg, q)

    @traces("node_balance")
    def _r_node_balance(self, v, d, k):
        n, tag, p = k
        c = untag(tag)[0]
        kept = "" if (n, c) in d.storage else f"; no storage row for {c} at {n}: nothing can be kept"
        return [Cite("nodes", (d.nodes[n]["_row"],), "node", n,
                     f"the flow balance of {c} at node {n} in {p} (what arrives, is supplied, made or held equals "
                     f"what leaves, is processed, delivered, discarded or kept{kept})", p)] + \
            self._joint(d, n, c, p) + self._blocked(v, d, n, c, p) + self._blocked(v, d, n, c, p, out=True)

    def _joint(self, d, n, c, p):
        """Contract v2: the site_products rows that make (co-product) or consume (reagent) ``c`` at ``n``, and
        the commodities row that says whether ``c`` may be discarded."""
        out = []
        for (s, c2), row in sorted(d.product_rows.items()):
            if c2 != c or d.sites[s]["site"] != n:
                continue
            made = any(x == c for x, _y in d.coproducts.get(s, ()))
            y = next(y for x, y in (d.coproducts[s] if made else d.reagents[s]) if x == c)
            out.append(Cite("site_products", (row,), "yield", y if made else -y,
                            f"site {d.sites[s]['site']} makes {y:g} t of {c} with every tonne of "
                            f"{d.sites[s]['input_commodity']} it processes" if made else
                            f"site {d.sites[s]['site']} consumes {y:g} t of {c} per tonne of "
                            f"{d.sites[s]['input_commodity']} it processes", p))
        if out and any(c == x for s in d.coproducts for x, _y in d.coproducts[s]):
            rec = next(r for r in d.inputs.tables["commodities"] if r["commodity"] == c)
            cost = rec.get("disposal_cost_per_t")
            out.append(Cite("commodities", (rec["_row"],), "disposal_cost_per_t", cost,
                            f"{c} cannot be discarded (blank): every tonne made must be used, stored or delivered"
                            if cost is None else f"{c} may be discarded at {cost:g} per tonne", p))
        return out

    @traces("coproduct_split")
    def _r_coproduct_split(self, v, d, k):
        s, _ki, c, p = k
        return [Cite("site_products", (d.product_rows[(s, c)],), "yield",
                     next(y for x, y in d.coproducts[s] if x == c),
                     f"process {s} makes this co-product per tonne of input processed in {p}", p)]

    @traces("reagent_use")
    def _r_reagent_use(self, v, d, k):
        s, c, p = k
        return [Cite("site_products", (d.product_rows[(s, c)],), "yield",
                     -next(y for x, y in d.reagents[s] if x == c),
                     f"process {s} consumes this reagent per tonne of input processed in {p}", p)]

    def _blocked(self, v, d, n, c, p, out=False):
        """Cells that keep a route into ``n`` carrying ``c`` from arriving in ``p`` (``out``: a route out of
        ``n`` from leaving in ``p``).  The model has no column for such a route-period, so no IIS can name it:
        the capacity factors that close it (or bring it below its minimum volume), the licence rules that
        refuse or revoke every flow on it."""
        found = []
        scen = next((sc for sc in self.f.disruption_list or () if sc.name == v.name), None)
        for r, route in d.routes.items():
            if ((route.origin if out else route.destination), route.commodity) != (n, c):
                continue
            tags = d.ship_tags.get(r, ())
            removed = set() if tags else {L for (r2, _k, L) in d.removed_flows if r2 == r}  # all its flows
            for pd in (x for x in d.periods if (x == p if out else d.cal.shift(x, route.total_days) == p)):
                why = [] if (r, pd) in d.ship or removed else [
                    x for x in _seasons(d, "route", r, pd) + _seasons(d, "corridor", route.corridor, pd)
                    + [y for leg, b in zip(route.legs, route.leg_days) if d.cal.shift(pd, b)
                       for y in _seasons(d, "leg", leg, d.cal.shift(pd, b))] if x.value < 1.0]
                if any(x.value == 0 for x in why):  # closed
                    why = [x for x in why if x.value == 0]
                elif why:  # brought below its minimum volume (else a factor > 0 cannot remove it)
                    why = why + [Cite("routes", (route.row,), "min_volume_t", route.min_t, "its minimum volume",
                                      pd)] if route.min_t > 0 else []
                revoked = [{L for L in d.gating.get((r, k), ()) if (L, pd) in d.revoked} for k in tags]
                revoked = set.union(*revoked) if tags and all(revoked) else set()
                for L in sorted(removed | revoked):
                    rec = next(x for x in d.rules if x["licence"] == L)
                    why.append(Cite("licences", (rec["_row"],), "rule", rec["rule"], f"flows on route {r} need a "
                                    f"licence of {L} held in {pd}, revoked then" if L in revoked else
                                    f"flows on route {r} are not allowed under {L}", pd))
                    why += [Cite("disruptions", (x["_row"],), "granted", x["granted"],
                                 f"licence {L} is refused or revoked in scenario {v.name}", pd)
                            for x in (scen.rows if scen else ()) if x["target_type"] == "licence" and x["target"] == L
                            and pd in periods_of(d.inputs, x)]
                for x in why:
                    x.text += f": route {r} cannot take {c} from {n} in {p}" if out else \
                        f": route {r} cannot bring {c} to {n} for {p}"
                found += why
        return found

    @traces("storage")
    def _r_initial_stock(self, v, d, k):
        rec = next(r for r in d.inputs.tables["storage"] if (r["node"], r["commodity"]) == k[:2])
        if len(k) == 2:
            return [Cite("storage", (rec["_row"],), "initial_t", rec["initial_t"],
                         f"{k[0]} starts with {d.storage[k][2]:g} t of {k[1]}")]
        return [Cite("storage", (rec["_row"],), "capacity_t", rec["capacity_t"],
                     f"{k[0]} can hold at most {d.storage[k[:2]][0]:g} t of {k[1]} at the end of {k[2]}", k[2])] + \
            _invested(d, "storage", k[:2], k[2])

    @traces("investment_units")
    def _r_investment_units(self, v, d, k):
        inv = d.investments[k]
        return [Cite("investments", (inv.row,), "max_units", inv.max_units,
                     f"investment {k} may build at most {inv.max_units} unit(s) over the horizon")]

    @traces("investment_exclusive")
    def _r_investment_exclusive(self, v, d, k):
        members = [inv for inv in d.investments.values() if inv.group == k]
        return [Cite("investments", (inv.row,), "exclusive_group", k, f"investment {inv.id} is one of the "
                     f"alternatives of {k} (" + ", ".join(m.id for m in members) + "): at most one is built")
                for inv in members]

    def _demand(self, d, k, column, text):
        m, c, e, p = k
        rows = _for_period(d.inputs.tables["demand"],
                           lambda r: r["market"] == m and r["commodity"] == c and r["end_use"] == e, p)
        return [Cite("demand", (r["_row"],), column, r.get(column), text, p) for r in rows]

    @traces("demand_limit")
    def _r_demand_limit(self, v, d, k):
        return self._demand(d, k, "quantity_t", f"{k[0]} takes at most {d.demand[k][0]:g} t of {k[1]} ({k[2]}) "
                                                f"in {k[3]}")

    @traces("demand_must_meet")
    def _r_demand_must_meet(self, v, d, k):
        none = "" if any(key[:4] == k for key in v.col("Deliver")) else f"; no tonnes of {k[1]} can reach {k[0]}"
        return self._demand(d, k, "must_meet", f"{k[0]} must receive its {d.demand[k][0]:g} t of {k[1]} ({k[2]}) "
                                               f"in {k[3]} in full{none}") + self._blocked(v, d, k[0], k[1], k[3])

    @traces("charge_paid")
    def _r_charge_paid(self, v, d, k):
        ch = d.charges[k[0]]
        return [Cite("charges", (ch.row,), "target", ch.target, f"{ch.kind} {ch.id} pays only on the tonnes it counts "
                     f"({ch.target_type} {ch.target}) in {k[1]}", k[1])]

    @traces("charge_budget")
    def _r_charge_budget(self, v, d, k):
        ch = d.charges[k[0] if isinstance(k, tuple) else k]
        return [Cite("charges", (ch.row,), "budget", ch.budget, f"{ch.kind} {ch.id} pays at most {ch.budget:g} over "
                     "the horizon (nominal)")]

    @traces("demand_min_fill")
    def _r_demand_min_fill(self, v, d, k):
        share = d.min_fill[k][0]
        none = "" if any(key[:4] == k for key in v.col("Deliver")) else f"; no tonnes of {k[1]} can reach {k[0]}"
        text = f"{k[0]} must receive at least {share:g} x {d.demand[k][0]:g} t of {k[1]} ({k[2]}) in {k[3]}{none}"
        return self._demand(d, k, "min_fill", text) + self._blocked(v, d, k[0], k[1], k[3])

    def _licence(self, d, L, column, text, p=None):
        rec = next(x for x in d.rules if x["licence"] == L)
        return [Cite("licences", (rec["_row"],), column, rec.get(column), text, p)]

    @traces("licence_single")
    def _r_licence_single(self, v, d, k):
        return self._licence(d, k[0], "validity_periods", f"at most one licence of {k[0]} is held in {k[1]}", k[1])

    @traces("licence_gate")
    def _r_licence_gate(self, v, d, k):
        return self._licence(d, k[0], "rule", f"flows under {k[0]} need a licence held in {k[1]}", k[1])

    @traces("licence_cover")
    def _r_licence_cover_sum(self, v, d, k):
        return self._licence(d, k[0], "quota_t", f"one licence of {k[0]} covers at most {d.licences[k[0]]['quota_t']:g}"
                                                 f" t over its validity; the tonnes under it in {k[-1]} count", k[-1])

    @traces("licence_quota")
    def _r_licence_quota(self, v, d, k):
        L, a = k
        q = d.licences[L]["quota_t"]
        return self._licence(d, L, "quota_t", f"one licence of {L} (applied for in {a}) covers at most {q:g} t "
                                              f"over {', '.join(d.windows[k])}", a)

    def _policy(self, d, k, column, text):
        pol = next(x for x in d.policies if (x["policy"], x["market"]) == k)
        measured = f"{pol['measure']} {pol['value']}"
        return [Cite("policies", (pol["row"],), column, pol[column],
                     text.format(pol=pol, m=k[1], c="/".join(pol["commodities"]), what=measured))]

    @traces("policy_max_share")
    def _r_policy_max_share(self, v, d, k):
        return self._policy(d, k, "max_share", "at most {pol[max_share]:g} of the {c} {m} receives over the "
                                               "horizon may come by {what}")

    @traces("policy_min_share")
    def _r_policy_min_share(self, v, d, k):
        return self._policy(d, k, "min_share", "at least {pol[min_share]:g} of the {c} {m} receives over the "
                                               "horizon must come by {what}")

    @traces("policy_active_routes")
    def _r_policy_active_routes(self, v, d, k):
        return self._policy(d, k, "max_count", "at most {pol[max_count]} route(s) may deliver {c} to {m}")

    # -- the route bound U[r,p] ----------------------------------------------------------------------
    @traces("route_bound")
    def _route_bound(self, v, d, k):
        """The cells that give U[r,p] its value (`case_data._bounds`: the route's own limit, a leg's capacity,
        what its origin can send, what its destination can take, all there is of the commodity)."""
        r, p = k
        u, route = d.ship[k].bound, d.routes[r]
        c, se = route.commodity, d.seasons
        head = f"route {r} can carry at most {u:g} t dispatched in {p}"
        fl = d.bound_parts
        cands = [(route.max_t * se.cap_factor("route", r, p) * se.cap_factor("corridor", route.corridor, p),
                  [Cite("routes", (route.row,), "max_volume_t", route.max_t, head, p)]
                  + _seasons(d, "route", r, p) + _seasons(d, "corridor", route.corridor, p))]
        for leg, before in zip(route.legs, route.leg_days):
            q, cap0 = d.cal.shift(p, before), d.legs[leg]["capacity_t"]
            if cap0 is not None and q is not None:
                cands.append((cap0 * se.cap_factor("leg", leg, q),
                              [Cite("legs", (d.legs[leg]["_row"],), "capacity_t", cap0,
                                    f"{head} (leg {leg}'s capacity in {q})", p)] + _seasons(d, "leg", leg, q)))
        if (route.origin, c) not in fl["inbound"]:
            cands.append((fl["made"].get((route.origin, c), 0.0),
                          self._made(d, route.origin, c, f"{head}: all {route.origin} can send of {c}")))
        dest = (route.destination, c)
        if dest not in fl["outbound"] and dest not in fl["consumes"]:
            cands.append((fl["absorb"].get(dest, 0.0), self._takes(d, dest, f"{head}: all {route.destination} can "
                                                                             f"take of {c}", p)))
        cands.append((fl["total"].get(c, 0.0), self._made(d, None, c, f"{head}: all the {c} there is")))
        for value, cites in cands:
            if abs(value - u) <= 1e-9 * max(1.0, abs(u)):
                return cites
        return [Cite("routes", (route.row,), "route", r, head, p)]

    @traces("route_horizon")
    def _route_horizon(self, v, d, k):
        """The cells that give H[r] its value (`horizon.horizon_limits`): all the commodity there is, all the
        route's origin can send, or all its destination can take over the horizon."""
        route = d.routes[k]
        c = route.commodity
        h, what = min(horizon_limits(d, k))
        head = f"route {k} can carry at most {h:g} t over the horizon, none without its contract"
        if what == "total":
            return self._made(d, None, c, f"{head}: all the {c} there is")
        if what == "origin":
            return self._made(d, route.origin, c, f"{head}: all {route.origin} can send of {c}")
        dest = (route.destination, c)
        text = f"{head}: all {route.destination} can take of {c}"
        sites = [Cite("sites", (r_["_row"],), "capacity_t", r_["capacity_t"], text)
                 for r_ in d.inputs.tables.get("sites", []) if (r_["site"], r_["input_commodity"]) == dest]
        return self._takes(d, dest, text, None) + sites

    def _takes(self, d, dest, text, p):
        """The demand rows and (open horizon) storage rows of ``dest`` = (node, commodity)."""
        t = d.inputs.tables
        return ([Cite("demand", (r_["_row"],), "quantity_t", r_["quantity_t"], text, p)
                 for r_ in t["demand"] if (r_["market"], r_["commodity"]) == dest]
                + [Cite("storage", (r_["_row"],), "capacity_t", r_["capacity_t"], text, p)
                   for r_ in t["storage"] if (r_["node"], r_["commodity"]) == dest and not d.cal.cyclic])

    def _made(self, d, node, c, text):
        t = d.inputs.tables
        out = [Cite("supply", (r["_row"],), "capacity_t", r["capacity_t"], text) for r in t["supply"]
               if r["commodity"] == c and node in (None, r["node"])]
        out += [Cite("sites", (r["_row"],), "capacity_t", r["capacity_t"], text) for r in t.get("sites", [])
                if r["output_commodity"] == c and node in (None, r["site"])]
        out += [Cite("storage", (r["_row"],), "initial_t", r["initial_t"], text) for r in t.get("storage", [])
                if r["commodity"] == c and node in (None, r["node"]) and (r["node"], c) in d.storage
                and d.storage[(r["node"], c)][2] > 0]
        return out

    def scale(self, block: str, key: Hashable) -> float:
        """The row's own figure: what its violation is measured against in the elastic re-solve."""
        v, _s, k = self.split(block, key)
        d = v.d
        if block in ("Policy_Min_Share", "Policy_Max_Share"):
            pol = next(x for x in d.policies if (x["policy"], x["market"]) == k)
            val = sum(q for (m, c, _e, _p), (q, _pen, _pr) in d.demand.items()
                      if m == k[1] and c in pol["commodities"])
        else:
            val = {"Site_Min_Throughput": lambda: d.site_period[k][2], "Route_Period_Min": lambda: d.routes[k[0]].min_t,
                   "Licence_Quota": lambda: d.licences[k[0]]["quota_t"], "Demand_Must_Meet": lambda: d.demand[k][0],
                   "Demand_Min_Fill": lambda: d.min_fill[k][0] * d.demand[k][0]}.get(block, lambda: 1.0)()
        return max(val or 0.0, 1e-6)


def _for_period(rows, match, p):
    """Input rows that set a value for period ``p``: the row for ``p`` itself, else the ``*`` row."""
    own = [r for r in rows if match(r) and r.get("period") == p]
    return own or [r for r in rows if match(r) and r.get("period") == STAR]


def _seasons(d, ttype, target, p):
    """Seasonality rows (and the disruptions rows a scenario turned into them) scaling ``target`` in ``p``."""
    out = []
    for r in d.inputs.tables.get("seasonality", []):
        if r["target_type"] != ttype or r["target"] != target or r["capacity_factor"] == 1.0:
            continue
        if r["period"] == p if r.get("period") is not None else r.get("month") in (STAR, d.cal.month[p]):
            sheet = "disruptions" if str(r.get("source") or "").startswith(DISRUPTION_SOURCE) else "seasonality"
            out.append(Cite(sheet, (r["_row"],), "capacity_factor", r["capacity_factor"],
                            f"scales the capacity of {ttype} {target} in {p} by {r['capacity_factor']:g}", p))
    return out


def _invested(d, kind, key, p):
    """The investments rows that can add capacity to a target in ``p`` (units in service from a decision
    period plus its lead)."""
    out = []
    for i in d.invested.get((kind, key), ()):
        inv = d.investments[i]
        if not inv.decisions:
            continue
        first = inv.decisions[0] if d.cal.cyclic else d.periods[min(len(d.periods) - 1, d.cal.index[
            inv.decisions[0]] + inv.lead)]
        out.append(Cite("investments", (inv.row,), "capacity_t", inv.capacity_t,
                        f"investment {i} adds {inv.capacity_t:g} t per unit (at most {inv.max_units}) to {kind} "
                        f"{key if isinstance(key, str) else ', '.join(key)} once in service (from {first} at the "
                        f"earliest: lead {inv.lead} periods)", p))
    return out

