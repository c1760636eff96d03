"""Hand-solvable cases of the contract v2 economics: objective max_margin (revenue minus cost, only a row's own
penalty counts) and demand.min_fill (in every period and every disruption scenario, named when it cannot hold)."""
from __future__ import annotations

import pytest
from builders import Net, two_corridors

from corridor.pipeline import run


def market_pair(**settings):
    """Mine M: 100 t ore at 10/t; K1 and K2 (JP) by routes at 5/t.  K1 takes 50 t at 30/t, K2 50 t at 12/t (below
    the 15/t it costs to bring a tonne there)."""
    n = (Net(periods=1, objective="max_margin", **settings).node("M", "mine").node("K1", "market", "JP")
         .node("K2", "market", "JP").supply("M", 100, cost=10)
         .link("A", "M", "K1", cost=5).link("B", "M", "K2", cost=5))
    n.add("demand", market="K1", commodity="ore", end_use="civil", period="*", quantity_t=50, price_per_t=30)
    n.add("demand", market="K2", commodity="ore", end_use="civil", period="*", quantity_t=50, price_per_t=12)
    return n


def solved(n, tmp_path, name="case"):
    rep = run(n.write(tmp_path / f"{name}.xlsx"), tmp_path / f"{name}-solution.xlsx")
    assert rep.result.proven_optimal, rep.result.message
    return rep


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
    assert solved(n, tmp_path, "fill").result.objective == pytest.approx(720)


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
