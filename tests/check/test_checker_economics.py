"""The solution checker on the contract v2 economics: objective max_margin (revenue, the margin as objective),
demand.min_fill, the charges sheet (tariffs, taxes, fees, subsidies with budgets) and licence rules with
scope = chain.  Solved plans of the hand-solvable books of tests/formulation/test_economics.py pass; hand-edited
plans fail with the exact violation and the rows involved.  The helpers are test_checker's.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from test_checker import append, clean, edit, families, find_row, only, solve

from builders import two_corridors
from corridor.check.checker import check, format_report

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "formulation"))
from test_economics import charge, kuantan, market_pair, two_plants  # noqa: E402 - the books live beside the model's tests


def messages(rep, family):
    return [v.message for v in rep.violations if v.family == family]


# -- max_margin -------------------------------------------------------------------------------------------------
def test_a_max_margin_plan_passes_and_its_objective_is_the_margin(tmp_path):
    """K1: 50 t x (30 - 15) = 750; K2 (12/t, no penalty of its own) gets nothing: the settings' 1000/t penalty does
    not apply under max_margin."""
    inp, out = solve(market_pair(shortfall_penalty_per_t=1000), tmp_path)
    rep = clean(inp, out)
    assert rep.margin and rep.total == pytest.approx(750) and rep.objective == pytest.approx(750)
    assert rep.costs["revenue"] == pytest.approx(-1500) and rep.costs["shortfall_penalty"] == pytest.approx(0)
    assert format_report(rep)[-1] == ("no violation: the plan satisfies every rule of the input; margin 750 USD "
                                      "equals the solution's objective 750 USD")


def test_a_wrong_margin(tmp_path):
    inp, out = solve(market_pair(), tmp_path)
    row = edit(out, "summary", {"item": "objective"}, value=700)
    v = only(check(inp, out), "cost")
    assert v.message == ("margin: minus the cost lines recomputed from the plan (revenue less cost) is 750, but the "
                         "solution's objective is 700 (off by 50)")
    assert v.solution == (("summary", row),)
    edit(out, "summary", {"item": "objective"}, value=-750)  # the cost minus revenue the solver minimised
    assert only(check(inp, out), "cost").message.endswith("but the solution's objective is -750 (off by 1,500)")
    edit(out, "summary", {"item": "objective"}, value=750)
    # the revenue line of more tonnes than were delivered, and a minimising sense
    line = edit(out, "costs", {"cost": "revenue"}, amount=-1600)
    sense = edit(out, "summary", {"item": "objective_sense"}, value="minimise")
    rep = check(inp, out)
    v = only(rep, "cost")
    assert v.message == ("cost line revenue: recomputed -1,500 from the plan, but the solution's costs sheet says "
                         "-1,600 (off by 100)")
    assert v.solution == (("costs", line),)
    v = only(rep, "plan")
    assert v.message == "summary: objective_sense says minimise, but the objective max_margin maximises the margin"
    assert v.solution == (("summary", sense),)


def test_deliveries_revenue_column(tmp_path):
    inp, out = solve(market_pair(), tmp_path)
    row = edit(out, "deliveries", {"market": "K1"}, revenue=1400)
    v = only(check(inp, out), "demand")
    assert v.message == ("demand K1, ore, civil, P1: revenue says 1,400 but it is 1,500 (delivered_t x price_per_t "
                         "30)")
    assert v.inputs == (("demand", 2),) and v.solution == (("deliveries", row),)


# -- min_fill ---------------------------------------------------------------------------------------------------
def test_a_min_fill_not_met(tmp_path):
    """K2 with min_fill 0.4: the plan sends 20 t at a loss (690); a planner who sends 15 t breaks the row."""
    n = market_pair()
    n.sheets["demand"][1]["min_fill"] = 0.4
    inp, out = solve(n, tmp_path)
    assert clean(inp, out).total == pytest.approx(690)
    edit(out, "route_flows", {"route": "B"}, tonnes=15)
    row = edit(out, "deliveries", {"market": "K2"}, delivered_t=15, shortfall_t=35, revenue=180)
    rep = check(inp, out)
    v = only(rep, "demand")
    assert v.message == ("demand K2, ore, civil, P1: 15 t delivered, below min_fill 0.4 x quantity_t 50 = 20 t (in "
                         "every period the row covers), by 5 t")
    assert v.amount == pytest.approx(5)
    assert v.inputs == (("demand", 3),) and v.solution == (("deliveries", row),)
    assert families(rep) == ["cost", "demand"]  # supply, freight and revenue of 5 t less


def test_min_fill_holds_in_every_scenario(tmp_path):
    """two_corridors with min_fill 0.5: scenario east-closed must deliver at least 50 t, so B is contracted (720)
    and carries the 100 t there.  Its plan is on the plan sheets too: a planner who cuts it to 40 t breaks the row
    in that scenario."""
    n = two_corridors()
    n.sheets["demand"][0]["min_fill"] = 0.5
    inp, out = solve(n, tmp_path)
    rep = clean(inp, out)
    assert rep.checked == ["base", "east-closed"] and rep.total == pytest.approx(720)
    edit(out, "route_flows", {"scenario": "east-closed", "route": "B"}, tonnes=40)
    row = edit(out, "deliveries", {"scenario": "east-closed"}, delivered_t=40, shortfall_t=60, penalty_cost=3000)
    rep = check(inp, out)
    v = only(rep, "demand")
    assert v.message == ("scenario east-closed: demand K, ore, civil, P1: 40 t delivered, below min_fill 0.5 x "
                         "quantity_t 100 = 50 t (in every period the row covers), by 10 t")
    assert v.solution == (("deliveries", row),)
    # its cost lines differ from its row of the scenarios sheet, and the expected total from the objective
    assert [x.message.split(" from")[0] for x in rep.violations if x.family == "cost"] == [
        "scenario east-closed: cost line freight: recomputed 80", "scenario east-closed: cost line shortfall_penalty: "
        "recomputed 3,000", "total cost: the cost lines recomputed"]


# -- charges ----------------------------------------------------------------------------------------------------
def tariff():
    """two_plants with a US tariff of 1/t on reo processed in CN delivered to K: via CN 12 + 1 = 13 < 16/t via MY:
    130, the tariff line 10."""
    return charge(two_plants(), "US-TARIFF-CN", "tariff", "market", "K", 1, commodity="reo",
                  processing_country="CN", payer="US importers")


def test_charged_plans_pass(tmp_path):
    inp, out = solve(tariff(), tmp_path, "tariff")
    rep = clean(inp, out)
    assert rep.total == pytest.approx(130) and rep.costs["tariff"] == pytest.approx(10)
    assert rep.counts["charges"] == 1 and rep.counts["charge payers"] == 1
    n = charge(two_plants(), "G7-CARBON-CN", "tax", "site", "*", 1, processing_country="CN", payer="G7")
    rep = clean(*solve(n, tmp_path, "tax"))
    assert rep.total == pytest.approx(130) and rep.costs["tax"] == pytest.approx(10)
    n = charge(two_plants(), "JP-MC", "subsidy", "corridor", "West", 5, payer="JP-GOV", budget=20)
    rep = clean(*solve(n, tmp_path, "subsidy"))
    assert rep.total == pytest.approx(116) and rep.costs["subsidy"] == pytest.approx(-20)
    n = two_plants()
    n.sheets["periods"] = [{"period": "P1", "month": 1, "days": 30}, {"period": "P2", "month": 2, "days": 30}]
    charge(n, "FEE", "fee", "leg", "MC", 2, period="P2")
    rep = clean(*solve(n, tmp_path, "fee"))
    assert rep.total == pytest.approx(260) and rep.costs["fee"] == pytest.approx(20)


def test_what_a_payer_pays_is_checked(tmp_path):
    """charge_payers' pays / pays_pv are what each payer pays, >= 0 for a tariff's importers: a sheet that books the
    importers' 10 as -10 (the sign of a subsidy) is found."""
    inp, out = solve(tariff(), tmp_path)
    assert not check(inp, out).violations
    payer = edit(out, "charge_payers", {"payer": "US importers"}, pays=-10, pays_pv=-10)
    rep = check(inp, out)
    assert messages(rep, "charge") == [
        "charge_payers: payer US importers: pays says -10 but its charges give 10; pays_pv says -10 but its charges "
        "give 10"]
    assert rep.violations[0].solution == (("charge_payers", payer),)


def test_a_tariff_not_charged(tmp_path):
    """The planner leaves the tariff out: the charges row, the payers row, the tariff line and the objective say 0
    but the 10 t of CN-processed oxide delivered to K count."""
    inp, out = solve(tariff(), tmp_path)
    row = edit(out, "charges", {"charge": "US-TARIFF-CN"}, counted_t=0, paid_t=0, amount=0, amount_pv=0)
    payer = edit(out, "charge_payers", {"payer": "US importers"}, amount=0, amount_pv=0)
    line = edit(out, "costs", {"cost": "tariff"}, amount=0)
    edit(out, "summary", {"item": "cost_tariff"}, value=0)
    edit(out, "summary", {"item": "objective"}, value=120)
    rep = check(inp, out)
    delivered = find_row(out, "deliveries", market="K")
    assert messages(rep, "charge") == [
        "charges: charge US-TARIFF-CN (tariff on market K): counted_t says 0 but it is 10 (the tonnes the charge "
        "counts in the plan); paid_t says 0 but it is 10 (the tonnes it is paid on); amount says 0 but it is 10 "
        "(per_t x paid_t, nominal); amount_pv says 0 but it is 10 (per_t x paid_t x d(p))",
        "charge_payers: payer US importers: amount says 0 but its charges give 10; amount_pv says 0 but its charges "
        "give 10"]
    v = rep.violations[0]
    assert v.inputs == (("charges", 2),) and v.solution == (("charges", row), ("deliveries", delivered))
    assert rep.violations[1].solution == (("charge_payers", payer),)
    assert messages(rep, "cost") == [
        "cost line tariff: recomputed 10 from the plan, but the solution's costs sheet says 0 (off by 10)",
        "cost line tariff: recomputed 10 from the plan, but the solution's summary item cost_tariff says 0 (off by "
        "10)",
        "total cost: the cost lines recomputed from the plan sum to 130, but the solution's objective is 120 (off by "
        "10)"]
    assert only_row(rep, "cost line tariff: recomputed 10 from the plan, but the solution's costs sheet") == (
        ("costs", line),)


def only_row(rep, start):
    return next(v.solution for v in rep.violations if v.message.startswith(start))


def test_a_tariff_dodged_by_relabelling_the_processing_country(tmp_path):
    """The CN oxide relabelled as of no processing country: the tariff no longer counts it, and its provenance
    cannot be traced (the tariff names CN, so the tags keep CN)."""
    inp, out = solve(tariff(), tmp_path)
    row = edit(out, "route_flows", {"route": "CK"}, processing_country_tag="-")
    rep = check(inp, out)
    v = only(rep, "provenance")
    assert v.message.startswith("node P-CN, P1: the provenance tags do not balance: 10 t of reo|-|-|*|- leaving by CK "
                                "cannot be traced to tonnes of that provenance here")
    assert ("route_flows", row) in v.solution
    assert messages(rep, "charge")[0].startswith("charges: charge US-TARIFF-CN (tariff on market K): counted_t says "
                                                 "10 but it is 0 (the tonnes the charge counts in the plan)")


def subsidy_case():
    """Subsidy of 5/t on corridor West with a budget of 20: 4 t west (4 x 16 - 20 = 44) and 6 t east (72): 116."""
    return charge(two_plants(), "JP-MC", "subsidy", "corridor", "West", 5, payer="JP-GOV", budget=20)


def test_a_subsidy_above_its_budget(tmp_path):
    """The planner sends all 10 t west and books the subsidy on all of them (50): the budget pays 20 at most."""
    inp, out = solve(subsidy_case(), tmp_path)
    for r, t in (("MM", 10), ("MK", 10), ("MC", 0), ("CK", 0)):
        edit(out, "route_flows", {"route": r}, tonnes=t)
    edit(out, "processing", {"site": "P-MY"}, input_t=10, output_t=10)
    edit(out, "processing", {"site": "P-CN"}, input_t=0, output_t=0)
    row = edit(out, "charges", {"charge": "JP-MC"}, counted_t=10, paid_t=10, amount=-50, amount_pv=-50,
               budget_used=2.5)
    edit(out, "charge_payers", {"payer": "JP-GOV"}, amount=-50, amount_pv=-50, pays=50, pays_pv=50)
    edit(out, "costs", {"cost": "subsidy"}, amount=-50)
    rep = check(inp, out)
    v = only(rep, "charge")
    assert v.message == ("charge JP-MC (subsidy on corridor West): paid on 10 t x per_t 5 = 50, above its budget 20, "
                         "by 30 (tonnes beyond the budget get nothing)")
    assert v.amount == pytest.approx(30)
    mm = find_row(out, "route_flows", route="MM")
    assert v.inputs == (("charges", 2),) and v.solution == (("charges", row), ("route_flows", mm))
    assert ("cost line subsidy: recomputed -20 from the plan, but the solution's costs sheet says -50 (off by 30)"
            in messages(rep, "cost"))
    assert families(rep) == ["charge", "cost"]  # and the freight and processing lines of the new plan


def test_a_wrong_charges_sheet_row(tmp_path):
    n = charge(two_plants(), "G7-CARBON-CN", "tax", "site", "*", 1, processing_country="CN", payer="G7")
    inp, out = solve(n, tmp_path)
    row = edit(out, "charges", {"charge": "G7-CARBON-CN"}, amount=12)
    rep = check(inp, out)
    v = only(rep, "charge")
    assert v.message == ("charges: charge G7-CARBON-CN (tax on every site): amount says 12 but it is 10 (per_t x "
                         "paid_t, nominal)")
    assert v.solution[0] == ("charges", row) and ("processing", find_row(out, "processing", site="P-CN")) in v.solution
    assert families(rep) == ["charge"]  # the cost line counts the plan's tonnes, not the row
    edit(out, "charges", {"charge": "G7-CARBON-CN"}, amount=10, budget=5, kind="fee")
    rep = check(inp, out)
    assert messages(rep, "plan") == ["charges: the row of G7-CARBON-CN says kind 'fee', but the input's is 'tax'"]
    assert messages(rep, "charge") == ["charges: charge G7-CARBON-CN (tax on every site): budget says 5 but it is "
                                       "blank (the input's budget)"]
    append(out, "charges", charge="NOPE", kind="fee", counted_t=1, paid_t=1, amount=1, amount_pv=1)
    assert "charges: 'NOPE' is not a charge of the input" in messages(check(inp, out), "plan")


def test_a_leg_fee_counts_where_the_tonnes_enter_the_leg(tmp_path):
    """Fee 2/t on leg MC in P2 only; MC takes 35 days, so ore dispatched on a route through it in P1 ... here the
    one-leg route MC is entered in its dispatch period: P2's 10 t pay 20; a row counting P1's too is wrong."""
    n = two_plants()
    n.sheets["periods"] = [{"period": "P1", "month": 1, "days": 30}, {"period": "P2", "month": 2, "days": 30}]
    charge(n, "FEE", "fee", "leg", "MC", 2, period="P2")
    inp, out = solve(n, tmp_path)
    row = edit(out, "charges", {"charge": "FEE"}, counted_t=20, paid_t=20, amount=40, amount_pv=40)
    v = only(check(inp, out), "charge")
    assert v.message.startswith("charges: charge FEE (fee on leg MC): counted_t says 20 but it is 10 (the tonnes the "
                                "charge counts in the plan); paid_t says 20 but it is 10")
    assert v.solution[:2] == (("charges", row), ("route_flows", find_row(out, "route_flows", route="MC",
                                                                         dispatch_period="P2")))


def test_a_capped_subsidy_in_another_scenario(tmp_path):
    """two_corridors with min_fill 0.5 (B is contracted) and a subsidy of 1/t on corridor West (budget 30): scenario
    east-closed ships 100 t by B and receives 30 (its paid tonnes are not on the plan sheets: its scenarios-sheet
    figure is taken where the budget allows it); a figure beyond the budget is found."""
    n = charge(two_corridors(), "WEST-AID", "subsidy", "corridor", "West", 1, budget=30)
    n.sheets["demand"][0]["min_fill"] = 0.5
    inp, out = solve(n, tmp_path)
    rep = clean(inp, out)
    assert rep.checked == ["base", "east-closed"]
    assert rep.total == pytest.approx(rep.objective)
    row = edit(out, "scenarios", {"scenario": "east-closed"}, cost_subsidy=-40)
    v = only(check(inp, out), "cost")
    assert v.message == ("scenario east-closed: cost line subsidy: the plan gives between -30 and 0 (a budget's "
                         "subsidy whose split the plan does not report), but the solution's scenarios sheet (scenario "
                         "east-closed) says -40 (off by -10)")
    assert v.solution == (("scenarios", row),)


# -- licences with scope = chain --------------------------------------------------------------------------------
def test_a_chain_rule_plan_passes(tmp_path):
    inp, out = solve(kuantan("chain"), tmp_path)
    rep = clean(inp, out)
    assert rep.total == pytest.approx(60)


def test_oxide_for_the_us_from_ore_that_crossed_china(tmp_path):
    """China refuses transit of rare earths bound for the US (scope = chain).  Relabelled so that the ore by East
    is the US's: the East route carries tonnes the rule forbids although it ends in Malaysia."""
    inp, out = solve(kuantan("chain"), tmp_path)
    east = edit(out, "route_flows", {"route": "EAST"}, earmarked_end_use="*>US")
    edit(out, "route_flows", {"route": "WEST"}, earmarked_end_use="*>~")
    rep = check(inp, out)
    v = only(rep, "licence")
    assert v.message == ("route EAST dispatched in P1: 10 t (technology '-', earmarked '*>US') are a flow rule "
                         "CN-TRANSIT (transit CN) prohibited forbids")
    assert v.inputs == (("licences", 2),) and v.solution == (("route_flows", east),)
    assert families(rep) == ["licence"]


def test_all_ore_by_china_leaves_the_us_oxide_untraceable(tmp_path):
    """All 20 t of ore by East (earmarked for elsewhere): the oxide sent to the US has no US-earmarked ore behind
    it; relabelled for elsewhere too, it cannot serve the US market."""
    inp, out = solve(kuantan("chain"), tmp_path)
    edit(out, "route_flows", {"route": "EAST"}, tonnes=20)
    edit(out, "route_flows", {"route": "WEST"}, tonnes=0)
    rep = check(inp, out)
    v = only(rep, "provenance")
    assert v.message.startswith("node P, P1: the provenance tags do not balance: 10 t of reo|-|-|*>US|- leaving by "
                                "PUS cannot be traced to tonnes of that provenance here")
    assert families(rep) == ["cost", "provenance"]  # freight 20 x 1 + 20 x 1 = 40, not 60
    pus = edit(out, "route_flows", {"route": "PUS"}, earmarked_end_use="*>~")
    rep = check(inp, out)
    v = only(rep, "provenance")
    assert v.message.startswith("node US, P1: the provenance tags do not balance: 10 t of reo delivered to demand of "
                                "end use civil (tonnes earmarked '*>US') cannot be traced")
    assert ("route_flows", pus) in v.solution
