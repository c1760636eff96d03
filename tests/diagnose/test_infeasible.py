"""Infeasible and hard cases: must-meet demand, the conflicting input rows (an IIS of the LP relaxation, or an
elastic re-solve when only integrality is to blame) and numerical warnings.

Every workbook is small enough to reason about by hand; the conflicting cells are asserted exactly as
(sheet, Excel row, column).  Net rows start at Excel row 2 in the order they are added.
"""
import pytest

from builders import Net
from conftest import flows
from corridor.cli import EXIT_NO_PLAN, main
from corridor.diagnose.explain import explain_infeasible
from corridor.diagnose.numerics import numeric_warnings
from corridor.formulation.build import formulate
from corridor.io.validate import read_inputs
from corridor.pipeline import DEFAULT_INPUT, run


def mine_market(cap=100):
    """nodes: M (row 2), K (row 3); supply M (row 2)."""
    return Net().node("M", "mine").node("K", "market", "JP").supply("M", cap)


def explain(net, tmp_path, name="case"):
    """Formulate, check that no plan exists, explain."""
    inputs = read_inputs(net.write(tmp_path / f"{name}.xlsx"))
    f = formulate(inputs)
    from corridor.solve.dispatch import solve
    assert solve(f, inputs.settings).status == "infeasible"
    return explain_infeasible(f, inputs.settings)


# -- must-meet demand -----------------------------------------------------------------------------------
def test_must_meet_demand_is_delivered_in_full(solve_net):
    """Ore at 5/t, route 1/t, demand 10 t with no shortfall penalty: left unserved (cost 0) unless it is
    must_meet, then 10 * (5 + 1) = 60."""
    def net(**kw):
        return (Net().node("M", "mine").node("K", "market", "JP").supply("M", 100, cost=5)
                .link("R", "M", "K", cost=1).demand("K", 10, commodity="ore", penalty=0.0, **kw))
    free = solve_net(net(), "free")
    assert free.result.objective == pytest.approx(0) and flows(free) == {}
    must = solve_net(net(must_meet="yes"), "must")
    assert must.result.objective == pytest.approx(60)
    assert flows(must) == {"R": pytest.approx(10)}
    assert must.tables["deliveries"]["shortfall_t"].sum() == pytest.approx(0)
    blocks = formulate(read_inputs(must.input_path)).spec.row_blocks
    assert blocks["Demand_Must_Meet"].keys == [("K", "ore", "civil", "P1")]


# -- the LP relaxation is infeasible: its IIS, traced back to the input --------------------------------
def test_min_throughput_against_demand_without_storage(tmp_path):
    """Site S (nodes row 4) must process 100 t but only 10 t of reo can be sold at K and nothing can be kept:
    the route S-K is bounded by what K can take (demand row 2)."""
    n = (mine_market().node("S", "site").site("S", 200, min_throughput_t=100).link("MS", "M", "S")
         .link("SK", "S", "K", commodity="reo").demand("K", 10))
    ex = explain(n, tmp_path)
    assert ex.kind == "lp_iis"
    assert ex.cells() == {("sites", 2, "min_throughput_t"), ("nodes", 4, "node"), ("demand", 2, "quantity_t")}
    assert "  sites row 2, min_throughput_t 100: site S must process at least 100 t of input in P1" in ex.lines()


def test_min_route_volume(tmp_path):
    """Route R must carry 60 t when used, K takes (and must get) 10 t and cannot store: R can carry at most
    what K takes, so it cannot run and K gets nothing."""
    n = mine_market().link("R", "M", "K", min_volume_t=60).demand("K", 10, commodity="ore", must_meet="yes")
    ex = explain(n, tmp_path)
    assert ex.kind == "lp_iis"
    assert ex.cells() == {("routes", 2, "min_volume_t"), ("demand", 2, "quantity_t"), ("demand", 2, "must_meet"),
                          ("nodes", 3, "node")}


def test_min_share_policy_that_cannot_hold(tmp_path):
    """At least 60% of K's 100 t must come by West, which carries at most 30 t."""
    n = (mine_market().link("W", "M", "K", corridor="West", max_volume_t=30).link("E", "M", "K", corridor="East")
         .demand("K", 100, commodity="ore", must_meet="yes").policy("P-MIN", "K", "corridor", "West", min_share=0.6))
    ex = explain(n, tmp_path)
    assert ex.cells() == {("policies", 2, "min_share"), ("routes", 2, "max_volume_t"), ("demand", 2, "must_meet"),
                          ("nodes", 3, "node")}
    assert any(line.startswith("  policies row 2, min_share 0.6: at least 0.6 of the ore K receives") for line in
               ex.lines())


def test_licence_quota_too_small_for_a_must_meet_demand(tmp_path):
    """The only route transits CN; one CN transit licence covers at most 30 t; K must get 40 t."""
    n = (mine_market().node("B", "border", "KZ").leg("G1", "M", "B").leg("G2", "B", "K", country="CN")
         .route("G", ["G1", "G2"]).demand("K", 40, commodity="ore", must_meet="yes")
         .licence("CN-TR", "transit", "CN", quota_t=30))
    ex = explain(n, tmp_path)
    assert ex.cells() == {("licences", 2, "quota_t"), ("demand", 2, "must_meet"), ("nodes", 3, "node")}


def test_must_meet_demand_above_supply(tmp_path):
    n = mine_market(cap=8).link("R", "M", "K").demand("K", 10, commodity="ore", must_meet="yes")
    ex = explain(n, tmp_path)
    assert ex.cells() == {("supply", 2, "capacity_t"), ("demand", 2, "must_meet"), ("nodes", 3, "node")}
    assert "  supply row 2, capacity_t 8: route R can carry at most 8 t dispatched in P1: all M can send of ore" \
        in ex.lines()


def test_a_disruption_scenario_makes_it_infeasible(tmp_path):
    """Leg R (50 t) is halved in scenario 'strike' (disruptions row 2); K must get 40 t in every scenario."""
    n = (mine_market().link("R", "M", "K", cap=50).demand("K", 40, commodity="ore", must_meet="yes")
         .disruption("strike", 0.1, "leg", "R", cap=0.5))
    ex = explain(n, tmp_path)
    assert ex.cells() == {("legs", 2, "capacity_t"), ("disruptions", 2, "capacity_factor"),
                          ("demand", 2, "must_meet"), ("nodes", 3, "node")}
    assert {c.scenario for c in ex.conflicts} == {"strike"}
    assert "  disruptions row 2, capacity_factor 0.5: scales the capacity of leg R in P1 by 0.5 [scenario strike]" \
        in ex.lines()


def test_a_closed_route_is_named_though_the_model_has_no_column_for_it(tmp_path):
    n = (mine_market().link("R", "M", "K").demand("K", 40, commodity="ore", must_meet="yes")
         .disruption("strike", 0.1, "route", "R", cap=0.0))
    ex = explain(n, tmp_path)
    assert ex.cells() == {("disruptions", 2, "capacity_factor"), ("demand", 2, "must_meet")}
    assert any("no tonnes of ore can reach K" in c.text for c in ex.conflicts)


def test_a_revoked_licence_is_named(tmp_path):
    """Site S (nodes row 4) must process 50 t; its reo leaves KZ by route SK under export licence EXP, which
    scenario 'ban' revokes in P1 (disruptions row 2): S cannot send anything on in that scenario."""
    n = (mine_market().node("S", "site").site("S", 200, min_throughput_t=50).link("MS", "M", "S")
         .link("SK", "S", "K", commodity="reo").demand("K", 100).licence("EXP", "export", "KZ")
         .disruption("ban", 0.2, "licence", "EXP", period="P1", granted="no"))
    ex = explain(n, tmp_path)
    assert ex.cells() == {("sites", 2, "min_throughput_t"), ("nodes", 4, "node"), ("licences", 2, "rule"),
                          ("disruptions", 2, "granted")}
    assert "  licences row 2, rule required: flows on route SK need a licence of EXP held in P1, revoked then: " \
           "route SK cannot take reo from S in P1 [scenario ban]" in ex.lines()


# -- only integrality makes it infeasible: the elastic re-solve -------------------------------------------
def amounts(ex):
    return {(c.round, c.sheet, c.rows[0], c.column): pytest.approx(c.violation) for c in ex.conflicts}


def test_min_volume_with_the_on_off_decision(tmp_path):
    """M-H must carry 60 t when used (its bound, 100 t of supply, allows it), H-K and K (must get 10 t) take
    10 t, nothing can be stored: the LP relaxation uses M-H a sixth of the way.  Least change: M-H's minimum
    short by 50 t; if that must hold, K short by 10 t."""
    n = (mine_market().node("H", "hub").link("MH", "M", "H", min_volume_t=60).link("HK", "H", "K")
         .demand("K", 10, commodity="ore", must_meet="yes"))
    ex = explain(n, tmp_path)
    assert ex.kind == "integrality"
    assert amounts(ex) == {(1, "routes", 2, "min_volume_t"): 50, (2, "demand", 2, "must_meet"): 10}
    assert "  routes row 2, min_volume_t 60: route MH must carry at least 60 t in each period it is used (P1): " \
           "short by 50 t in P1" in ex.lines()


def test_single_sourcing_with_two_min_shares(tmp_path):
    """K must get 100 t, at least 30% by West and 20% by East, from one route only.  Least change: East short
    by 20 t; holding it, West short by 30 t; holding both, the demand (100 t) or the route count (1) gives."""
    n = (mine_market().link("W", "M", "K", corridor="West").link("E", "M", "K", corridor="East")
         .demand("K", 100, commodity="ore", must_meet="yes").policy("P-W", "K", "corridor", "West", min_share=0.3)
         .policy("P-E", "K", "corridor", "East", min_share=0.2).policy("P-1", "K", "max_active_routes", max_count=1))
    ex = explain(n, tmp_path)
    assert ex.kind == "integrality"
    got = amounts(ex)
    assert {k: v for k, v in got.items() if k[0] <= 2} == {(1, "policies", 3, "min_share"): 20,
                                                           (2, "policies", 2, "min_share"): 30}
    assert {k[1:]: v for k, v in got.items() if k[0] > 2} == {("demand", 2, "must_meet"): 100,
                                                              ("policies", 4, "max_count"): 1}
    assert any("over by 1 route(s)" in line for line in ex.lines())


# -- the command line -------------------------------------------------------------------------------------
def test_cli_prints_the_conflicting_rows_and_writes_nothing(tmp_path, capsys):
    n = (mine_market().node("S", "site").site("S", 200, min_throughput_t=100).link("MS", "M", "S")
         .link("SK", "S", "K", commodity="reo").demand("K", 10))
    out = tmp_path / "o.xlsx"
    assert main(["solve", str(n.write(tmp_path / "inf.xlsx")), "-o", str(out)]) == EXIT_NO_PLAN
    text = capsys.readouterr().out
    lines = text.splitlines()
    i = lines.index("status     infeasible: no plan satisfies every hard constraint")
    assert lines[i + 1] == "These input rows cannot all hold:"
    assert "  sites row 2, min_throughput_t 100: site S must process at least 100 t of input in P1" in lines
    assert any(x.startswith("  nodes row 4, node S: the flow balance of reo at node S in P1") for x in lines)
    assert not out.exists()


def test_max_security_explains_a_hard_infeasibility(tmp_path):
    n = mine_market(cap=8).link("R", "M", "K").demand("K", 10, commodity="ore", must_meet="yes")
    n.sheets["settings"]["objective"] = "max_security"
    rep = run(n.write(tmp_path / "sec.xlsx"), tmp_path / "o.xlsx")
    assert rep.result.status == "infeasible" and rep.explanation.kind == "lp_iis"
    assert ("supply", 2, "capacity_t") in rep.explanation.cells()


# -- numerics ---------------------------------------------------------------------------------------------
def test_coefficient_span_is_warned_with_its_input_cells(tmp_path):
    """Yield 1e-4 (a Node_Balance coefficient) and a candidate site of 1e7 t (its Site_Capacity M): 1e11."""
    n = (mine_market(cap=1e6).node("S", "site").site("S", 1e7, yield_=1e-4, status="candidate", fixed=5)
         .link("MS", "M", "S").link("SK", "S", "K", commodity="reo").demand("K", 10))
    ws = numeric_warnings(formulate(read_inputs(n.write(tmp_path / "span.xlsx"))))
    assert {(w.sheet, w.row, w.column) for w in ws} == {("sites", 2, "yield"), ("sites", 2, "capacity_t")}
    assert all("span 0.0001 .. 1e+07" in w.message and w.severity == "warning" for w in ws)


def test_a_big_m_that_dwarfs_the_demand_is_warned(solve_net):
    """Route M-H (fixed cost: an on/off decision) may carry all 1e8 t of supply; K can use 10 t over the
    horizon.  The warning reaches the run report and the summary sheet."""
    n = (mine_market(cap=1e8).node("H", "hub").link("MH", "M", "H", fixed_cost=100).link("HK", "H", "K")
         .demand("K", 10, commodity="ore"))
    rep = solve_net(n)
    ws = [w for w in rep.warnings if "numerics" in w.message]
    assert [(w.sheet, w.row, w.column) for w in ws] == [("supply", 2, "capacity_t")]
    assert "big-M of route MH (1e+08 t in Route_Active[MH, P1]) is 1e+07 times" in ws[0].message
    summary = rep.tables["summary"]
    assert any("big-M of route MH" in str(v) for v in summary[summary["item"] == "input_warning"]["value"])


def test_the_default_case_has_no_numerics_warning():
    """Coefficients 0.00024 (a Dy+Tb yield) .. 141,667 (a route's monthly bound): ratio 5.9e8, under the 1e9
    limit; the largest big-M is 0.14 times its commodity's need."""
    assert numeric_warnings(formulate(read_inputs(DEFAULT_INPUT))) == []


def test_a_must_meet_demand_no_flow_can_reach(tmp_path, capsys):
    """The only leg into K is closed all year (seasonality row 2): no column at all is left, and the must-meet
    row 0 >= 5 cannot hold by itself.  Both solver paths report it infeasible (never an empty 'optimal' plan)
    and the explanation names the demand row and the closure."""
    from corridor.solve.dispatch import solve
    from corridor.solve.pyomo import build_model
    n = (mine_market(5).link("R", "M", "K").demand("K", 5, commodity="ore", must_meet="yes")
         .season("leg", "R", cap=0, month="*"))
    inputs = read_inputs(n.write(tmp_path / "closed.xlsx"))
    f = formulate(inputs)
    assert f.spec.n_cols == 0
    assert solve(f).status == "infeasible" and solve(build_model(inputs)).status == "infeasible"
    ex = explain_infeasible(f, inputs.settings)
    assert ex.kind == "lp_iis"
    assert ex.cells() == {("demand", 2, "must_meet"), ("seasonality", 2, "capacity_factor")}
    assert main(["solve", str(tmp_path / "closed.xlsx"), "-o", str(tmp_path / "o.xlsx")]) == EXIT_NO_PLAN
    assert "seasonality row 2, capacity_factor 0" in capsys.readouterr().out
