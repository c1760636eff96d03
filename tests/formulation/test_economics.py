"""Hand-solvable cases of the contract v2 economics: objective max_margin (revenue minus cost, only a row's own
penalty counts) and demand.min_fill (in every period and every disruption scenario, named when it cannot hold)."""
from __future__ import annotations

import pytest

from builders import Net, solved, two_corridors
from corridor.io.issues import InputError
from corridor.io.validate import read_inputs
from corridor.pipeline import run
from corridor.studies.pareto import frontier


def market_pair(**settings):
    """Mine M: 100 t ore at 10/t; K1 and K2 (JP) by routes at 5/t.  K1 takes 50 t at 30/t, K2 50 t at 12/t (below
    the 15/t it costs to bring a tonne there)."""
    n = (Net(periods=1, objective="max_margin", **settings).node("M", "mine").node("K1", "market", "JP")
         .node("K2", "market", "JP").supply("M", 100, cost=10)
         .link("A", "M", "K1", cost=5).link("B", "M", "K2", cost=5))
    n.add("demand", market="K1", commodity="ore", end_use="civil", period="*", quantity_t=50, price_per_t=30)
    n.add("demand", market="K2", commodity="ore", end_use="civil", period="*", quantity_t=50, price_per_t=12)
    return n



def delivered(rep):
    return {r.market: r.delivered_t for r in rep.tables["deliveries"].itertuples()}


def test_max_margin_sells_only_where_the_price_covers_the_cost(tmp_path):
    """K1: 50 t x (30 - 15) = 750; K2 loses 3/t and has no penalty of its own (the settings' default penalty does
    not apply under max_margin): nothing goes there.  The margin is the objective, maximised."""
    rep = solved(market_pair(shortfall_penalty_per_t=1000), tmp_path)
    assert rep.result.objective == pytest.approx(750)
    assert delivered(rep) == {"K1": pytest.approx(50), "K2": pytest.approx(0)}
    summary = dict(zip(rep.tables["summary"].item, rep.tables["summary"].value))
    assert summary["objective_sense"] == "maximise"
    assert rep.costs["revenue"] == pytest.approx(-1500) and rep.costs["supply"] == pytest.approx(500)


def test_max_margin_counts_a_rows_own_penalty(tmp_path):
    """K2 with a penalty of 5/t: delivering loses 3/t but saves 5/t, so 50 t go: 750 - 150 = 600 (not 750 - 250)."""
    n = market_pair()
    n.sheets["demand"][1]["shortfall_penalty_per_t"] = 5
    rep = solved(n, tmp_path)
    assert rep.result.objective == pytest.approx(600)
    assert delivered(rep)["K2"] == pytest.approx(50)


def test_min_fill_forces_a_share_at_a_loss(tmp_path):
    """K2 with min_fill 0.4: 20 t at a loss of 3/t: 750 - 60 = 690."""
    n = market_pair()
    n.sheets["demand"][1]["min_fill"] = 0.4
    rep = solved(n, tmp_path)
    assert rep.result.objective == pytest.approx(690)
    assert delivered(rep)["K2"] == pytest.approx(20)


def test_min_fill_holds_in_every_disruption_scenario(tmp_path):
    """Two corridors (builders.two_corridors, p = 0.1): without min_fill only A is contracted (600); with min_fill
    0.5 the scenario that closes East must still deliver 50 t, so B is contracted too: 720."""
    assert solved(two_corridors(), tmp_path, "base").result.objective == pytest.approx(600)
    n = two_corridors()
    n.sheets["demand"][0]["min_fill"] = 0.5
    rep = solved(n, tmp_path, "fill")
    assert rep.result.objective == pytest.approx(720)
    # every scenario's plan is on the plan sheets, the base first; B is a back-up for east-closed
    flows = rep.tables["route_flows"]
    assert list(flows.scenario) == ["base", "east-closed"] and list(flows.route) == ["A", "B"]
    assert list(rep.tables["deliveries"].scenario) == ["base", "east-closed"]
    b = rep.tables["decisions"].set_index("id").loc["B"]
    assert b.tonnes == 0 and "back-up, carries tonnes in scenario east-closed" in b.detail


def test_a_min_fill_no_plan_can_meet_is_named(tmp_path):
    """30 t of supply, 100 t demanded with min_fill 0.5 in each of two periods: no plan; the explanation names
    the demand row's min_fill and the supply row."""
    n = (Net(periods=2).node("M", "mine").node("K", "market", "JP").supply("M", 30).link("A", "M", "K")
         .demand("K", 100, commodity="ore", min_fill=0.5))
    rep = run(n.write(tmp_path / "short.xlsx"), tmp_path / "short-solution.xlsx")
    assert rep.result.status == "infeasible"
    cells = rep.explanation.cells()
    assert ("demand", 2, "min_fill") in cells and ("supply", 2, "capacity_t") in cells, rep.explanation.lines()


def test_min_cost_workbooks_keep_the_settings_penalty(tmp_path):
    """The same book under min_cost: the price is reported only, K2's shortfall costs the default penalty
    (here 20/t > 15/t), so both markets are served: cost 100 x 15 = 1500."""
    n = market_pair(shortfall_penalty_per_t=20)
    n.sheets["settings"]["objective"] = "min_cost"
    rep = solved(n, tmp_path)
    assert rep.result.objective == pytest.approx(1500)
    assert "revenue" not in rep.costs


def two_plants(**settings):
    """Mine M (KZ) ore 100 t at 0: plants P-CN (CN) and P-MY (MY) turn ore into reo 1:1 at 10/t (P-CN) and 12/t
    (P-MY); routes MC (ore, corridor East, 1/t) and MM (ore, corridor West, 3/t); oxide routes CK, MK to US market
    K (1/t each).  K takes 10 t reo (penalty 1000/t).  Cheapest: via CN at 1 + 10 + 1 = 12/t (120)."""
    n = (Net(periods=1, **settings).node("M", "mine").node("P-CN", "site", "CN").node("P-MY", "site", "MY")
         .node("K", "market", "US").supply("M", 100)
         .site("P-CN", 100, cost=10).site("P-MY", 100, cost=12)
         .link("MC", "M", "P-CN", cost=1, corridor="East").link("MM", "M", "P-MY", cost=3, corridor="West")
         .link("CK", "P-CN", "K", cost=1, commodity="reo").link("MK", "P-MY", "K", cost=1, commodity="reo")
         .demand("K", 10))
    return n


def charge(n, charge, kind, target_type, target, per_t, **kw):
    return n.add("charges", charge=charge, kind=kind, target_type=target_type, target=target, per_t=per_t, **kw)


def test_a_tariff_on_oxide_processed_in_china_moves_the_chain(tmp_path):
    """A US tariff of 5/t on reo processed in CN delivered to K: via CN 12 + 5 = 17/t, via MY 3 + 12 + 1 = 16/t:
    the plan goes west (160), no tariff is paid."""
    assert solved(two_plants(), tmp_path, "base").result.objective == pytest.approx(120)
    n = charge(two_plants(), "US-TARIFF-CN", "tariff", "market", "K", 5, commodity="reo", processing_country="CN",
               payer="US importers")
    rep = solved(n, tmp_path)
    assert rep.result.objective == pytest.approx(160)
    row = rep.tables["charges"].iloc[0]
    assert row.counted_t == pytest.approx(0) and row.amount == pytest.approx(0)


def test_a_tax_that_is_paid_is_its_own_line_and_reported_per_payer(tmp_path):
    """A tax of 1/t on input processed at sites in CN: via CN 13/t < 16/t: 130, the tax line 10."""
    n = charge(two_plants(), "G7-CARBON-CN", "tax", "site", "*", 1, processing_country="CN", payer="G7")
    rep = solved(n, tmp_path)
    assert rep.result.objective == pytest.approx(130) and rep.costs["tax"] == pytest.approx(10)
    payers = rep.tables["charge_payers"]
    assert payers.set_index("payer").at["G7", "amount"] == pytest.approx(10)


def test_a_subsidy_on_a_corridor_within_its_budget(tmp_path):
    """A subsidy of 5/t on corridor West: via MY 16 - 5 = 11/t < 12: 110 and the subsidy line -50.  With a budget
    of 20 only 4 t can be paid: 4 t west (64 - 20 = 44) + 6 t east (72) = 116, the budget used in full (the
    tonnes beyond it would cost 16/t against 12/t east)."""
    n = charge(two_plants(), "JP-MC", "subsidy", "corridor", "West", 5, payer="JP-GOV")
    rep = solved(n, tmp_path)
    assert rep.result.objective == pytest.approx(110) and rep.costs["subsidy"] == pytest.approx(-50)
    n = charge(two_plants(), "JP-MC", "subsidy", "corridor", "West", 5, payer="JP-GOV", budget=20)
    rep = solved(n, tmp_path, "budget")
    assert rep.result.objective == pytest.approx(116)
    row = rep.tables["charges"].iloc[0]
    assert row.paid_t == pytest.approx(4) and row.amount == pytest.approx(-20) and row.budget_used == pytest.approx(1)


def test_a_leg_fee_counts_in_the_period_the_tonnes_enter_the_leg(tmp_path):
    """Two periods (K takes 10 t in each); a fee of 2/t on leg MC only in P2: P2's 10 t still go east (12 + 2 = 14 <
    16): 120 + 140 = 260, the fee line 20."""
    n = two_plants()
    n.sheets["periods"] = [{"period": "P1", "month": 1, "days": 30}, {"period": "P2", "month": 2, "days": 30}]
    charge(n, "FEE", "fee", "leg", "MC", 2, period="P2")
    rep = solved(n, tmp_path)
    assert rep.result.objective == pytest.approx(120 + 140)
    assert rep.costs["fee"] == pytest.approx(20)


@pytest.mark.parametrize("row, column, needle", [
    ({"charge": "X", "kind": "tariff", "target_type": "route", "target": "NOPE", "per_t": 1}, "target",
     "'NOPE' is not a known route"),
    ({"charge": "X", "kind": "tariff", "target_type": "market", "target": "K", "per_t": 1, "budget": 5}, "budget",
     "only on a subsidy or premium"),
    ({"charge": "X", "kind": "fee", "target_type": "leg", "target": "MC", "per_t": 1, "month": 1, "period": "P1"},
     "period", "not both"),
])
def test_bad_charges_rows_are_named(tmp_path, row, column, needle):
    n = two_plants()
    n.add("charges", **row)
    with pytest.raises(InputError) as e:
        read_inputs(n.write(tmp_path / "bad.xlsx"))
    found = [i for i in e.value.issues if i.sheet == "charges" and i.row == 2 and i.column == column]
    assert found and needle in found[0].message, [str(i) for i in e.value.issues]


def kuantan(scope):
    """Mine M (KZ) -> plant P (MY) by East (a leg in CN, 1/t) or West (a leg in GE, 3/t); oxide to US and EU
    markets at 1/t, 10 t each.  China refuses transit of rare earths bound for the US (prohibited, ``scope``)."""
    n = (Net(periods=1).node("M", "mine").node("P", "site", "MY").node("US", "market", "US")
         .node("EU", "market", "NL").supply("M", 100).site("P", 100)
         .link("EAST", "M", "P", cost=1, corridor="China", country="CN")
         .link("WEST", "M", "P", cost=3, corridor="Middle Corridor", country="GE")
         .link("PUS", "P", "US", cost=1, commodity="reo").link("PEU", "P", "EU", cost=1, commodity="reo")
         .demand("US", 10).demand("EU", 10))
    n.licence("CN-TRANSIT", "transit", "CN", rule="prohibited", destination_country="US", scope=scope)
    return n


def test_a_chain_rule_follows_the_tonnes_to_their_market(tmp_path):
    """With scope = route the rule looks at the ore route's destination (MY), so all 20 t cross China: 40.  With
    scope = chain: ore whose oxide is sold in the US may not cross China: US via West (3 + 1) x 10, EU via East (1 + 1)
    x 10 = 60, and the US gets no tonne that crossed China."""
    assert solved(kuantan("route"), tmp_path, "route").result.objective == pytest.approx(40)
    rep = solved(kuantan("chain"), tmp_path, "chain")
    assert rep.result.objective == pytest.approx(60)
    flows = {r.route: r.tonnes for r in rep.tables["route_flows"].itertuples()}
    assert flows["EAST"] == pytest.approx(10) and flows["WEST"] == pytest.approx(10)


def test_the_frontier_of_a_max_margin_workbook_traces_margin(tmp_path):
    """Two corridors with a price of 60/t under max_margin (the row's penalty 50/t still counts): only A earns
    5400 - 600 = 4800, A and B 6000 - 720 = 5280, only B 6000 - 800 = 5200.  The most secure plan (no shortfall)
    is also the best margin: the frontier's points report expected_margin 5280."""
    n = two_corridors(objective="max_margin")
    n.sheets["demand"][0]["price_per_t"] = 60
    assert solved(n, tmp_path).result.objective == pytest.approx(5280)
    table, _ss, _settings = frontier(read_inputs(n.write(tmp_path / "frontier.xlsx")), points=3)
    assert "expected_margin" in table and table.expected_margin.iloc[0] == pytest.approx(5280)
    assert table["expected_shortfall_share"].iloc[0] == pytest.approx(0)
