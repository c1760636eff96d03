"""The solution checker on contract v2 workbooks (years and discounting, several processes per site,
investments): solved plans pass and the objective is recomputed; hand-edited plans fail with the exact
violation and the rows involved.  The helpers and the builder's defaults are test_checker's.
"""
from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from test_checker import Book, append, cell, clean, edit, families, find_row, only, solve

from corridor.check.checker import check, format_report
from corridor.check.common import fmt

STRATEGIC = Path(__file__).resolve().parents[2] / "inputs" / "kazakhstan_rare_earths_2027_2032.xlsx"


def years(book, *ys):
    """Give the periods of ``book`` the years ``ys``."""
    for per, y in zip(book.sheets["periods"], ys):
        per["year"] = y
    return book


def leg_invest_case(**invest):
    """Open horizon of 3 periods of 30 days in 2027, 2027, 2028, discount 10%.  Leg MK (1/t) has no capacity of
    its own: investment LEG adds 4 t a period per unit (capex 5, 365 a year = 30 a period, lead 1).  K needs 4 t
    a period (penalty 100/t): one unit decided in P1 serves P2 and P3, P1 is short."""
    b = (Book(periods=3, horizon="open", discount_rate=0.1).node("M", "mine").node("K", "market", "JP")
         .add("supply", node="M", commodity="ore", period="*", capacity_t=100, cost_per_t=1)
         .link("MK", "M", "K", cost=1, cap=0)
         .add("demand", market="K", commodity="ore", period="*", quantity_t=4, shortfall_penalty_per_t=100))
    b.add("investments", **{"investment": "LEG", "target_type": "leg", "target": "MK", "capacity_t": 4, "capex": 5,
                            "fixed_cost_per_year": 365, "lead_periods": 1, "max_units": 2, "payer": "JP", **invest})
    return years(b, 2027, 2027, 2028)


D = 1 / 1.1  # the discount factor of 2028


def test_investment_plan_passes_and_every_cost_line_is_discounted(tmp_path):
    inp, out = solve(leg_invest_case(), tmp_path)
    rep = clean(inp, out)
    c = rep.costs
    assert c["supply"] == pytest.approx(4 + 4 * D) and c["freight"] == pytest.approx(4 + 4 * D)
    assert c["shortfall_penalty"] == pytest.approx(400)  # P1, in 2027
    assert c["capex"] == pytest.approx(5) and c["investment_fixed"] == pytest.approx(30 + 30 * D)
    assert rep.total == pytest.approx(rep.objective) and rep.objective == pytest.approx(sum(c.values()))
    assert rep.counts["investments"] == 1
    # the plan sheets hold nominal money: the P3 row's freight is 4, its discounted cost 4 / 1.1
    assert cell(out, "route_flows", find_row(out, "route_flows", dispatch_period="P3"), "freight_cost") == 4


def test_more_units_than_max_units(tmp_path):
    inp, out = solve(leg_invest_case(), tmp_path)
    row = edit(out, "investments", {"investment": "LEG", "period": "P2"}, decided_units=2)
    rep = check(inp, out)
    inv = [v for v in rep.violations if v.family == "investment"]
    assert inv[0].message == ("investment LEG: 3 units decided over the horizon (1 in P1, 2 in P2), above its "
                              "max_units 2, by 1")
    assert inv[0].inputs == (("investments", 2),)
    assert inv[0].solution == (("investments", row - 1), ("investments", row))
    # the figures of the sheets that no longer follow from the decisions, and the cost lines
    said = {v.message.split(":")[1].split()[0] for v in inv[1:]}
    assert said == {"in_service_units", "capex", "capacity_added_t", "fixed_cost", "payer"}
    assert "P3 says 1, the decisions give 3" in next(v.message for v in inv if "in_service_units" in v.message)
    assert families(rep) == ["cost", "investment"]


def test_a_unit_decided_before_the_earliest_period(tmp_path):
    inp, out = solve(leg_invest_case(earliest_period="P2", lead_periods=0), tmp_path)
    clean(inp, out)
    assert cell(out, "investments", find_row(out, "investments", period="P2"), "decided_units") == 1
    edit(out, "investments", {"investment": "LEG", "period": "P2"}, decided_units=0)
    row = edit(out, "investments", {"investment": "LEG", "period": "P1"}, decided_units=1, capex=5)
    rep = check(inp, out)
    v = next(x for x in rep.violations if "earliest_period" in x.message)
    assert v.family == "investment"
    assert v.message == ("investment LEG: 1 unit decided in P1, before its earliest_period P2 (no unit may be "
                         "decided earlier)")
    assert v.inputs == (("investments", 2),) and v.solution == (("investments", row),)


def test_in_service_units_that_do_not_follow_the_lead(tmp_path):
    inp, out = solve(leg_invest_case(), tmp_path)
    row = edit(out, "investments", {"investment": "LEG", "period": "P1"}, in_service_units=1)
    rep = check(inp, out)
    v = only(rep, "investment")
    assert v.message == ("investment LEG: in_service_units do not follow from the units decided (1 in P1; a unit "
                         "decided in period a serves from a + lead_periods 1 to the end of the horizon): P1 says 1, "
                         "the decisions give 0")
    assert v.inputs == (("investments", 2),) and v.solution == (("investments", row),)
    assert families(rep) == ["investment"]  # the capacity comes from the decisions, not from this column


def test_flows_above_the_capacity_the_units_in_service_give(tmp_path):
    inp, out = solve(leg_invest_case(), tmp_path)
    flow = edit(out, "route_flows", {"dispatch_period": "P2"}, tonnes=6, arrival_period="P2")
    early = append(out, "route_flows", route="MK", corridor="C", commodity="ore", origin="M", destination="K",
                   dispatch_period="P1", arrival_period="P1", tonnes=4)
    rep = check(inp, out)
    legs = [v for v in rep.violations if v.family == "leg capacity"]
    assert [v.message for v in legs] == [
        "leg MK in P2: 6 t enter it, above its effective capacity 4 t (capacity_t 0 plus 4 t from the investments "
        "in service in P2 (LEG: 1 unit of 4 t), x capacity factor 1), by 2 t (6 t on MK dispatched in P2, entering "
        "after 0 days)",
        "leg MK in P1: 4 t enter it, above its effective capacity 0 t (capacity_t 0 plus 0 t from the investments "
        "in service in P1 (LEG: 0 units of 4 t), x capacity factor 1), by 4 t (4 t on MK dispatched in P1, entering "
        "after 0 days)"]
    p2 = find_row(out, "investments", period="P2")
    assert ("investments", 2) in legs[0].inputs and ("legs", 2) in legs[0].inputs
    assert legs[0].solution == (("route_flows", flow), ("investments", p2))
    assert legs[1].solution == (("route_flows", early), ("investments", p2 - 1))


def two_sizes(tmp_path):
    """Two alternatives on leg MK in one exclusive group: SMALL (2 t, capex 1) and BIG (4 t, capex 3)."""
    b = leg_invest_case(investment="BIG", capex=3, max_units=1, exclusive_group="G")
    b.add("investments", investment="SMALL", target_type="leg", target="MK", capacity_t=2, capex=1,
          lead_periods=1, exclusive_group="G")
    return solve(b, tmp_path)


def test_two_alternatives_of_an_exclusive_group_built(tmp_path):
    inp, out = two_sizes(tmp_path)
    rep = clean(inp, out)
    assert rep.costs["capex"] == pytest.approx(3)  # BIG in P1
    row = edit(out, "investments", {"investment": "SMALL", "period": "P1"}, decided_units=1, capex=1)
    rep = check(inp, out)
    v = next(x for x in rep.violations if x.message.startswith("exclusive_group"))
    assert v.family == "investment"
    assert v.message == ("exclusive_group G: units are decided for 2 of its alternatives (BIG in P1; SMALL in P1); "
                         "at most one of them is ever built")
    assert v.inputs == (("investments", 2), ("investments", 3))
    assert v.solution == (("investments", find_row(out, "investments", investment="BIG", period="P1")),
                          ("investments", row))


def test_a_cost_line_without_its_discount_and_a_changed_capex_line(tmp_path):
    inp, out = solve(leg_invest_case(), tmp_path)
    row = edit(out, "costs", {"cost": "freight"}, amount=8)  # the nominal 4 + 4 t at 1/t
    rep = check(inp, out)
    v = only(rep, "cost")
    assert v.message == f"cost line freight: recomputed {fmt(4 + 4 * D)} from the plan, but the solution's costs " \
                        f"sheet says 8 (off by {fmt(4 + 4 * D - 8)})"
    assert v.solution == (("costs", row),) and families(rep) == ["cost"]
    edit(out, "costs", {"cost": "freight"}, amount=4 + 4 * D)
    row = edit(out, "costs", {"cost": "capex"}, amount=4)
    rep = check(inp, out)
    v = only(rep, "cost")
    assert v.message == "cost line capex: recomputed 5 from the plan, but the solution's costs sheet says 4 (off by 1)"
    assert v.solution == (("costs", row),)


def test_investment_sheet_figures_payers_and_summary_years(tmp_path):
    inp, out = solve(leg_invest_case(), tmp_path)
    row = edit(out, "investments", {"investment": "LEG", "period": "P3"}, discount_factor=1)
    pay = edit(out, "payers", {"payer": "JP"}, capex_pv=6)
    summ = edit(out, "summary", {"item": "discount_rate"}, value=0.05)
    rep = check(inp, out)
    inv = [v.message for v in rep.violations if v.family == "investment"]
    assert inv == ["investment LEG: discount_factor is not 1 / (1 + discount_rate 0.1)^(year - 2027): P3 says 1, "
                   f"it is {D:.6f}",
                   "payers: payer JP: capex_pv says 6 but the investments give 5"]
    assert rep.violations[0].solution == (("investments", row),)
    assert next(v for v in rep.violations if "payers" in v.message).solution == (("payers", pay),)
    v = only(rep, "plan")
    assert v.message == "summary: discount_rate says 0.05, but the input's is 0.1"
    assert v.solution == (("summary", summ),)


def test_the_investments_sheet_is_needed(tmp_path):
    inp, out = solve(leg_invest_case(), tmp_path)
    wb = openpyxl.load_workbook(out)
    del wb["investments"]
    wb.save(out)
    with pytest.raises(Exception, match="sheet 'investments' is missing"):
        check(inp, out)


def site_case():
    """Site S has two processes: ore -> reo (yield 0.5, 10 t) and con -> reo (yield 0.8, no capacity of its own,
    investment PLANT adds 5 t of con a period, capex 20).  K needs 9 t of reo a period (penalty 50/t)."""
    b = (Book(periods=2).node("M", "mine").node("S", "site", "MY").node("K", "market", "JP")
         .add("supply", node="M", commodity="ore", period="*", capacity_t=100, cost_per_t=1)
         .add("supply", node="M", commodity="con", period="*", capacity_t=100, cost_per_t=2)
         .site("S", 10, cost=1, yield_=0.5).site("S", 0, cost=3, yield_=0.8, inp="con")
         .link("MS", "M", "S", cost=1).route("MS-CON", ["MS"], commodity="con")
         .link("SK", "S", "K", cost=1, commodity="reo", country="MY")
         .add("demand", market="K", commodity="reo", period="*", quantity_t=9, shortfall_penalty_per_t=50)
         .add("investments", investment="PLANT", target_type="site", target="S", input_commodity="con",
              capacity_t=5, capex=20))
    b.sheets["commodities"].append({"commodity": "con"})
    return b


def test_processes_of_one_site(tmp_path):
    inp, out = solve(site_case(), tmp_path)
    rep = clean(inp, out)
    # 10 t ore -> 5 t reo and 5 t con -> 4 t reo a period, both into S's balance of reo
    assert cell(out, "processing", find_row(out, "processing", input_commodity="con", period="P1"), "input_t") == 5
    assert rep.costs["processing"] == pytest.approx(2 * (10 * 1 + 5 * 3)) and rep.costs["capex"] == 20
    row = edit(out, "processing", {"input_commodity": "con", "period": "P1"}, input_t=6, output_t=4.8)
    rep = check(inp, out)
    v = only(rep, "site")
    assert v.message == ("site S (con) in P1: 6 t of input processed, above its effective capacity 5 t (capacity_t "
                         "0 plus 5 t from the investments in service in P1 (PLANT: 1 unit of 5 t), x capacity factor "
                         "1), by 1 t")
    assert v.inputs == (("sites", 3), ("investments", 2))
    assert v.solution == (("processing", row), ("investments", find_row(out, "investments", period="P1")))
    # 0.8 t more reo made at S than leave it, 1 t more con used than arrives
    assert [v.message.split(":")[0] for v in rep.violations if v.family == "balance"] == [
        "node S, con, P1", "node S, reo, P1"]
    row = edit(out, "processing", {"input_commodity": "con", "period": "P1"}, input_commodity="ore2", input_t=5,
               output_t=4)
    rep = check(inp, out)
    v = next(x for x in rep.violations if x.family == "plan")
    assert v.message == "processing: site S has no process taking 'ore2' (its processes take ore, con)"
    assert v.inputs == (("sites", 2), ("sites", 3)) and v.solution == (("processing", row),)


def test_a_unit_not_built_leaves_the_process_without_capacity(tmp_path):
    inp, out = solve(site_case(), tmp_path)
    row = edit(out, "investments", {"investment": "PLANT", "period": "P1"}, decided_units=0, capex=0)
    for p in ("P1", "P2"):
        edit(out, "investments", {"investment": "PLANT", "period": p}, in_service_units=0, capacity_added_t=0)
    edit(out, "payers", {"payer": "(no payer)"}, capex_pv=0, total_pv=0, capex_nominal=0)
    rep = check(inp, out)
    sites = [v for v in rep.violations if v.family == "site"]
    assert [v.message.split(" (capacity_t")[0] for v in sites] == [
        f"site S (con) in {p}: 5 t of input processed, above its effective capacity 0 t" for p in ("P1", "P2")]
    assert ("investments", 2) in sites[0].inputs and ("investments", row) in sites[0].solution
    assert families(rep) == ["cost", "site"]  # the capex line


def cyclic_case():
    """Cyclic horizon of 2 periods.  Supply at M is 2 t a period; MINE adds 1 t (capex 10, max 1); storage at K
    holds nothing of its own, SILO adds 3 t (capex 1).  K needs 6 t in P1 only (penalty 100/t)."""
    b = (Book(periods=2).node("M", "mine").node("K", "market", "JP")
         .add("supply", node="M", commodity="ore", period="*", capacity_t=2, cost_per_t=1)
         .link("MK", "M", "K", cost=1).storage("K", cap=0, hold=1, commodity="ore")
         .add("demand", market="K", commodity="ore", period="P1", quantity_t=6, shortfall_penalty_per_t=100)
         .add("investments", investment="MINE", target_type="supply", target="M", capacity_t=1, capex=10)
         .add("investments", investment="SILO", target_type="storage", target="K", capacity_t=3, capex=1))
    return b


def test_cyclic_investments_on_supply_and_storage(tmp_path):
    inp, out = solve(cyclic_case(), tmp_path)
    rep = clean(inp, out)
    # MINE: 3 t a period; 3 t kept in the silo from P2 for P1: capex 11 + holding 3 + supply 6 + freight 6
    assert rep.objective == pytest.approx(26) and rep.costs["capex"] == pytest.approx(11)
    row = edit(out, "investments", {"investment": "MINE", "period": "P1"}, decided_units=0, capex=0)
    edit(out, "investments", {"investment": "MINE", "period": "P2"}, decided_units=1, capex=10)
    rep = check(inp, out)
    v = next(x for x in rep.violations if x.family == "investment")
    assert v.message == ("investment MINE: 1 unit decided in P2; in a cyclic horizon a unit is in service in every "
                         "period, so it is decided in the first period, P1")
    assert v.solution == (("investments", row + 1),)
    assert families(rep) == ["investment"]  # it still serves every period: nothing else changes
    edit(out, "investments", {"investment": "MINE", "period": "P2"}, decided_units=0, capex=0)
    edit(out, "investments", {"investment": "SILO", "period": "P1"}, decided_units=0, capex=0)
    rep = check(inp, out)
    v = next(x for x in rep.violations if x.family == "supply")
    assert v.message.startswith("node M, ore, P1: the balance needs 3 t of supply, above the supply capacity 2 t "
                                "(capacity_t 2 plus 0 t from the investments in service in P1 (MINE: 0 units of 1 t), "
                                "x supply factor 1), by 1 t")
    assert ("investments", 2) in v.inputs and ("supply", 2) in v.inputs
    v = next(x for x in rep.violations if x.family == "storage")
    assert v.message == ("node K holds 3 t of ore at the end of P2, above its storage capacity 0 t (capacity_t 0 "
                         "plus 0 t from the investments in service in P2 (SILO: 0 units of 3 t)), by 3 t")
    assert v.inputs == (("storage", 2), ("investments", 3))


def test_investments_are_first_stage_with_disruption_scenarios(tmp_path):
    b = leg_invest_case(max_units=1).add("disruptions", scenario="storm", probability=0.3, target_type="leg",
                                         target="MK", capacity_factor=0.5)
    inp, out = solve(b, tmp_path)
    rep = clean(inp, out)
    assert rep.scenarios == 2 and rep.total == pytest.approx(rep.objective)
    # the base plan's 4 t in P2, read as the storm's plan: the storm halves the 4 t the unit adds too (the plan
    # sheets hold every scenario's plan: the storm's own rows are the ones read)
    edit(out, "summary", {"item": "plan_sheets_scenario"}, value="storm")
    edit(out, "route_flows", {"scenario": "storm", "dispatch_period": "P2"}, tonnes=4)
    rep = check(inp, out)
    v = next(x for x in rep.violations if x.family == "leg capacity")
    assert v.message.startswith("leg MK in P2: 4 t enter it, above its effective capacity 2 t (capacity_t 0 plus 4 t "
                                "from the investments in service in P2 (LEG: 1 unit of 4 t), x capacity factor 0.5)")
    assert ("disruptions", 2) in v.inputs


def test_strategic_case_plan_passes_and_nominal_processing_money_is_not_the_cost_line(tmp_path, strategic_case):
    assert strategic_case.input.read_bytes() == STRATEGIC.read_bytes()  # the embedded copy of the planners' case
    out = strategic_case.copy_solution(tmp_path / "strategic-solution.xlsx")  # solved once per session
    rep0 = strategic_case.report
    assert rep0.result.has_plan
    rep = clean(STRATEGIC, out)
    assert rep.total == pytest.approx(rep0.result.objective, rel=1e-9)
    assert {"capex", "investment_fixed"} <= set(rep.costs) and rep.counts["investments"] >= 1
    wb = openpyxl.load_workbook(out, read_only=True)
    ws = wb["processing"]
    head = [c.value for c in next(ws.iter_rows(max_row=1))]
    nominal = sum(r[head.index("cost")] or 0 for r in ws.iter_rows(min_row=2, values_only=True))
    wb.close()
    assert nominal > rep.costs["processing"] * 1.01  # later years count less
    row = edit(out, "costs", {"cost": "processing"}, amount=nominal)
    rep = check(STRATEGIC, out)
    v = only(rep, "cost")
    assert v.message.startswith("cost line processing: recomputed ") and v.solution == (("costs", row),)
    assert families(rep) == ["cost"], "\n".join(format_report(rep))


def test_a_route_left_with_solver_dust_is_not_used(tmp_path):
    """Found by the exploration (a v1 workbook): HiGHS left 2.6e-8 t on a route with min_volume_t 2 in one
    period (its period binary within the integrality tolerance), and the checker called the route used below
    its minimum.  Up to 1e-4 t (the checker's tolerance) on a route-period reads as not used."""
    b = Book(periods=2).node("M", "mine").node("K", "market", "JP").add(
        "supply", node="M", commodity="ore", period="*", capacity_t=10).link("A", "M", "K").link(
        "B", "M", "K", min_volume_t=2).add("demand", market="K", commodity="ore", period="*", quantity_t=3)
    inp, out = solve(b, tmp_path)
    clean(inp, out)
    row = append(out, "route_flows", route="B", corridor="C", commodity="ore", origin="M", destination="K",
                 dispatch_period="P1", arrival_period="P1", tonnes=2.6e-8)
    assert cell(out, "route_flows", row, "tonnes") == 2.6e-8
    clean(inp, out)
    edit(out, "route_flows", {"route": "B", "dispatch_period": "P1"}, tonnes=1e-3)
    assert only(check(inp, out), "route").message.startswith("route B dispatched in P1: 0.001 t, below its "
                                                             "min_volume_t 2")
