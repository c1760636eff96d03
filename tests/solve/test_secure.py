"""Supply security: disruption scenarios, security objectives, cost budget, N-1, on hand-solvable cases.

The two-corridor case: mine M (KZ) -> market K (JP), 100 t ore a period demanded at a shortfall penalty of
50/t.  Route A (corridor East, through CN) costs 1/t and 10 to contract; route B (West, through GE) 2/t and
600.  Scenario east-closed (probability 0.1) closes East.
  only A:  10 + 0.9*100*1 + 0.1*100*50          = 600   expected shortfall 0.1*100 = 10 t (share 0.1)
  A and B: 10 + 600 + 0.9*100*1 + 0.1*100*2     = 720   expected shortfall 0
  only B:  600 + 200                            = 800
"""
import pytest

from builders import Net, two_corridors
from corridor.cli import EXIT_INPUT, EXIT_NO_PLAN, main
from corridor.formulation.build import formulate
from corridor.formulation.families.security import add_security
from corridor.io.issues import InputError
from corridor.io.validate import read_inputs
from corridor.pipeline import DEFAULT_INPUT, run
from corridor.results.metrics import cvar
from corridor.solve.frontier import frontier_plans
from corridor.solve.secure import SecureSolver


def total(rep, metric):
    sec = rep.tables["security"]
    return float(sec[(sec.scope == "total") & (sec.metric == metric)]["value"].iloc[0])


def used(rep):
    dec = rep.tables["decisions"]
    return set(dec[dec.decision == "route used"]["id"])


def test_min_cost_uses_only_the_cheap_corridor(tmp_path):
    rep = run(two_corridors().write(tmp_path / "c.xlsx"), tmp_path / "o.xlsx")
    assert rep.result.proven_optimal and rep.result.objective == pytest.approx(600)
    assert used(rep) == {"A"}
    assert total(rep, "expected_shortfall_t") == pytest.approx(10)
    assert total(rep, "expected_shortfall_share") == pytest.approx(0.1)
    assert total(rep, "worst_case_shortfall_share") == pytest.approx(1.0)
    sc = rep.tables["scenarios"].set_index("scenario")
    assert sc.loc["base", "probability"] == pytest.approx(0.9) and sc.loc["east-closed", "shortfall_t"] == 100
    assert sc.loc["east-closed", "total_cost"] == pytest.approx(10 + 100 * 50)
    n1 = rep.tables["security"].set_index("metric")["value"]
    assert n1["deliverable_share_without:East"] == pytest.approx(0.0)  # B is not contracted
    assert n1["deliverable_share_without:West"] == pytest.approx(1.0)


def test_max_security_with_enough_budget_opens_both(tmp_path):
    n = two_corridors(objective="max_security", cost_budget_pct=25)
    rep = run(n.write(tmp_path / "c.xlsx"), tmp_path / "o.xlsx")
    assert rep.result.proven_optimal
    assert used(rep) == {"A", "B"}  # B is contracted (it carries tonnes only when East is closed)
    assert set(rep.tables["scenarios"]["shortfall_t"]) == {0}
    assert rep.result.objective == pytest.approx(720)  # the cheapest plan with no expected shortfall
    assert rep.security["metric_value"] == pytest.approx(0.0, abs=1e-9)
    assert rep.security["min_cost"] == pytest.approx(600) and rep.security["cost_budget"] == pytest.approx(750)
    assert total(rep, "expected_shortfall_t") == pytest.approx(0, abs=1e-6)
    n1 = rep.tables["security"].set_index("metric")["value"]
    assert n1["deliverable_share_without:East"] == pytest.approx(1.0)


def test_max_security_within_a_small_budget_keeps_the_cheap_plan(tmp_path):
    """Budget 660 (+10%): route B (600 to contract) cannot be afforded, so the min-cost plan (600, 10 t short in
    expectation) is the most secure within the budget.  The unbudgeted least metric is not solved: its LP
    relaxation's design (B contracted), rounded up, breaks the budget's fixing of B; the metric step within the
    budget proves 0.1, and no cost step is needed (nothing costs less than the min-cost plan)."""
    rep = run(two_corridors(objective="max_security", cost_budget_pct=10).write(tmp_path / "c.xlsx"),
              tmp_path / "o.xlsx")
    assert rep.result.proven_optimal
    assert rep.result.objective == pytest.approx(600) and rep.security["metric_value"] == pytest.approx(0.1)
    assert rep.security["sequence"] == "the min-cost plan: the most secure within the budget"
    assert [s.split(":")[0] for s in rep.security["steps"]] == ["least cost (the min-cost optimum)",
                                                                "least metric within the budget"]
    assert rep.security["free_metric_step"].startswith("not solved: the design of its LP relaxation")
    # route B's activation is fixed at 0 by the budget: the min-cost LP with it at 1 costs 720 > 660
    assert "1 integer columns fixed by the budget" in rep.security["steps"][1]


def test_a_budget_that_fits_the_least_shortfall_plan(tmp_path):
    """With 25% of budget (750) the least-shortfall plan (720) fits: the unbudgeted metric step finds it (0
    short), so no budgeted metric step is needed; the cost step proves 720 the least at that metric within the
    budget, and nothing is fixed (720 <= 750)."""
    rep = run(two_corridors(objective="max_security", cost_budget_pct=25).write(tmp_path / "c.xlsx"),
              tmp_path / "o.xlsx")
    assert rep.result.proven_optimal and rep.result.objective == pytest.approx(720)
    assert rep.security["metric_value"] == pytest.approx(0.0, abs=1e-9)
    assert rep.security["sequence"] == "metric within the budget, then the least cost at it"
    assert [s.split(":")[0] for s in rep.security["steps"]] == ["least cost (the min-cost optimum)",
                                                                "least metric without the budget row",
                                                                "least cost at that metric within the budget"]
    assert not any("fixed by the budget" in s for s in rep.security["steps"])


def test_budget_fixing_is_proven_from_the_lp_and_never_loses_a_plan(tmp_path):
    """The fixer's two tests on the two-corridor case (min-cost LP optimum z = 600): route B at 1 costs at least
    720 in the LP, so a budget below 720 fixes it at 0 and one at or above does not; A's activation is never
    fixed.  The max_security plan is the same with and without the fixing (budget 700: the cheap plan)."""
    f = formulate(read_inputs(two_corridors(objective="max_security", cost_budget_pct=10).write(tmp_path / "c.xlsx")))
    ss = SecureSolver(f, f.d.settings)
    act = f.spec.col["Active"]
    assert ss.fixer.bounds_for(719.0, ss.timer) == {act["B"]: (0.0, 0.0)}
    assert ss.fixer.fixing.lp_cost == pytest.approx(600) and ss.fixer.fixing.probed[act["B"]] == pytest.approx(720)
    assert ss.fixer.bounds_for(720.0, ss.timer) == {} and ss.fixer.bounds_for(800.0, ss.timer) == {}
    with_fix, x = ss.run("metric", budget=700.0)
    plain = SecureSolver(f, f.d.settings)
    plain.fixer.bounds_for = lambda budget, timer: {}
    without, y = plain.run("metric", budget=700.0)
    assert with_fix.status == without.status == "optimal"
    assert with_fix.objective == pytest.approx(without.objective) == pytest.approx(0.1)
    assert ss.cost_of(x) <= 700.0 + 1e-6 and x[act["B"]] == pytest.approx(0.0)


def test_no_cost_coefficient_of_the_budget_row_falls_below_the_solver_tolerance():
    """The Cost_Budget row of the default case with its disruption scenarios: every coefficient of the expected
    cost is kept by HiGHS (|a| >= 1e-9 after scaling), so the budget holds the plan's own cost."""
    inputs = read_inputs(DEFAULT_INPUT)
    f = formulate(inputs)
    rows = add_security(f, {**inputs.settings, "security_metric": "expected_shortfall"})
    spec = f.spec
    lo, hi = spec.indptr[rows.budget_row], spec.indptr[rows.budget_row + 1]
    coefs = [abs(a) for a in spec.data[lo:hi] if a != 0]
    assert len(coefs) > 1000 and min(coefs) >= 1e-9 and max(coefs) <= 1e9


def test_a_budget_below_the_min_cost_optimum_is_reported(tmp_path, capsys):
    book = two_corridors(objective="max_security", cost_budget=500).write(tmp_path / "c.xlsx")
    rep = run(book, tmp_path / "o.xlsx")
    assert rep.result.status == "infeasible" and not rep.result.has_plan
    assert "below the min-cost optimum 600" in rep.result.message
    assert main(["solve", str(book), "-o", str(tmp_path / "o.xlsx")]) == EXIT_NO_PLAN
    assert "below the min-cost optimum" in capsys.readouterr().out
    assert not (tmp_path / "o.xlsx").exists()


def cvar_case(**settings):
    """Route A only (capacity 100 a period); four outcomes of its capacity factor:
    base 1.0 (p 0.4, loss 0), s1 0.5 (p 0.3, loss 0.5), s2 0.2 (p 0.2, loss 0.8), s3 0 (p 0.1, loss 1)."""
    n = (Net(periods=1, **settings).node("M", "mine").node("K", "market", "JP").supply("M", 1000)
         .link("A", "M", "K", cost=1, cap=100, corridor="East").demand("K", 100, commodity="ore", penalty=50))
    for name, p, f in (("s1", 0.3, 0.5), ("s2", 0.2, 0.2), ("s3", 0.1, 0.0)):
        n.disruption(name, p, "leg", "A", cap=f)
    return n


def test_cvar_matches_its_definition_on_enumerated_scenarios(tmp_path):
    """CVaR_0.75 = mean of the worst 25%: s3 (0.1 x 1.0) and 0.15 of s2 (0.8): (0.1 + 0.12) / 0.25 = 0.88."""
    losses, probs = [0.0, 0.5, 0.8, 1.0], [0.4, 0.3, 0.2, 0.1]
    assert cvar(losses, probs, 0.75) == pytest.approx(0.88)
    assert cvar(losses, probs, 0.0) == pytest.approx(sum(a * b for a, b in zip(losses, probs)))  # = expectation
    rep = run(cvar_case(objective="max_security", security_metric="cvar_shortfall", cvar_alpha=0.75,
                        cost_budget_pct=50).write(tmp_path / "c.xlsx"), tmp_path / "o.xlsx")
    assert rep.security["metric_value"] == pytest.approx(0.88)  # the optimizer's Rockafellar-Uryasev value
    assert total(rep, "cvar_shortfall_share") == pytest.approx(0.88)
    assert total(rep, "expected_shortfall_share") == pytest.approx(0.41)
    assert total(rep, "worst_case_shortfall_share") == pytest.approx(1.0)
    rep = run(cvar_case(objective="max_security", security_metric="worst_case_shortfall",
                        cost_budget_pct=50).write(tmp_path / "w.xlsx"), tmp_path / "w-o.xlsx")
    assert rep.security["metric_value"] == pytest.approx(1.0)


def test_corridor_n1_with_both_corridors_used(tmp_path):
    """A carries at most 70, B 60, 100 demanded: both used; closing East leaves 60%, West 70%."""
    n = (Net(periods=1).node("M", "mine").node("K", "market", "JP").supply("M", 1000)
         .link("A", "M", "K", cost=1, cap=70, corridor="East", fixed_cost=10)
         .link("B", "M", "K", cost=2, cap=60, corridor="West", fixed_cost=10).demand("K", 100, commodity="ore"))
    rep = run(n.write(tmp_path / "n.xlsx"), tmp_path / "o.xlsx")
    n1 = rep.tables["security"].set_index("metric")["value"]
    assert n1["deliverable_share_without:East"] == pytest.approx(0.6)
    assert n1["deliverable_share_without:West"] == pytest.approx(0.7)
    assert len(rep.tables["scenarios"]) == 1  # no disruptions sheet: one scenario, the core model


@pytest.mark.parametrize("pct, share", [(100, 0.5), (20, 0.8)])
def test_max_dependence_spreads_the_tonnes(tmp_path, pct, share):
    """A (through CN, 1/t) and B (through GE, 2/t), no fixed costs, 100 t: min cost 100, all through CN.  Min
    max-dependence within budget 100*(1+pct): a + 2b <= budget, a + b = 100 -> b = budget - 100: 50/50 with
    +100% (Z 0.5), 80/20 with +20% (Z 0.8)."""
    n = (Net(periods=1, objective="max_security", security_metric="max_dependence", cost_budget_pct=pct)
         .node("M", "mine").node("X", "border", "CN").node("Y", "border", "GE").node("K", "market", "JP")
         .supply("M", 1000).leg("A1", "M", "X", cost=1, country="CN").leg("A2", "X", "K", country="CN")
         .leg("B1", "M", "Y", cost=2, country="GE").leg("B2", "Y", "K", country="GE")
         .route("A", ["A1", "A2"], corridor="East").route("B", ["B1", "B2"], corridor="West")
         .demand("K", 100, commodity="ore", penalty=1000))
    rep = run(n.write(tmp_path / "d.xlsx"), tmp_path / "o.xlsx")
    assert rep.security["metric_value"] == pytest.approx(share)
    mk = rep.tables["security"]
    dep = mk[(mk.market == "K") & (mk.metric == "largest_country_dependence")].iloc[0]
    assert dep["value"] == pytest.approx(share) and dep["detail"].startswith("CN")
    assert total(rep, "max_dependence_share") == pytest.approx(share)


@pytest.mark.parametrize("rows, needle", [
    ([("a", 0.7, "corridor", "East"), ("b", 0.5, "corridor", "West")], "sum to 1.2, above 1"),
    ([("a", 1.5, "corridor", "East")], "allowed: 0..1"),
    ([("a", 0.1, "corridor", "East"), ("a", 0.2, "corridor", "West")], "differs from 0.1"),
    ([("a", 0.1, "corridor", "North")], "'North' is not a known corridor"),
    ([("a", 0.1, "country", "XX")], "'XX' is not a known country"),
    ([("base", 0.1, "corridor", "East")], "'base' is the scenario without disruption"),
    ([("a", None, "corridor", "East")], "has no probability"),
])
def test_bad_disruption_rows_are_input_errors(tmp_path, rows, needle):
    n = two_corridors()
    n.sheets["disruptions"] = []
    for name, p, tt, target in rows:
        n.disruption(name, p, tt, target)
    with pytest.raises(InputError) as exc:
        read_inputs(n.write(tmp_path / "bad.xlsx"))
    text = str(exc.value)
    assert needle in text and "disruptions" in text
    assert main(["solve", str(tmp_path / "bad.xlsx"), "-o", str(tmp_path / "o.xlsx")]) == EXIT_INPUT


def test_licence_targets_need_granted_and_whole_horizon_grants(tmp_path):
    n = two_corridors().licence("L1", "export", "KZ", application_cost=1)
    n.disruption("x", 0.1, "licence", "L1")  # no granted
    n.disruption("y", 0.1, "licence", "L1", month=3, granted="yes")  # granted for one month only
    n.disruption("z", 0.1, "corridor", "West", granted="no")  # granted on a corridor
    with pytest.raises(InputError) as exc:
        read_inputs(n.write(tmp_path / "bad.xlsx"))
    text = str(exc.value)
    assert "needs granted" in text and "whole horizon only" in text and "licence targets only" in text


def test_a_revoked_licence_stops_gated_flows_in_its_periods(tmp_path):
    """Transit licence L (free, covers one period) gates A through CN; revoked in P1 of scenario r (p 0.5): the
    100 t of P1 go by B at 2/t there.  Expected: P1 0.5*100*1 + 0.5*100*2, P2 100*1 = 250, + contracts 10 + 600."""
    n = (Net(periods=2).node("M", "mine").node("K", "market", "JP").supply("M", 1000)
         .link("A", "M", "K", cost=1, corridor="East", fixed_cost=10, country="CN")
         .link("B", "M", "K", cost=2, corridor="West", fixed_cost=600)
         .demand("K", 100, commodity="ore", penalty=1e4)
         .licence("L", "transit", "CN", validity_periods=1))
    n.disruption("r", 0.5, "licence", "L", granted="no", period="P1")
    rep = run(n.write(tmp_path / "r.xlsx"), tmp_path / "o.xlsx")
    assert rep.result.objective == pytest.approx(860)
    sc = rep.tables["scenarios"].set_index("scenario")
    assert sc.loc["r", "total_cost"] == pytest.approx(610 + 200 + 100)


def test_a_frontier_point_the_min_cost_plan_reaches_is_not_costed_again(tmp_path):
    """Three points on the two-corridor case: 600 (A only, 0.1 short), 720 (A and B, 0 short) and, between, the
    budget 660, within which B cannot be afforded: its least metric is 0.1, which the min-cost plan reaches, so
    that plan is the point (600: nothing reaching 0.1 costs less) and no least-cost step is solved for it."""
    inputs = read_inputs(two_corridors().write(tmp_path / "c.xlsx"))
    settings = {**inputs.settings, "objective": "max_security"}
    ss, sweep = frontier_plans(formulate(inputs), settings, points=3)
    assert [b for b, _r, _x in sweep] == pytest.approx([600, 660, 720])
    assert [r.status for _b, r, _x in sweep] == ["optimal"] * 3
    assert [ss.cost_of(x) for _b, _r, x in sweep] == pytest.approx([600, 600, 720])
    assert [ss.metric_of(x) for _b, _r, x in sweep] == pytest.approx([0.1, 0.1, 0.0], abs=1e-9)
    assert sweep[1][1].objective == pytest.approx(600) and "lower budget reaches" in sweep[1][1].message
    point2 = [s for s in ss.steps if s.name.startswith("point 2")]
    assert [s.objective for s in point2] == ["metric", "cost"]
    assert point2[1].seconds == 0.0 and point2[1].note.startswith("not solved")


def test_a_dependence_runs_min_cost_step_is_solved_on_the_plain_model(tmp_path):
    """max_dependence tags every tonne with the countries it crossed, a larger model with the same least cost:
    the min-cost step (600, route A only) is solved on the model without those tags, and its plan, re-solved
    on the tagged model, meets the plain model's bound, so the step is proven there with no search."""
    n = two_corridors(objective="max_security", security_metric="max_dependence", cost_budget_pct=25)
    f = formulate(read_inputs(n.write(tmp_path / "c.xlsx")))
    plain = formulate(read_inputs(two_corridors().write(tmp_path / "p.xlsx")))
    assert f.spec.n_cols > plain.spec.n_cols  # the tags
    rep = run(tmp_path / "c.xlsx", tmp_path / "o.xlsx")
    assert rep.result.proven_optimal and rep.security["min_cost"] == pytest.approx(600)
    first = rep.security["steps"][0]
    assert first.startswith("least cost (the min-cost optimum): optimal, cost 600")
    assert "solved on the model without dependence tags (optimal" in first and "proven by its bound" in first


def test_cap_fixing_opens_what_every_plan_under_the_cap_needs(tmp_path):
    """On the two-corridor case, route B closed leaves the LP's least expected shortfall at 0.1 (East closed
    one period in ten, nothing else to carry the tonnes): under a cap of 0.05 B is open in every plan, under
    0.1 it need not be.  With 25% of budget the least cost at the least metric (0) is the step B is opened in,
    with the same optimum (720)."""
    f = formulate(read_inputs(two_corridors(objective="max_security", cost_budget_pct=25).write(tmp_path / "c.xlsx")))
    ss = SecureSolver(f, f.d.settings)
    act = f.spec.col["Active"]
    start = [0.0] * f.spec.n_cols
    start[act["A"]] = start[act["B"]] = 1.0
    assert ss.capper.bounds_for(0.05, start, ss.timer) == {act["B"]: (1.0, 1.0)}
    assert ss.capper.probed[act["B"]] == pytest.approx(0.1)
    assert ss.capper.bounds_for(0.1, start, ss.timer) == {}
    rep = run(tmp_path / "c.xlsx", tmp_path / "o.xlsx")
    assert rep.result.proven_optimal and rep.result.objective == pytest.approx(720)
    assert "1 opened by the cap (LP probe)" in rep.security["steps"][-1]
