"""The constraint families of the corridor MIP, each listed once: the family registry.

A `Family` is one function that writes rows (its formula, index set, where it applies and units are in its
docstring) and the row blocks it writes.  Each `Block` says what the rest of corridor needs to know about
its rows:

- ``tracer``: the name of the function in `corridor.diagnose.trace` that finds the input cells behind a
  row (the sheet, Excel row and column an explanation or a warning names); blank for the model's own
  rows (the security step's budget and metric rows);
- ``elastic``: the rank of the block among the rows an elastic re-solve may relax to explain an infeasible
  plan (`corridor.diagnose.explain`; 0: a row it never relaxes).  Ranks give the order of the slack
  columns, so the explanation's choices between equal alternatives stay put;
- ``big_m``: ``route``, ``site`` or ``licence`` when the block's coefficient on a binary column is a
  data-derived big-M of that entity (`corridor.diagnose.numerics` compares it with what demand can use).

A family is ``once`` when its rows are written once for all disruption scenarios (keys without the
scenario) instead of once per scenario.  ``build`` is None for the rows the security step adds itself
(`corridor.solve.secure`).

Readers: `corridor.formulation.build` (the build order: `FAMILIES` in order), `corridor.diagnose.explain`
(`elastic_blocks`), `corridor.diagnose.trace` (`block`, `once_blocks`), `corridor.diagnose.numerics`
(`big_m_blocks`), and the family table of docs/formulation.md (`families_markdown`, kept fresh by a test).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from corridor.formulation.families import chemistry, economics, flow, investment, rules


@dataclass(frozen=True)
class Block:
    """One row block of a family (see the module docstring)."""

    name: str
    tracer: str = ""
    elastic: int = 0
    big_m: str = ""


@dataclass(frozen=True)
class Family:
    """One constraint family: the function that writes its rows, its row blocks, its stage and its docs."""

    name: str
    build: Callable | None
    blocks: tuple[Block, ...]
    once: bool = False
    anchor: str = "4-constraint-families"
    doc: str = "formulation.md"


FAMILIES: tuple[Family, ...] = (
    Family("supply_limits", flow.supply_limits, (Block("Supply_Capacity", "supply_capacity"),)),
    Family("site_processing", flow.site_processing, (
        Block("Site_Capacity", "site_capacity", big_m="site"),
        Block("Site_Min_Throughput", "site_min_throughput", elastic=1))),
    Family("route_volumes", flow.route_volumes, (
        Block("Route_Active", "route_bound", big_m="route"),
        Block("Route_Period_Max", "route_bound", big_m="route"),
        Block("Route_Period_Min", "route_period_min", elastic=2),
        Block("Route_Period_Link", "route_period_link"),
        Block("Route_Max_Volume", "route_bound"))),
    Family("leg_capacity", flow.leg_capacity, (Block("Leg_Capacity", "leg_capacity"),)),
    Family("node_balance", flow.node_balance, (
        Block("Node_Balance", "node_balance"),
        Block("Initial_Stock", "storage"))),
    Family("coproduct_split", chemistry.coproduct_split, (Block("Coproduct_Split", "coproduct_split"),),
           anchor="9-co-products-reagents-and-disposal"),
    Family("reagent_use", chemistry.reagent_use, (Block("Reagent_Use", "reagent_use"),),
           anchor="9-co-products-reagents-and-disposal"),
    Family("storage_limits", flow.storage_limits, (Block("Storage_Capacity", "storage"),)),
    Family("demand_limits", flow.demand_limits, (
        Block("Demand_Limit", "demand_limit"),
        Block("Demand_Must_Meet", "demand_must_meet", elastic=7),
        Block("Demand_Min_Fill", "demand_min_fill", elastic=8))),
    Family("licence_holding", rules.licence_holding, (Block("Licence_Single", "licence_single"),), once=True,
           anchor="5-licences"),
    Family("licence_gating", rules.licence_gating, (
        Block("Licence_Gate", "licence_gate", big_m="licence"),
        Block("Licence_Cover_Sum", "licence_cover"),
        Block("Licence_Cover_Gate", "licence_cover", big_m="licence"),
        Block("Licence_Quota", "licence_quota", elastic=6)), anchor="5-licences"),
    Family("policy_shares", rules.policy_shares, (
        Block("Policy_Max_Share", "policy_max_share", elastic=4),
        Block("Policy_Min_Share", "policy_min_share", elastic=3)), anchor="6-policies"),
    Family("policy_active_routes", rules.policy_active_routes, (
        Block("Policy_Active_Routes", "policy_active_routes", elastic=5),), once=True, anchor="6-policies"),
    Family("charge_budgets", economics.charge_budgets, (
        Block("Charge_Paid", "charge_paid"), Block("Charge_Budget", "charge_budget")), anchor="7-objective"),
    Family("investment_limits", investment.investment_limits, (
        Block("Investment_Units", "investment_units"),
        Block("Investment_Choice", "investment_units"),
        Block("Investment_Exclusive", "investment_exclusive")), once=True, anchor="8-investments"),
    Family("route_horizon", None, (Block("Route_Active_Horizon", "route_horizon", big_m="route"),),
           anchor="route_horizon-the-security-steps-contract-bound", doc="security.md"),
    Family("security_metric", None, (
        Block("Worst_Shortfall"), Block("Cvar_Excess"), Block("Dependence_Cap")), once=True,
           anchor="objective--max_security", doc="security.md"),
    Family("security_budget", None, (Block("Cost_Budget"), Block("Security_Cap")), once=True,
           anchor="objective--max_security", doc="security.md"),
)

_BLOCKS = {b.name: (fam, b) for fam in FAMILIES for b in fam.blocks}


def block(name: str) -> Block:
    """The registry entry of row block ``name``; KeyError for a block no family declares."""
    return _BLOCKS[name][1]


def family_of(name: str) -> Family:
    """The family that writes row block ``name``."""
    return _BLOCKS[name][0]


def once_blocks() -> frozenset:
    """Row blocks written once for all disruption scenarios (their keys carry no scenario)."""
    return frozenset(b.name for fam in FAMILIES if fam.once for b in fam.blocks)


def elastic_blocks() -> tuple:
    """Row blocks an elastic re-solve may relax, in the order of their slack columns."""
    ranked = sorted((b.elastic, b.name) for fam in FAMILIES for b in fam.blocks if b.elastic)
    return tuple(name for _rank, name in ranked)


def big_m_blocks() -> dict:
    """Row block -> the kind of entity (route, site, licence) whose data-derived big-M it holds."""
    return {b.name: b.big_m for fam in FAMILIES for b in fam.blocks if b.big_m}


def tracer_names() -> frozenset:
    """The tracers the registry names (each must exist in `corridor.diagnose.trace`)."""
    return frozenset(b.tracer for fam in FAMILIES for b in fam.blocks if b.tracer)


DOCS_START = "<!-- families: generated from corridor.formulation.families by `corridor docs --formulation` -->"
DOCS_END = "<!-- families: end -->"


def families_markdown() -> str:
    """The family table of docs/formulation.md (between `DOCS_START` and `DOCS_END`), generated from
    `FAMILIES`."""
    out = ["| family | rows | stage | relaxed to explain | big-M of | input cells found by | formula |",
           "|---|---|---|---|---|---|---|"]
    for fam in FAMILIES:
        rows = ", ".join(f"`{b.name}`" for b in fam.blocks)
        stage = "once for all scenarios" if fam.once else "per disruption scenario"
        relaxed = ", ".join(f"`{b.name}`" for b in fam.blocks if b.elastic) or "no"
        big_m = ", ".join(f"`{b.name}`: {b.big_m}" for b in fam.blocks if b.big_m) or ""
        tracers = ", ".join(dict.fromkeys(f"`{b.tracer}`" for b in fam.blocks if b.tracer)) or "(model rows)"
        where = (f"[section {fam.anchor.split('-')[0]}](#{fam.anchor})" if fam.doc == "formulation.md"
                 else f"[{fam.doc}]({fam.doc}#{fam.anchor})")
        function = f"`{fam.name}`" if fam.build is None else f"`{fam.build.__module__.rsplit('.', 1)[-1]}.{fam.name}`"
        if fam.build is None:
            function += " (the security step)"
        out.append(f"| {function} | {rows} | {stage} | {relaxed} | {big_m} | {tracers} | {where} |")
    return "\n".join(out) + "\n"


__all__ = ["DOCS_END", "DOCS_START", "Block", "FAMILIES", "Family", "big_m_blocks", "block", "elastic_blocks",
           "families_markdown", "family_of", "once_blocks", "tracer_names"]
