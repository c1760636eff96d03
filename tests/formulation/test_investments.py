"""Years, discounting and investments (contract v2), one hand-solvable case per behaviour: the optimum and the
decisive decisions (units decided and in service, tonnes) are worked out in each docstring."""

import pytest

from builders import Net, solved
from corridor.io.issues import InputError
from corridor.io.validate import read_inputs
from corridor.pipeline import run


def years(net, *ys):
    for per, y in zip(net.sheets["periods"], ys):
        per["year"] = y
    return net


def invest(net, investment, target_type, target, capacity_t, **kw):
    return net.add(
        "investments", investment=investment, target_type=target_type, target=target, capacity_t=capacity_t, **kw
    )



def units(rep, column="decided_units"):
    inv = rep.tables["investments"]
    return {(r.investment, r.period): getattr(r, column) for r in inv.itertuples() if getattr(r, column)}


def test_a_leg_widened_after_its_lead(tmp_path):
    """Demand 10 t ore a period (penalty 100/t) over leg A of 4 t (1/t).  LEG adds 6 t for 50, in service a
    period after the decision.  No unit: 18 t short = 1,800 + 12 freight = 1,812.  Decided in P1 (serves P2,
    P3): 6 t short = 600 + 24 freight + 50 = 674.  Decided in P2: 1,200 + 18 + 50 = 1,268.  So 674."""
    n = (
        Net(periods=3)
        .node("M", "mine")
        .node("K", "market", "JP")
        .supply("M", 100)
        .link("A", "M", "K", cost=1, cap=4)
        .demand("K", 10, commodity="ore", penalty=100)
    )
    invest(n, "LEG", "leg", "A", 6, capex=50, lead_periods=1)
    rep = solved(n, tmp_path)
    assert rep.result.objective == pytest.approx(674)
    assert units(rep) == {("LEG", "P1"): 1}
    assert units(rep, "in_service_units") == {("LEG", "P2"): 1, ("LEG", "P3"): 1}
    use = rep.tables["leg_use"].set_index("period")
    assert list(use["tonnes"]) == [pytest.approx(4), pytest.approx(10), pytest.approx(10)]
    assert list(use["effective_capacity_t"]) == [4, 10, 10]
    assert rep.costs["capex"] == pytest.approx(50) and rep.costs["investment_fixed"] == 0


def test_alternatives_of_one_group_exclude_each_other(tmp_path):
    """A plant S (ore -> reo 1:1) exists only through its investments: SMALL 5 t for 100, BIG 20 t for 300,
    one exclusive group.  Demand 22 t reo at 100/t short.  BIG alone: 2 t short = 200 + 300 = 500; BIG and
    SMALL together (if they were not alternatives) would be 400; nothing: 2,200.  So 500, BIG only."""
    n = (
        Net(periods=1)
        .node("M", "mine")
        .node("S", "site")
        .node("K", "market", "JP")
        .supply("M", 100)
        .site("S", 0)
        .link("MS", "M", "S")
        .link("SK", "S", "K", commodity="reo")
        .demand("K", 22, penalty=100)
    )
    invest(n, "SMALL", "site", "S", 5, capex=100, exclusive_group="PLANT")
    invest(n, "BIG", "site", "S", 20, capex=300, exclusive_group="PLANT")
    rep = solved(n, tmp_path)
    assert rep.result.objective == pytest.approx(500)
    assert units(rep) == {("BIG", "P1"): 1}
    assert rep.tables["processing"]["input_t"].sum() == pytest.approx(20)
    payers = rep.tables["payers"]
    assert payers["total_pv"].sum() == pytest.approx(300)


def test_several_units_and_a_choice_binary(tmp_path):
    """As above, but BIG may be built twice (max_units 2, 10 t a unit, 160 each): demand 22: two BIG units =
    20 t, 2 t short = 200 + 320 = 520; SMALL (5 t, 100): 1,700 + 100; so two BIG units, 520, and SMALL never
    beside them (the group's Chosen binaries)."""
    n = (
        Net(periods=1)
        .node("M", "mine")
        .node("S", "site")
        .node("K", "market", "JP")
        .supply("M", 100)
        .site("S", 0)
        .link("MS", "M", "S")
        .link("SK", "S", "K", commodity="reo")
        .demand("K", 22, penalty=100)
    )
    invest(n, "SMALL", "site", "S", 5, capex=100, exclusive_group="PLANT")
    invest(n, "BIG", "site", "S", 10, capex=160, max_units=2, exclusive_group="PLANT")
    rep = solved(n, tmp_path)
    assert rep.result.objective == pytest.approx(520)
    assert units(rep) == {("BIG", "P1"): 2}


def test_costs_are_discounted_by_year_and_fixed_costs_are_not(tmp_path):
    """Two periods in 2027 and 2028 at a 25% rate: 1 t a period supplied at 10/t and shipped at 2/t, route
    fixed cost 5 (once over the horizon: the first year).  10 + 10/1.25 + 2 + 2/1.25 + 5 = 26.6."""
    n = years(
        Net(periods=2, discount_rate=0.25)
        .node("M", "mine")
        .node("K", "market", "JP")
        .supply("M", 5, cost=10)
        .link("A", "M", "K", cost=2, fixed_cost=5)
        .demand("K", 1, commodity="ore", penalty=1000),
        2027,
        2028,
    )
    rep = solved(n, tmp_path)
    assert rep.result.objective == pytest.approx(26.6)
    assert rep.costs["supply"] == pytest.approx(18) and rep.costs["freight"] == pytest.approx(3.6)
    assert rep.costs["route_fixed"] == pytest.approx(5)
    summary = dict(zip(rep.tables["summary"]["item"], rep.tables["summary"]["value"]))
    assert summary["years"] == "2027..2028" and summary["discount_rate"] == 0.25
    flows = rep.tables["route_flows"]
    assert flows["freight_cost"].tolist() == [pytest.approx(2), pytest.approx(2)]  # plan sheets stay nominal
    # costs_by_year: 2027 = 10 + 2 + 5 (the route's fixed cost once, in the first year); 2028 = 12 nominal,
    # 12 / 1.25 = 9.6 in present value; the present values add up to the objective
    by = rep.tables["costs_by_year"].set_index(["year", "cost"])
    assert by.loc[(2027, "total"), "nominal"] == pytest.approx(17) == by.loc[(2027, "total"), "present_value"]
    assert by.loc[(2027, "route_fixed"), "nominal"] == pytest.approx(5)
    assert by.loc[(2028, "total"), "nominal"] == pytest.approx(12)
    assert by.loc[(2028, "total"), "present_value"] == pytest.approx(9.6)
    assert by.loc[(2028, "supply"), "nominal"] == pytest.approx(10)
    totals = by.xs("total", level="cost")["present_value"]
    assert totals.sum() == pytest.approx(rep.result.objective)


def test_capex_and_fixed_cost_are_discounted_with_their_periods(tmp_path):
    """One period a year (2027, 2028, 2029, 365 days each) at 10%: LEG (capex 100, fixed 20 a year, lead 0)
    lifts a leg of 0 t to 5 t; demand 5 t a year at 1,000/t short.  Decided in 2027: 100 + 20 (1 + 1/1.1 +
    1/1.21) = 154.71; any later decision leaves 5,000 (discounted) short.  So 154.71, in service every year."""
    n = years(Net(periods=3, days=365, months=[1, 1, 1], discount_rate=0.1), 2027, 2028, 2029)
    n.node("M", "mine").node("K", "market", "JP").supply("M", 100).link("A", "M", "K", cap=0)
    n.demand("K", 5, commodity="ore", penalty=1000)
    invest(n, "LEG", "leg", "A", 5, capex=100, fixed_cost_per_year=20)
    rep = solved(n, tmp_path)
    assert rep.result.objective == pytest.approx(100 + 20 * (1 + 1 / 1.1 + 1 / 1.21))
    assert rep.costs["investment_fixed"] == pytest.approx(20 * (1 + 1 / 1.1 + 1 / 1.21))
    inv = rep.tables["investments"]
    assert inv["fixed_cost"].tolist() == [pytest.approx(20)] * 3  # nominal per period, days / 365 of a year
    by = rep.tables["costs_by_year"].set_index(["year", "cost"])["nominal"]
    assert by[(2027, "capex")] == pytest.approx(100) and by[(2028, "capex")] == 0  # in its decision year
    assert [by[(y, "investment_fixed")] for y in (2027, 2028, 2029)] == [pytest.approx(20)] * 3


def test_storage_and_supply_can_be_built_up(tmp_path):
    """Two periods: the mine supplies 4 t (P1 capacity factor 0.5: 2 t) and SUP adds 4 t a unit for 10; the
    market stores 2 t and STORE adds 3 t a unit (max 2) for 1.  Demand 8 t in P2 only, 100/t short.  Best:
    SUP and two STORE units in P1: P1 supplies (4 + 4) * 0.5 = 4 t, stored; P2 supplies 8 t, 4 delivered with
    the 4 stored... = 8 t delivered, objective 10 + 2 = 12 (no other cost)."""
    n = (
        Net(periods=2, months=[1, 2])
        .node("M", "mine")
        .node("K", "market", "JP")
        .supply("M", 4)
        .link("A", "M", "K")
        .storage("K", cap=2, commodity="ore")
        .demand("K", 8, commodity="ore", penalty=100, period="P2")
    )
    n.season("supply", "M", cap=0.5, month=1)
    invest(n, "SUP", "supply", "M", 4, capex=10)
    invest(n, "STORE", "storage", "K", 3, capex=1, max_units=2, commodity="ore")
    rep = solved(n, tmp_path)
    assert rep.tables["deliveries"]["shortfall_t"].sum() == pytest.approx(0)
    decided = units(rep)
    assert decided.get(("SUP", "P1")) == 1
    assert rep.result.objective <= 12 + 1e-6
    assert rep.result.objective == pytest.approx(10 + sum(v for (i, _p), v in decided.items() if i == "STORE"))


def test_a_cyclic_year_decides_once_and_a_lead_is_refused_there(tmp_path):
    """Cyclic: one decision, in service in every period; capex is the cost of one cycle.  Two periods of 5 t
    demand over a 0 t leg; LEG adds 5 t for 30: 30 against 2 x 5 x 100 short: built, 30."""
    n = (
        Net(periods=2, horizon="cyclic")
        .node("M", "mine")
        .node("K", "market", "JP")
        .supply("M", 100)
        .link("A", "M", "K", cap=0)
        .demand("K", 5, commodity="ore", penalty=100)
    )
    invest(n, "LEG", "leg", "A", 5, capex=30)
    rep = solved(n, tmp_path)
    assert rep.result.objective == pytest.approx(30)
    assert units(rep) == {("LEG", "P1"): 1}
    assert units(rep, "in_service_units") == {("LEG", "P1"): 1, ("LEG", "P2"): 1}
    n.sheets["investments"][0]["lead_periods"] = 1
    with pytest.raises(InputError) as exc:
        read_inputs(n.write(tmp_path / "lead.xlsx"))
    assert "in a cyclic horizon" in str(exc.value) and "lead must be 0" in str(exc.value)


def test_investments_are_first_stage_under_disruptions(tmp_path):
    """One period; leg A of 4 t (+6 t for 50), demand 10 t at 100/t short, freight 1/t.  Disruption storm (p
    0.5) halves the leg, added capacity included.  No unit: 0.5 (604) + 0.5 (802) = 703.  A unit (decided once
    for both scenarios): 50 + 0.5 x 10 + 0.5 (5 + 500) = 307.5."""
    n = (
        Net(periods=1)
        .node("M", "mine")
        .node("K", "market", "JP")
        .supply("M", 100)
        .link("A", "M", "K", cost=1, cap=4)
        .demand("K", 10, commodity="ore", penalty=100)
    )
    invest(n, "LEG", "leg", "A", 6, capex=50)
    n.disruption("storm", 0.5, "leg", "A", cap=0.5)
    rep = solved(n, tmp_path)
    assert rep.result.objective == pytest.approx(307.5)
    assert units(rep) == {("LEG", "P1"): 1}


def test_validation_names_the_investments_row(tmp_path):
    base = (
        Net(periods=2)
        .node("M", "mine")
        .node("S", "site")
        .node("K", "market", "JP")
        .supply("M", 100)
        .site("S", 10, status="candidate", fixed=5)
        .link("MS", "M", "S")
        .link("SK", "S", "K", commodity="reo")
        .demand("K", 1)
    )
    cases = [
        (dict(investment="X", target_type="leg", target="NOPE", capacity_t=1), "target", "'NOPE' is not a leg"),
        (dict(investment="X", target_type="site", target="S", capacity_t=1), "target", "is a candidate"),
        (dict(investment="X", target_type="storage", target="K", capacity_t=1), "target", "has no storage row"),
        (dict(investment="X", target_type="leg", target="MS", capacity_t=-1), "capacity_t", "below the minimum"),
    ]
    for k, (row, column, needle) in enumerate(cases):
        n = Net(periods=2)
        n.sheets = {s: (dict(v) if isinstance(v, dict) else [dict(r) for r in v]) for s, v in base.sheets.items()}
        n.add("investments", **row)
        with pytest.raises(InputError) as exc:
            read_inputs(n.write(tmp_path / f"bad{k}.xlsx"))
        found = [i for i in exc.value.issues if i.sheet == "investments"]
        assert found and found[0].row == 2 and found[0].column == column and needle in found[0].message, exc.value


def test_years_on_some_rows_only_and_cyclic_with_several_years_are_refused(tmp_path):
    n = (
        Net(periods=2)
        .node("M", "mine")
        .node("K", "market", "JP")
        .supply("M", 1)
        .link("A", "M", "K")
        .demand("K", 1, commodity="ore")
    )
    n.sheets["periods"][0]["year"] = 2027
    with pytest.raises(InputError) as exc:
        read_inputs(n.write(tmp_path / "some.xlsx"))
    assert "give the year on every row, or on none" in str(exc.value)
    years(n, 2027, 2028)
    n.sheets["settings"]["horizon"] = "cyclic"
    with pytest.raises(InputError) as exc:
        read_inputs(n.write(tmp_path / "cyclic.xlsx"))
    assert "horizon = cyclic with several years (2027..2028)" in str(exc.value)
    n.sheets["settings"]["horizon"] = None
    assert read_inputs(n.write(tmp_path / "blank.xlsx")).settings["horizon"] == "open"


def test_an_investment_too_late_for_a_must_meet_demand_is_named(tmp_path):
    """The plant exists only through its investment (lead 2 periods): a must-meet demand in P2 cannot be served
    (a unit decided in P1 serves from P3): no plan, and the explanation names the investments row."""
    n = (
        Net(periods=3)
        .node("M", "mine")
        .node("S", "site")
        .node("K", "market", "JP")
        .supply("M", 100)
        .site("S", 0)
        .link("MS", "M", "S")
        .link("SK", "S", "K", commodity="reo")
        .demand("K", 5, period="P2", must_meet="yes")
    )
    invest(n, "PLANT", "site", "S", 10, capex=1, lead_periods=2)
    rep = run(n.write(tmp_path / "late.xlsx"), tmp_path / "late-solution.xlsx")
    assert rep.result.status == "infeasible"
    sheets = {c.sheet for c in rep.explanation.conflicts}
    assert "investments" in sheets and "demand" in sheets, rep.explanation.lines()


def test_an_investment_on_an_unlimited_leg_is_warned(tmp_path):
    """A leg with a blank capacity is unlimited: units on it add nothing, and the validator says so."""
    n = Net(periods=1).node("M", "mine").node("K", "market", "JP").supply("M", 10).link("A", "M", "K")
    n.demand("K", 5, commodity="ore")
    invest(n, "LEG", "leg", "A", 6, capex=50)
    inputs = read_inputs(n.write(tmp_path / "unlimited.xlsx"))
    warned = [w for w in inputs.warnings if w.sheet == "investments"]
    assert len(warned) == 1 and warned[0].row == 2 and warned[0].column == "target"
    assert "unlimited" in warned[0].message and "add nothing" in warned[0].message
    rep = solved(n, tmp_path, "unlimited")  # the plan builds nothing and the leg stays unlimited on leg_use
    assert rep.result.objective == pytest.approx(0) and not units(rep)
    use = rep.tables["leg_use"]
    assert use.tonnes.sum() == pytest.approx(5) and use.effective_capacity_t.isna().all()
