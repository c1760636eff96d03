"""The tiny cases behind the golden LP files (tests/formulation/lp/) and the canonical LP text they are
compared in.

`lp_text(spec, blocks)` writes the rows of the given row blocks in CPLEX LP form with the names of the
docs (``Site_Capacity(S,P1): +1 Process(...) -60 Open(S) <= 0``), followed by the bounds and integrality
of the columns those rows use; rows, terms and bounds are sorted by name and numbers printed to 12
significant digits, so the text depends on what the family writes, not on the order it writes it in or on
the solver's own LP writer.  ``CORRIDOR_UPDATE_GOLDEN=1 python -m pytest tests/formulation`` rewrites the
files after an intended change; the diff then shows what changed.
"""
from __future__ import annotations

from builders import Net, two_corridors

INF = float("inf")


def rich_case() -> Net:
    """Two periods, open horizon: a mine, a candidate site (CN technology, minimum throughput), two markets,
    ore routes with a minimum volume, a fixed cost and a leg capacity, oxide routes sharing a capacitated
    leg through CN, stock with an initial amount, civil and must-meet defense demand, licences (an end-use
    rule on ore, controlled content with an application cost, a military rule prohibited towards the US, a transit rule
    with a quota) and policies (max share, min share, single sourcing): every constraint family of the
    registry writes rows here."""
    n = Net(periods=2, horizon="open")
    n.node("M", "mine").node("S", "site", "MY").node("H", "hub", "CN").node("K", "market", "JP")
    n.node("U", "market", "US")
    n.supply("M", 100, cost=1)
    n.site("S", 60, cost=2, yield_=0.5, status="candidate", fixed=30, min_throughput_t=5, tech_origin="CN")
    n.link("MS", "M", "S", cost=1, cap=80, min_volume_t=4, fixed_cost=3)
    n.link("MS2", "M", "S", cost=2, corridor="D", fixed_cost=7)
    n.leg("SH", "S", "H", cost=1, cap=15).leg("HK", "H", "K", cost=1).leg("HU", "H", "U", cost=1)
    n.route("SHK", ["SH", "HK"], commodity="reo", corridor="East")
    n.route("SHU", ["SH", "HU"], commodity="reo", corridor="East")
    n.link("SK", "S", "K", cost=3, commodity="reo", corridor="Sea")
    n.storage("S", cap=12, hold=1, initial=3)
    n.demand("K", 10).demand("K", 2, end_use="defense", must_meet="yes").demand("U", 4)
    n.licence("ORE-DEF", "export", "KZ", commodity="ore", end_use="defense", validity_periods=2)
    n.licence("CC", "controlled_content", "CN", commodity="reo", application_cost=5, validity_periods=1)
    n.licence("MIL", "controlled_content", "CN", end_use="defense", destination_country="US", rule="prohibited")
    n.licence("TR", "transit", "CN", destination_country="US", quota_t=3, validity_periods=2)
    n.policy("P1", "K", "corridor", "Sea", max_share=0.8).policy("P2", "K", "corridor", "East", min_share=0.1)
    n.policy("P3", "U", "max_active_routes", max_count=1)
    return n


def investment_case() -> Net:
    """Three monthly periods over two years (discount 10%), open horizon: a mine whose supply can be raised
    (SUP, 2 units), a site that exists only through investments (two sizes in one exclusive group, the larger
    of 2 units: a Chosen binary), a leg that can be widened a period after the decision (LEG), a store that
    can be enlarged (STORE): the investment rows and the capacity rows they enter."""
    n = Net(periods=3, horizon="open", months=[11, 12, 1], discount_rate=0.1)
    for per, year in zip(n.sheets["periods"], (2027, 2027, 2028)):
        per["year"] = year
    n.node("M", "mine").node("S", "site").node("K", "market", "JP")
    n.supply("M", 10, cost=1)
    n.site("S", 0, cost=2, yield_=0.5)
    n.link("MS", "M", "S", cost=1, cap=8).link("SK", "S", "K", cost=1, commodity="reo")
    n.storage("S", cap=2, hold=1)
    n.demand("K", 3)
    common = dict(max_units=1, capex=0, fixed_cost_per_year=0, lead_periods=0)
    n.add("investments", investment="SUP", target_type="supply", target="M", capacity_t=5,
          **{**common, "max_units": 2, "capex": 10})
    n.add("investments", investment="S-SMALL", target_type="site", target="S", capacity_t=5, exclusive_group="PLANT",
          **{**common, "capex": 30, "fixed_cost_per_year": 12})
    n.add("investments", investment="S-BIG", target_type="site", target="S", capacity_t=10, exclusive_group="PLANT",
          **{**common, "max_units": 2, "capex": 50})
    n.add("investments", investment="LEG", target_type="leg", target="MS", capacity_t=4,
          **{**common, "capex": 5, "lead_periods": 1})
    n.add("investments", investment="STORE", target_type="storage", target="S", commodity="reo", capacity_t=3,
          **{**common, "capex": 2})
    return n


def coproduct_case() -> Net:
    """Joint production (contract v2): mine M -> site S (1 t ore makes 0.5 t reo and 0.3 t lace, consumes 0.2 t
    hcl); hcl supplied at S and shipped in from H through CN, which a transit policy tracks (two hcl tags:
    ReagentUse and Reagent_Use); lace may be discarded at 4/t; K takes reo and 2 t of lace, at least half of it
    (min_fill), and 1 t of defense lace, whose export needs a licence (the lace is earmarked on its own: CoSplit)."""
    n = (Net(periods=1).node("M", "mine").node("S", "site").node("K", "market", "JP").node("H", "hub", "RU")
         .supply("M", 100, cost=1).supply("S", 1, cost=1.5, commodity="hcl").supply("H", 100, cost=1, commodity="hcl")
         .site("S", 100, cost=2, yield_=0.5)
         .link("MS", "M", "S").link("SK", "S", "K", cost=1, commodity="reo")
         .link("SKL", "S", "K", cost=1, commodity="lace").link("HS", "H", "S", cost=1, commodity="hcl", country="CN")
         .demand("K", 10).demand("K", 2, commodity="lace", min_fill=0.5)
         .policy("NO-CN", "K", "transit_country", "CN", max_share=1.0, commodity="reo"))
    n.sheets["commodities"] += [{"commodity": "lace", "disposal_cost_per_t": 4}, {"commodity": "hcl"}]
    n.add("site_products", site="S", commodity="lace", **{"yield": 0.3})
    n.add("site_products", site="S", commodity="hcl", **{"yield": -0.2})
    n.demand("K", 1, commodity="lace", end_use="defense", penalty=500)  # lace earmarked on its own: CoSplit
    n.licence("KZ-LACE-DEF", "export", "KZ", rule="required", commodity="lace", end_use="defense", application_cost=10)
    return n


def economics_case() -> Net:
    """Contract v2 economics: max_margin over two periods; a mine, plants in CN and MY, a US market with a price
    and a min_fill; a US tariff on CN-processed oxide, a capped subsidy on corridor West, a fee on a leg in P2."""
    n = (Net(periods=2, objective="max_margin").node("M", "mine").node("P-CN", "site", "CN")
         .node("P-MY", "site", "MY").node("K", "market", "US").supply("M", 100)
         .site("P-CN", 100, cost=10).site("P-MY", 100, cost=12)
         .link("MC", "M", "P-CN", cost=1, corridor="East").link("MM", "M", "P-MY", cost=3, corridor="West")
         .link("CK", "P-CN", "K", cost=1, commodity="reo").link("MK", "P-MY", "K", cost=1, commodity="reo")
         .demand("K", 10, price_per_t=30, min_fill=0.5))
    n.add("charges", charge="US-TARIFF-CN", kind="tariff", target_type="market", target="K", commodity="reo",
          processing_country="CN", per_t=5, payer="US importers")
    n.add("charges", charge="JP-MC", kind="subsidy", target_type="corridor", target="West", per_t=5, budget=20,
          payer="JP-GOV")
    n.add("charges", charge="FEE", kind="fee", target_type="leg", target="MC", period="P2", per_t=2)
    return n


def security_case(metric: str) -> Net:
    """The two-corridor case (builders.two_corridors) with ``objective = max_security`` and ``metric``."""
    return two_corridors(objective="max_security", security_metric=metric, cost_budget=800)


def _num(x: float) -> str:
    return f"{x:+.12g}"


def lp_text(spec, blocks, title: str) -> str:
    """The canonical LP text of the rows of ``blocks`` in ``spec`` (see the module docstring)."""
    names = {}
    for vb in spec.var_blocks.values():
        for i, key in enumerate(vb.keys):
            names[vb.start + i] = f"{vb.name}({_key(key)})"
    rows, used = [], set()
    for name in blocks:
        rb = spec.row_blocks.get(name)
        for r, key in zip(rb.rows() if rb else (), rb.keys if rb else ()):
            a, b = spec.indptr[r], spec.indptr[r + 1]
            terms = sorted((names[spec.indices[t]], spec.data[t]) for t in range(a, b))
            used.update(n for n, _v in terms)
            body = " ".join(f"{_num(v)} {n}" for n, v in terms) or "0"
            lo, hi = spec.row_lo[r], spec.row_hi[r]
            label = f" {name}({_key(key)}):"
            if lo == hi:
                rows.append(f"{label} {body} = {lo:.12g}")
            elif lo > -INF and hi < INF:
                rows.append(f"{label} {lo:.12g} <= {body} <= {hi:.12g}")
            elif lo > -INF:
                rows.append(f"{label} {body} >= {lo:.12g}")
            elif hi < INF:
                rows.append(f"{label} {body} <= {hi:.12g}")
            else:
                rows.append(f"{label} {body} free")
    bounds, integer = [], []
    for j, n in names.items():
        if n not in used:
            continue
        lo, hi = spec.lb[j], spec.ub[j]
        bounds.append(f" {lo:.12g} <= {n}" + (f" <= {hi:.12g}" if hi < INF else ""))
        if spec.integer[j]:
            integer.append(f" {n}")
    return "\n".join([f"\\ corridor golden model: {title}", "subject to", *sorted(rows), "bounds", *sorted(bounds),
                      "general", *sorted(integer), "end"]) + "\n"


def _key(key) -> str:
    return ",".join(map(str, key)) if isinstance(key, tuple) else str(key)
