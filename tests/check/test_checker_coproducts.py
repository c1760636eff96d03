"""The solution checker on contract v2 joint production (site_products, commodities.disposal_cost_per_t): solved
plans with co-products, reagents and disposal pass; hand-edited plans fail with the exact violation and the rows
involved.  The helpers and the builder's defaults are test_checker's.
"""
from __future__ import annotations

import openpyxl
import pytest
from test_checker import Book, append, cell, clean, edit, families, find_row, only, solve

from corridor.check.checker import SolutionError, check
from corridor.check.common import fmt

D = 1 / 1.1  # the discount factor of 2028 at 10%


def chem(disposal=4.0, lace_demand=2.0, periods=1, **settings):
    """Mine M (ore 1/t) -> site S (KZ): 1 t ore makes 0.5 t reo (2/t processing) and 0.3 t lace (co-product), and
    consumes 0.2 t hcl (reagent, supplied at S at 5/t).  S -> K (JP): reo and lace at 1/t.  K takes 10 t reo and
    ``lace_demand`` t lace a period; lace may be discarded at ``disposal``/t (None: it cannot).
    The plan: 20 t ore -> 10 reo, 6 lace (2 delivered, 4 discarded at S), 4 hcl consumed; a period costs ore 20 +
    processing 40 + hcl 20 + freight 12 + disposal 16 = 108."""
    b = (Book(periods=periods, **settings).node("M", "mine").node("S", "site").node("K", "market", "JP")
         .supply("M", 100, cost=1).supply("S", 1000, cost=5, commodity="hcl")
         .site("S", 100, cost=2, yield_=0.5)
         .link("MS", "M", "S").link("SK", "S", "K", cost=1, commodity="reo")
         .link("SKL", "S", "K", cost=1, commodity="lace")
         .demand("K", 10).demand("K", lace_demand, commodity="lace"))
    b.sheets["commodities"] += [{"commodity": "lace", "disposal_cost_per_t": disposal}, {"commodity": "hcl"}]
    b.add("site_products", site="S", commodity="lace", **{"yield": 0.3})
    b.add("site_products", site="S", commodity="hcl", **{"yield": -0.2})
    return b


def test_joint_production_plan_passes(tmp_path):
    inp, out = solve(chem(), tmp_path)
    rep = clean(inp, out)
    assert rep.total == pytest.approx(108) and rep.objective == pytest.approx(108)
    assert rep.costs["disposal"] == pytest.approx(16) and rep.costs["supply"] == pytest.approx(40)
    assert rep.counts["disposal rows"] == 1


def test_coproduct_tonnes_that_do_not_follow_the_yield(tmp_path):
    inp, out = solve(chem(), tmp_path)
    main = find_row(out, "processing", role="main")
    row = edit(out, "processing", {"output_commodity": "lace"}, output_t=7)
    rep = check(inp, out)
    v = only(rep, "plan")
    assert v.message == "site S in P1: co-product lace output_t 7 is not yield 0.3 x input_t 20 = 6 (tonnes made)"
    assert v.inputs == (("sites", 2), ("site_products", 2))
    assert v.solution == (("processing", row), ("processing", main))
    assert families(rep) == ["plan"]  # the tonnes made follow from input_t, not from the reported figure


def test_more_input_processed_makes_more_coproduct_than_leaves(tmp_path):
    inp, out = solve(chem(), tmp_path)
    edit(out, "route_flows", {"route": "MS"}, tonnes=22)
    main = edit(out, "processing", {"role": "main"}, input_t=22, output_t=11)
    rep = check(inp, out)
    bal = {v.message.split(":")[0]: v for v in rep.violations if v.family == "balance"}
    assert set(bal) == {"node S, reo, P1", "node S, lace, P1"}
    v = bal["node S, lace, P1"]
    assert v.message == ("node S, lace, P1: 0.6 t come in but neither leave, nor are processed, consumed, delivered, "
                         "discarded or kept in stock (in: co-produced 6.6; out: departures 2, discarded 4)")
    assert v.inputs == (("sites", 2), ("site_products", 2), ("commodities", 4))
    lace, hcl = (find_row(out, "processing", output_commodity=c) for c in ("lace", "hcl"))
    assert ("processing", main) in v.solution and ("processing", lace) in v.solution
    assert ("disposal", 2) in v.solution
    # the hcl consumed grows with the input: 4.4 t supplied at S, and the reported rows no longer follow
    plan = [v.message for v in rep.violations if v.family == "plan"]
    assert plan == ["site S in P1: co-product lace output_t 6 is not yield 0.3 x input_t 22 = 6.6 (tonnes made)",
                    "site S in P1: reagent hcl output_t -4 is not yield -0.2 x input_t 22 = -4.4 (minus the tonnes "
                    "consumed)"]
    assert rep.costs["supply"] == pytest.approx(22 + 4.4 * 5)
    assert next(v for v in rep.violations if v.family == "plan" and "hcl" in v.message).solution[0] == (
        "processing", hcl)


def shipped_reagent():
    """chem(), with the hcl supplied at hub H (RU, 5/t) and shipped to S on route HS (1/t): 112."""
    b = chem()
    b.sheets["supply"][1]["node"] = "H"
    return b.node("H", "hub", "RU").link("HS", "H", "S", cost=1, commodity="hcl", country="RU")


def test_reagent_consumption_missing(tmp_path):
    inp, out = solve(shipped_reagent(), tmp_path)
    assert clean(inp, out).total == pytest.approx(112)
    # the reagent never shipped in: the site still consumes it
    edit(out, "route_flows", {"route": "HS"}, tonnes=0)
    rep = check(inp, out)
    v = only(rep, "balance")
    assert v.message == ("node S, hcl, P1: 4 t go out that never came in, and no supply row allows supply of hcl at S "
                         "(in: nothing; out: consumed as reagent 4)")
    hcl = find_row(out, "processing", output_commodity="hcl")
    assert v.inputs == (("sites", 2), ("site_products", 3))
    assert v.solution == (("processing", find_row(out, "processing", role="main")), ("processing", hcl))
    assert families(rep) == ["balance", "cost"]  # and the supply and freight lines of the hcl


def test_reagent_row_missing(tmp_path):
    inp, out = solve(chem(), tmp_path)
    hcl = find_row(out, "processing", output_commodity="hcl")
    wb = openpyxl.load_workbook(out)
    wb["processing"].delete_rows(hcl)
    wb.save(out)
    rep = check(inp, out)
    v = only(rep, "plan")
    assert v.message == ("processing: no reagent row for hcl of site S in P1, where the process consumes 4 t of it "
                         "(yield -0.2 x input_t 20)")
    assert v.inputs == (("site_products", 3),)
    assert v.solution == (("processing", find_row(out, "processing", role="main")),)
    assert families(rep) == ["plan"]  # the consumption itself follows from input_t


def test_a_row_naming_a_commodity_the_process_does_not_consume(tmp_path):
    inp, out = solve(chem(), tmp_path)
    row = edit(out, "processing", {"output_commodity": "hcl"}, output_commodity="ore")
    rep = check(inp, out)
    msgs = [v.message for v in rep.violations if v.family == "plan"]
    assert msgs[0] == ("processing: site S in P1: the row says reagent 'ore', which is not a reagent of the process "
                       "in site_products (its co-products and reagents: lace (co-product), hcl (reagent))")
    assert rep.violations[0].inputs == (("sites", 2), ("site_products", 2), ("site_products", 3))
    assert rep.violations[0].solution == (("processing", row),)
    assert msgs[1].startswith("processing: no reagent row for hcl of site S in P1")


def test_a_discard_of_a_commodity_without_disposal_cost(tmp_path):
    inp, out = solve(chem(), tmp_path)
    row = append(out, "disposal", node="S", commodity="hcl", period="P1", discarded_t=1)
    rep = check(inp, out)
    v = only(rep, "disposal")
    assert v.message == ("disposal: node S, hcl, P1: 1 t discarded, but hcl has no disposal_cost_per_t (blank: it "
                         "cannot be discarded: every tonne must be processed, consumed, stored, delivered or shipped "
                         "on)")
    assert v.inputs == (("commodities", 5),) and v.solution == (("disposal", row),)
    # the balance holds (1 t more hcl supplied at S), so the supply line and the total differ
    assert families(rep) == ["cost", "disposal"]
    assert [x.message.split(":")[0] for x in rep.violations if x.family == "cost"] == ["cost line supply",
                                                                                       "total cost"]


def test_a_surplus_of_a_commodity_that_cannot_be_discarded(tmp_path):
    """Lace may not be discarded: 6.67 t ore are processed (2 t lace, all delivered).  A planner who processes 20 t
    has 4 t of lace that go nowhere."""
    inp, out = solve(chem(disposal=None), tmp_path)
    wb = openpyxl.load_workbook(out)
    assert "disposal" not in wb.sheetnames  # no commodity may be discarded: no sheet, no line
    rep = clean(inp, out)
    assert "disposal" not in rep.costs
    edit(out, "route_flows", {"route": "MS"}, tonnes=20)
    edit(out, "route_flows", {"route": "SK"}, tonnes=10)
    edit(out, "processing", {"role": "main"}, input_t=20, output_t=10)
    rep = check(inp, out)
    v = next(x for x in rep.violations if x.family == "balance" and x.message.startswith("node S, lace"))
    assert v.message == ("node S, lace, P1: 4 t come in but neither leave, nor are processed, consumed, delivered or "
                         "kept in stock (lace has no disposal_cost_per_t: it cannot be discarded) (in: co-produced 6; "
                         "out: departures 2)")


def test_a_changed_disposal_row(tmp_path):
    inp, out = solve(chem(), tmp_path)
    row = edit(out, "disposal", {"commodity": "lace"}, discarded_t=3)
    rep = check(inp, out)
    v = only(rep, "disposal")
    assert v.message == ("disposal: node S, lace, P1: cost says 16 but it is discarded_t 3 x disposal_cost_per_t 4 = "
                         "12 (nominal)")
    assert v.inputs == (("commodities", 4),) and v.solution == (("disposal", row),)
    v = only(rep, "balance")
    assert v.message == ("node S, lace, P1: 1 t come in but neither leave, nor are processed, consumed, delivered, "
                         "discarded or kept in stock (in: co-produced 6; out: departures 2, discarded 3)")
    assert ("disposal", row) in v.solution
    assert families(rep) == ["balance", "cost", "disposal"]
    edit(out, "disposal", {"commodity": "lace"}, discarded_t=4, cost_per_t=3, cost=12)
    rep = check(inp, out)
    assert [v.message for v in rep.violations if v.family == "disposal"] == [
        "disposal: node S, lace, P1: cost_per_t says 3 but the disposal_cost_per_t of lace is 4",
        "disposal: node S, lace, P1: cost says 12 but it is discarded_t 4 x disposal_cost_per_t 4 = 16 (nominal)"]
    assert families(rep) == ["disposal"]  # the cost line is recomputed from the input's cost per tonne


def test_a_wrong_disposal_cost_line(tmp_path):
    inp, out = solve(chem(), tmp_path)
    row = edit(out, "costs", {"cost": "disposal"}, amount=15)
    rep = check(inp, out)
    v = only(rep, "cost")
    assert v.message == "cost line disposal: recomputed 16 from the plan, but the solution's costs sheet says 15 " \
                        "(off by 1)"
    assert v.solution == (("costs", row),)
    edit(out, "costs", {"cost": "disposal"}, amount=16)
    row = edit(out, "summary", {"item": "cost_disposal"}, value=20)
    v = only(check(inp, out), "cost")
    assert v.message == ("cost line disposal: recomputed 16 from the plan, but the solution's summary item "
                         "cost_disposal says 20 (off by -4)")
    assert v.solution == (("summary", row),)
    # an objective without the disposal line
    edit(out, "summary", {"item": "cost_disposal"}, value=16)
    row = edit(out, "summary", {"item": "objective"}, value=92)
    v = only(check(inp, out), "cost")
    assert v.message == ("total cost: the cost lines recomputed from the plan sum to 108, but the solution's "
                         "objective is 92 (off by 16)")
    assert v.solution == (("summary", row),)


def test_the_disposal_line_is_discounted(tmp_path):
    b = chem(periods=2, horizon="open", discount_rate=0.1)
    for per, y in zip(b.sheets["periods"], (2027, 2028)):
        per["year"] = y
    inp, out = solve(b, tmp_path)
    rep = clean(inp, out)
    assert rep.costs["disposal"] == pytest.approx(16 + 16 * D)
    assert rep.total == pytest.approx(108 * (1 + D))
    row = edit(out, "costs", {"cost": "disposal"}, amount=32)  # the nominal 16 + 16
    v = only(check(inp, out), "cost")
    assert v.message == (f"cost line disposal: recomputed {fmt(16 + 16 * D)} from the plan, but the solution's costs "
                         f"sheet says 32 (off by {fmt(16 + 16 * D - 32)})")
    assert v.solution == (("costs", row),)


def test_the_disposal_sheet_is_needed(tmp_path):
    inp, out = solve(chem(), tmp_path)
    wb = openpyxl.load_workbook(out)
    del wb["disposal"]
    wb.save(out)
    with pytest.raises(SolutionError, match="sheet 'disposal' is missing"):
        check(inp, out)


def test_coproducts_carry_the_sites_technology_for_a_licence(tmp_path):
    """S uses CN technology; lace made there needs licence L1 (controlled_content CN, 5 per application) to leave
    CN for JP: the plan applies for it and tags the lace CN (113)."""
    b = chem()
    b.sheets["sites"][0]["tech_origin"] = "CN"
    b.licence("L1", "controlled_content", "CN", commodity="lace", application_cost=5, validity_periods=1)
    inp, out = solve(b, tmp_path)
    assert clean(inp, out).total == pytest.approx(113)
    lace = find_row(out, "route_flows", route="SKL")
    assert openpyxl.load_workbook(out)["route_flows"].cell(lace, 6).value == "CN"  # tech_origin_tag
    # without the application the CN lace needs a licence it does not hold
    edit(out, "licences", {"licence": "L1"}, applied=0, held=0)
    v = only(check(inp, out), "licence")
    assert v.message.startswith("route SKL dispatched in P1: 2 t (technology 'CN', earmarked '*') need a licence L1")
    # ... and a co-product retagged as of no technology cannot be traced to the site that made it
    edit(out, "route_flows", {"route": "SKL"}, tech_origin_tag="-")
    rep = check(inp, out)
    v = only(rep, "provenance")
    assert v.message == ("node S, P1: the provenance tags do not balance: 2 t of lace|-|-|*|- leaving by SKL cannot be "
                         "traced to tonnes of that provenance here; 2 t of lace made as co-product by site S neither "
                         "leave nor are processed, delivered or kept as that provenance")
    assert ("route_flows", lace) in v.solution
    assert "licence" not in families(rep)


def test_coproducts_are_earmarked_on_their_own(tmp_path):
    """Defense lace may not leave KZ (prohibited): lace is earmarked by end use, its input ore and the main output
    reo are not (an earmark is kept from the input, never copied from the output).  So the reo for defense demand
    comes untagged: 28 t ore make 14 t reo (10 civil, 4 defense) and 8.4 t lace (2 t to civil demand, 6.4 t
    discarded), the 2 t of defense lace are short: 353.6."""
    b = chem()
    b.demand("K", 2, commodity="lace", end_use="defense", penalty=100).demand("K", 4, end_use="defense")
    b.licence("L-DEF", "export", "KZ", commodity="lace", end_use="defense", rule="prohibited")
    inp, out = solve(b, tmp_path)
    assert clean(inp, out).total == pytest.approx(353.6)
    assert cell(out, "route_flows", find_row(out, "route_flows", route="SK"), "earmarked_end_use") == "*"
    # the lace relabelled for defense: a prohibited flow, and no tonne for the civil demand it serves
    row = edit(out, "route_flows", {"route": "SKL"}, earmarked_end_use="defense")
    rep = check(inp, out)
    assert only(rep, "licence").message == ("route SKL dispatched in P1: 2 t (technology '-', earmarked 'defense') are "
                                            "a flow rule L-DEF (export KZ) prohibited forbids")
    v = only(rep, "provenance")
    assert v.message.startswith("node K, P1: the provenance tags do not balance: 2 t of lace delivered to demand of "
                                "end use civil (tonnes earmarked '*') cannot be traced")
    assert ("route_flows", row) in v.solution


def test_the_disposal_line_is_second_stage_with_scenarios(tmp_path):
    """Storm (0.3) closes the lace leg: the 6 t lace are all discarded (24) instead of 4 (16).  The plan sheets
    hold both scenarios' plans: each is checked, and the expected disposal line is 0.7 x 16 + 0.3 x 24 = 18.4."""
    inp, out = solve(chem().disruption("storm", 0.3, "leg", "SKL", cap=0.0), tmp_path)
    rep = clean(inp, out)
    assert rep.checked == ["base", "storm"]
    assert rep.costs["disposal"] == pytest.approx(16)  # the plan sheets' scenario, base
    assert rep.scenario_costs["storm"]["disposal"] == pytest.approx(24)
    assert rep.total == pytest.approx(rep.objective)
    row = edit(out, "scenarios", {"scenario": "storm"}, cost_disposal=16)
    assert [v.message for v in check(inp, out).violations] == [
        "scenario storm: cost line disposal: recomputed 24 from the plan, but the solution's scenarios sheet "
        "(scenario storm) says 16 (off by 8)"]
    assert only(check(inp, out), "cost").solution == (("scenarios", row),)
    edit(out, "scenarios", {"scenario": "storm"}, cost_disposal=24)
    # the storm plan discards 1 t less lace at S: its balance and its disposal line break, not the base's
    row = edit(out, "disposal", {"scenario": "storm", "commodity": "lace"}, discarded_t=5, cost=20)
    rep = check(inp, out)
    v = only(rep, "balance")
    assert v.message == ("scenario storm: node S, lace, P1: 1 t come in but neither leave, nor are processed, "
                         "consumed, delivered, discarded or kept in stock (in: co-produced 6; out: discarded 5)")
    assert ("disposal", row) in v.solution
    assert [x.message for x in rep.violations if x.family == "cost"][0] == (
        "scenario storm: cost line disposal: recomputed 20 from the plan, but the solution's scenarios sheet "
        "(scenario storm) says 24 (off by -4)")
    assert families(rep) == ["balance", "cost"]


def test_a_process_whose_reagent_cannot_reach_it_has_no_minimum(tmp_path):
    """The hcl supply at S has no capacity: S cannot run, and its min_throughput_t is not imposed (as the model
    does: its processing arcs do not exist)."""
    b = chem()
    b.sheets["supply"][1]["capacity_t"] = 0
    b.sheets["sites"][0]["min_throughput_t"] = 5
    inp, out = solve(b, tmp_path)
    rep = clean(inp, out)
    assert rep.total == pytest.approx(12 * 1000)  # nothing made: 10 t reo and 2 t lace short
    assert ("site S: min_throughput_t is not imposed, as no input (or one of its reagents) can reach the site, or "
            "none of its outputs can reach a use (docs/formulation.md)") in rep.notes
