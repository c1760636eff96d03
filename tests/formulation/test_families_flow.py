"""Hand-solvable cases, one or more per physical constraint family; optimum and decisive flows asserted.

The hand computation of each optimum is in the test's docstring.
"""
import numpy as np
import pytest

from builders import Net
from conftest import flows
from corridor.diagnose.trace import Tracer
from corridor.formulation.build import formulate
from corridor.formulation.families.security import add_security
from corridor.io.validate import read_inputs
from corridor.solve.highs import to_highs


def mine_market(periods=1, horizon="open", **kw):
    return Net(periods=periods, horizon=horizon, **kw).node("M", "mine").node("K", "market", "JP")


def test_supply_limit_caps_deliveries(solve_net):
    """60 t available at 10 + 5 freight; 40 t short at 1000: 60*15 + 40*1000 = 40900."""
    n = mine_market().supply("M", 60, cost=10).link("R", "M", "K", cost=5).demand("K", 100, commodity="ore")
    rep = solve_net(n)
    assert rep.result.objective == pytest.approx(40900)
    assert flows(rep) == {"R": pytest.approx(60)}
    assert rep.tables["deliveries"]["shortfall_t"].sum() == pytest.approx(40)


def test_site_yield_and_capacity(solve_net):
    """Yield 0.5, capacity 100 t ore: 60 t reo asked, 50 t made. ore 100*(1 supply + 1 freight + 2 process)
    + reo 50*3 + 10 short*1000 = 400 + 150 + 10000 = 10550."""
    n = (mine_market().node("S", "site").supply("M", 1000, cost=1).site("S", 100, cost=2, yield_=0.5)
         .link("IN", "M", "S", cost=1).link("OUT", "S", "K", cost=3, commodity="reo").demand("K", 60))
    rep = solve_net(n)
    assert rep.result.objective == pytest.approx(10550)
    assert flows(rep) == {"IN": pytest.approx(100), "OUT": pytest.approx(50)}
    proc = rep.tables["processing"]
    assert proc["output_t"].sum() == pytest.approx(50)
    assert proc["utilisation"].max() == pytest.approx(1.0)


@pytest.mark.parametrize("fixed, opened, objective", [(1000, True, 1800), (1500, False, 2000)])
def test_candidate_opened_only_when_fixed_cost_pays(solve_net, fixed, opened, objective):
    """200 t over two periods: existing E at 10/t = 2000; candidate C at 4/t saves 1200 minus its fixed cost."""
    n = (mine_market(periods=2).node("E", "site").node("C", "site").supply("M", 1000)
         .site("E", 500, cost=10).site("C", 500, cost=4, status="candidate", fixed=fixed)
         .link("ME", "M", "E").link("MC", "M", "C").link("EK", "E", "K", commodity="reo")
         .link("CK", "C", "K", commodity="reo").demand("K", 100))
    rep = solve_net(n)
    assert rep.result.objective == pytest.approx(objective)
    dec = rep.tables["decisions"]
    assert (("site opened" if opened else "site not opened"), "C") in set(zip(dec["decision"], dec["id"]))
    assert flows(rep).get("CK", 0) == pytest.approx(200 if opened else 0)


def test_min_throughput_keeps_a_cheap_candidate_closed(solve_net):
    """C processes at 1/t but must take >= 100 t when open; only 60 t can be sold and nothing can be stored,
    so C stays closed and E processes the 60 t at 5/t = 300 (without the minimum: 60)."""
    def net(min_t):
        return (mine_market().node("E", "site").node("C", "site").supply("M", 1000)
                .site("E", 200, cost=5).site("C", 200, cost=1, status="candidate", min_throughput_t=min_t)
                .link("ME", "M", "E").link("MC", "M", "C").link("EK", "E", "K", commodity="reo")
                .link("CK", "C", "K", commodity="reo").demand("K", 60))
    assert solve_net(net(100), "with").result.objective == pytest.approx(300)
    assert solve_net(net(0), "without").result.objective == pytest.approx(60)


def test_available_from_delays_a_site(solve_net):
    """C (1/t) may process from P2 only: P1 by E at 5/t, P2 by C: 10*5 + 10*1 = 60."""
    n = (mine_market(periods=2).node("E", "site").node("C", "site").supply("M", 1000)
         .site("E", 200, cost=5).site("C", 200, cost=1, available_from="P2")
         .link("ME", "M", "E").link("MC", "M", "C").link("EK", "E", "K", commodity="reo")
         .link("CK", "C", "K", commodity="reo").demand("K", 10))
    rep = solve_net(n)
    assert rep.result.objective == pytest.approx(60)
    f = flows(rep, ("route", "dispatch_period"))
    assert f[("CK", "P2")] == pytest.approx(10) and ("CK", "P1") not in f


@pytest.mark.parametrize("qty, objective, used", [(100, 600, "B"), (200, 900, "A")])
def test_route_fixed_cost(solve_net, qty, objective, used):
    """A: 1/t + 500 once; B: 3/t.  2 periods of qty: 200 t -> B 600 < 700; 400 t -> A 900 < 1200."""
    n = (mine_market(periods=2).supply("M", 1000).link("A", "M", "K", cost=1, fixed_cost=500)
         .link("B", "M", "K", cost=3).demand("K", qty, commodity="ore"))
    rep = solve_net(n)
    assert rep.result.objective == pytest.approx(objective)
    assert set(flows(rep)) == {used}


def test_route_min_volume_per_period_when_used(solve_net):
    """A (1/t) needs >= 80 t in a period it is used; demand 50 in P1, 100 in P2, no storage:
    P1 by B (3/t) = 150, P2 by A = 100 -> 250."""
    n = (mine_market(periods=2).supply("M", 1000).link("A", "M", "K", cost=1, min_volume_t=80)
         .link("B", "M", "K", cost=3).demand("K", 50, commodity="ore", period="P1")
         .demand("K", 100, commodity="ore", period="P2"))
    rep = solve_net(n)
    assert rep.result.objective == pytest.approx(250)
    f = flows(rep, ("route", "dispatch_period"))
    assert f == {("B", "P1"): pytest.approx(50), ("A", "P2"): pytest.approx(100)}


def test_route_horizon_makes_a_contract_whole_in_the_lp(solve_net, tmp_path):
    """Mine M (1000 t a period) to site S (50 t of ore a period, yield 1) by A (1/t + 300 once) or B (5/t); K
    asks 50 t of reo a period over two periods.  MIP: A carries the 100 t: 100 + 300 = 400 (B: 500).  LP
    relaxation: A may carry U = 2000 t a period (all the ore there is), so Route_Active alone lets Active[A] be
    50/2000 and the LP cost 100 + 300 * 0.025 = 107.5; S can take only 100 t over the horizon, so
    Route_Active_Horizon[A] (written with the security rows, `add_security`) makes Active[A] >= 100/100 = 1
    and the LP relaxation is the optimum, 400."""
    n = (mine_market(periods=2).node("S", "site").supply("M", 1000).site("S", 50)
         .link("A", "M", "S", cost=1, fixed_cost=300).link("B", "M", "S", cost=5)
         .link("SK", "S", "K", commodity="reo").demand("K", 50))
    rep = solve_net(n)
    assert rep.result.objective == pytest.approx(400)
    assert flows(rep) == {"A": pytest.approx(100), "SK": pytest.approx(100)}
    f = formulate(read_inputs(n.write(tmp_path / "lp.xlsx")))
    assert "Route_Active_Horizon" not in f.spec.row_blocks  # not in the min-cost model
    add_security(f, {"security_metric": "expected_shortfall"})  # its budget and cap rows are unbounded until set
    rb = f.spec.row_blocks["Route_Active_Horizon"]
    assert rb.keys == ["A"]  # B has no contract
    h = to_highs(f.spec, {})
    ints = f.spec.integer_columns()
    h.changeColsIntegrality(len(ints), ints, np.zeros(len(ints), dtype=np.uint8))
    h.run()
    assert h.getInfo().objective_function_value == pytest.approx(400)
    rows = np.array(list(rb.rows()), dtype=np.int32)
    h.deleteRows(len(rows), rows)
    h.run()
    assert h.getInfo().objective_function_value == pytest.approx(107.5)
    cites = Tracer(f).row("Route_Active_Horizon", "A")[1]
    assert [(c.sheet, c.column, c.value) for c in cites] == [("sites", "capacity_t", 50)]
    assert "at most 100 t over the horizon" in cites[0].text


def test_route_max_volume(solve_net):
    """A (1/t) carries at most 30 t a period; the other 70 go by B (3/t): 30 + 210 = 240."""
    n = (mine_market().supply("M", 1000).link("A", "M", "K", cost=1, max_volume_t=30)
         .link("B", "M", "K", cost=3).demand("K", 100, commodity="ore"))
    rep = solve_net(n)
    assert rep.result.objective == pytest.approx(240)
    assert flows(rep) == {"A": pytest.approx(30), "B": pytest.approx(70)}


def test_shared_leg_binds_across_two_routes(solve_net):
    """Leg M->H (100 t, 1/t) is shared by R1 (to K1) and R2 (to K2); K1 can only be reached through it.
    K1 80 via R1, 20 via R2, K2's other 60 by the direct route D at 10/t: 80 + 20 + 600 = 700."""
    n = (Net().node("M", "mine").node("H").node("K1", "market").node("K2", "market").supply("M", 1000)
         .leg("SH", "M", "H", cost=1, cap=100).leg("H1", "H", "K1").leg("H2", "H", "K2")
         .route("R1", ["SH", "H1"]).route("R2", ["SH", "H2"]).link("D", "M", "K2", cost=10)
         .demand("K1", 80, commodity="ore").demand("K2", 80, commodity="ore"))
    rep = solve_net(n)
    assert rep.result.objective == pytest.approx(700)
    assert flows(rep) == {"R1": pytest.approx(80), "R2": pytest.approx(20), "D": pytest.approx(60)}
    use = rep.tables["leg_use"].set_index(["leg", "period"])
    assert use.loc[("SH", "P1"), "utilisation"] == pytest.approx(1.0)


def test_leg_capacity_applies_in_the_period_the_leg_is_used(solve_net):
    """R: leg 1 takes 30 days (one 30-day period), so leg 2 of a P1 dispatch is used in P2, where it is
    closed.  P2's 10 t must come by the direct route (5/t); P3's by R dispatched in P2 (1/t): 60.
    (Checking leg 2 in the dispatch period instead would give 20.)"""
    n = (Net(periods=3).node("M", "mine").node("H").node("K", "market").supply("M", 1000)
         .leg("L1", "M", "H", cost=1, days=30).leg("L2", "H", "K", days=5).route("R", ["L1", "L2"])
         .link("ALT", "M", "K", cost=5).season("leg", "L2", cap=0, month=2)
         .demand("K", 10, commodity="ore", period="P2").demand("K", 10, commodity="ore", period="P3"))
    rep = solve_net(n)
    assert rep.result.objective == pytest.approx(60)
    f = flows(rep, ("route", "dispatch_period"))
    assert f == {("ALT", "P2"): pytest.approx(10), ("R", "P2"): pytest.approx(10)}
    rf = rep.tables["route_flows"]
    assert rf.loc[rf.route == "R", "arrival_period"].tolist() == ["P3"]


@pytest.mark.parametrize("horizon, objective", [("open", 10010), ("cyclic", 20)])
def test_transit_lead_time_sets_the_arrival_period(solve_net, horizon, objective):
    """30 days in transit = one period.  Open: P1's 10 t cannot arrive in time (10*1000) and P2's come from a
    P1 dispatch (10*1).  Cyclic: the P2 dispatch wraps round to P1, nothing is short (2*10*1)."""
    n = mine_market(periods=2, horizon=horizon).supply("M", 1000).link("R", "M", "K", cost=1, days=30)
    n.demand("K", 10, commodity="ore")
    rep = solve_net(n)
    assert rep.result.objective == pytest.approx(objective)
    rf = rep.tables["route_flows"]
    assert set(zip(rf.dispatch_period, rf.arrival_period)) == (
        {("P1", "P2")} if horizon == "open" else {("P1", "P2"), ("P2", "P1")})


def test_seasonal_closure_forces_a_stockpile(solve_net):
    """Cyclic year of 4 periods; the only leg is closed in month 3; the route takes 20 t a period.
    Cheapest: ship 20 in P2 and hold 10 t over the end of P2 (2/t): freight 40*1 + holding 20 = 60."""
    n = (mine_market(periods=4, horizon="cyclic").supply("M", 1000, commodity="reo")
         .link("R", "M", "K", cost=1, commodity="reo", max_volume_t=20).season("leg", "R", cap=0, month=3)
         .storage("K", cap=100, hold=2).demand("K", 10))
    rep = solve_net(n)
    assert rep.result.objective == pytest.approx(60)
    inv = rep.tables["inventory"].set_index("period")["stock_t"]
    assert inv["P2"] == pytest.approx(10) and inv.drop("P2").sum() == pytest.approx(0)
    assert flows(rep, ("dispatch_period",)) == {"P1": pytest.approx(10), "P2": pytest.approx(20),
                                                "P4": pytest.approx(10)}


@pytest.mark.parametrize("target_type, target", [("leg", "A"), ("route", "A"), ("corridor", "East")])
def test_cost_factors_by_month(solve_net, target_type, target):
    """A costs 1/t, but x2 in month 1; B costs 1.5/t.  10 t per period: P1 by B (15), P2 by A (10) = 25."""
    n = (mine_market(periods=2).supply("M", 1000).link("A", "M", "K", cost=1, corridor="East")
         .link("B", "M", "K", cost=1.5, corridor="West").season(target_type, target, cost=2, month=1)
         .demand("K", 10, commodity="ore"))
    rep = solve_net(n)
    assert rep.result.objective == pytest.approx(25)
    assert flows(rep, ("route", "dispatch_period")) == {("B", "P1"): pytest.approx(10), ("A", "P2"): pytest.approx(10)}


@pytest.mark.parametrize("target_type, target", [("site", "S"), ("supply", "M")])
def test_capacity_factor_on_sites_and_supply(solve_net, target_type, target):
    """Capacity 100 t, factor 0.5 in month 2: P2 delivers 50 of 100 (50 short at 1000 = 50000)."""
    n = (mine_market(periods=2).node("S", "site").supply("M", 100).site("S", 100)
         .link("IN", "M", "S").link("OUT", "S", "K", commodity="reo").season(target_type, target, cap=0.5, month=2)
         .demand("K", 100))
    rep = solve_net(n)
    assert rep.result.objective == pytest.approx(50000)
    dl = rep.tables["deliveries"].set_index("period")["delivered_t"]
    assert dl["P1"] == pytest.approx(100) and dl["P2"] == pytest.approx(50)


@pytest.mark.parametrize("horizon, objective", [("open", 20), ("cyclic", 50)])
def test_initial_stock_counts_only_in_an_open_horizon(solve_net, horizon, objective):
    """30 t in stock at the start; 50 t asked; freight 1/t.  Open: 20 shipped.  Cyclic: initial ignored, 50."""
    n = (mine_market(horizon=horizon).supply("M", 1000, commodity="reo").link("R", "M", "K", cost=1, commodity="reo")
         .storage("K", cap=100, initial=30).demand("K", 50))
    assert solve_net(n).result.objective == pytest.approx(objective)


def test_shortfall_penalty_per_demand_row(solve_net):
    """50 t for 40 civil (penalty 100) and 40 defense (penalty 1000): defense first; 30 civil short = 3000."""
    n = (mine_market().supply("M", 50, commodity="reo").link("R", "M", "K", commodity="reo")
         .demand("K", 40, penalty=100).demand("K", 40, end_use="defense", penalty=1000))
    rep = solve_net(n)
    assert rep.result.objective == pytest.approx(3000)
    dl = rep.tables["deliveries"].set_index("end_use")["delivered_t"]
    assert dl["defense"] == pytest.approx(40) and dl["civil"] == pytest.approx(10)


def test_settings_penalty_applies_where_demand_gives_none(solve_net):
    n = mine_market(shortfall_penalty_per_t=7).supply("M", 0).link("R", "M", "K", commodity="reo")
    n.sheets["demand"].append({"market": "K", "commodity": "reo", "period": "*", "quantity_t": 10})
    assert solve_net(n).result.objective == pytest.approx(70)


@pytest.mark.parametrize("order", ["star_first", "period_first"])
def test_a_period_row_overrides_a_star_row(solve_net, order):
    """Supply 100 t every period but 0 in P2 (its own row), whatever the row order; 10 t asked per period:
    P2 is short (10*1000) -> 10010 with 1/t freight in P1."""
    rows = [{"period": "*", "capacity_t": 100}, {"period": "P2", "capacity_t": 0}]
    if order == "period_first":
        rows.reverse()
    n = mine_market(periods=2).link("R", "M", "K", cost=1)
    for r in rows:
        n.sheets["supply"].append({"node": "M", "commodity": "ore", "cost_per_t": 0, **r})
    n.demand("K", 10, commodity="ore")
    assert solve_net(n).result.objective == pytest.approx(10010)


def test_site_must_turn_one_commodity_into_another(tmp_path):
    """Ore -> ore at a yield above 1 would make tonnes from nothing inside one balance row: refused."""
    from corridor import InputError, read_inputs
    n = (mine_market().node("S", "site").supply("M", 1000).site("S", 100, yield_=2, out="ore")
         .link("IN", "M", "S").link("OUT", "S", "K").demand("K", 10, commodity="ore"))
    with pytest.raises(InputError) as exc:
        read_inputs(n.write(tmp_path / "loop.xlsx"))
    assert [(i.sheet, i.row, i.column) for i in exc.value.issues] == [("sites", 2, "output_commodity")]
