"""The solution checker (`corridor check`, model/checker.py): solved plans pass, hand-edited plans fail with the
exact violation and the rows involved.

Each case is a small workbook (`Book`: the tests' one builder with this module's defaults: a cyclic horizon,
gap 0, one thread), solved through the full workbook path, then the solution workbook is edited with
openpyxl as a planner would edit it in Excel.
"""
from __future__ import annotations

import hashlib

import openpyxl
import pytest

from builders import Net
from corridor.check.checker import check, format_report
from corridor.cli import EXIT_INPUT, EXIT_OK, EXIT_VIOLATIONS, main
from corridor.pipeline import DEFAULT_INPUT, run


def Book(periods=1, horizon="cyclic", days=30, months=None, **settings):  # noqa: N802 - reads as the builder it was
    """The tests' builder (`builders.Net`) with this module's defaults: cyclic horizon, gap 0, one thread."""
    return Net(periods, horizon, days, months, **{"mip_rel_gap": 0, "threads": 1, **settings})


def solve(book, tmp_path, name="case"):
    """Write and solve ``book``; return (input path, solution path)."""
    inp, out = book.write(tmp_path / f"{name}.xlsx"), tmp_path / f"{name}-solution.xlsx"
    rep = run(inp, out)
    assert rep.result.proven_optimal, rep.result.message
    return inp, out


# -- planner-style edits of the solution workbook ----------------------------------------------------------------
def _header(ws):
    return [c.value for c in ws[1]]


def find_row(path, sheet, **where):
    """Excel row of the first record of ``sheet`` matching ``where``."""
    ws = openpyxl.load_workbook(path)[sheet]
    head = _header(ws)
    for row in ws.iter_rows(min_row=2):
        rec = dict(zip(head, (c.value for c in row)))
        if all(rec.get(k) == v for k, v in where.items()):
            return row[0].row
    raise AssertionError(f"no {sheet} row with {where}")


def edit(path, sheet, where, **values):
    """Set ``values`` in the first ``sheet`` record matching ``where``; return its Excel row."""
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    head = _header(ws)
    for row in ws.iter_rows(min_row=2):
        rec = dict(zip(head, (c.value for c in row)))
        if all(rec.get(k) == v for k, v in where.items()):
            for k, v in values.items():
                row[head.index(k)].value = v
            wb.save(path)
            return row[0].row
    raise AssertionError(f"no {sheet} row with {where}")


def append(path, sheet, **values):
    """Add a record at the end of ``sheet``; return its Excel row."""
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    ws.append([values.get(h) for h in _header(ws)])
    wb.save(path)
    return ws.max_row


def cell(path, sheet, row, col):
    ws = openpyxl.load_workbook(path)[sheet]
    return ws.cell(row=row, column=_header(ws).index(col) + 1).value


def families(report):
    return sorted({v.family for v in report.violations})


def only(report, family):
    """The one violation of ``family`` (the test fails if there is none or several)."""
    found = [v for v in report.violations if v.family == family]
    assert len(found) == 1, "\n".join(format_report(report))
    return found[0]


def clean(inp, out):
    report = check(inp, out)
    assert report.ok, "\n".join(format_report(report))
    return report


# -- the cases ---------------------------------------------------------------------------------------------------
def leg_case():
    """3 cyclic periods of 30 days.  Route R (1/t): leg L1 of 40 days, then L2 (cap 30, half in March = P3): a
    dispatch in p enters L2 in p+1 and arrives in p+1 (45 days).  Route A (direct, 10/t) makes up the rest.
    Demand 20 a period at K."""
    return (Book(periods=3).node("M", "mine").node("B", "border").node("K", "market", "JP")
            .add("supply", node="M", commodity="ore", period="*", capacity_t=100, cost_per_t=1)
            .leg("L1", "M", "B", cost=1, days=40).leg("L2", "B", "K", days=5, cap=30).route("R", ["L1", "L2"])
            .link("A", "M", "K", cost=10, corridor="West")
            .add("seasonality", target_type="leg", target="L2", month=3, capacity_factor=0.5)
            .add("demand", market="K", commodity="ore", period="*", quantity_t=20, shortfall_penalty_per_t=100))


def test_solved_plan_passes_and_edit_over_a_seasonal_leg_capacity_is_found(tmp_path):
    inp, out = solve(leg_case(), tmp_path)
    rep = clean(inp, out)
    # supply 60 t at 1; R carries 20 + 15 + 20 t at 1/t; A the missing 5 t (arriving in P3) at 10/t
    assert rep.total == pytest.approx(rep.objective) and rep.objective == pytest.approx(60 + 55 + 50)
    # R dispatched in P2 enters L2 in P3, where its capacity is 30 x 0.5 = 15: the plan sends 15 t
    row = edit(out, "route_flows", {"route": "R", "dispatch_period": "P2"}, tonnes=20)
    edit(out, "route_flows", {"route": "A", "dispatch_period": "P3"}, tonnes=0)
    rep = check(inp, out)
    v = only(rep, "leg capacity")
    assert v.message.startswith("leg L2 in P3: 20 t enter it, above its effective capacity 15 t (capacity_t 30 x "
                                "capacity factor 0.5), by 5 t") and "entering after 40 days" in v.message
    assert v.amount == pytest.approx(5)
    assert ("legs", 3) in v.inputs and ("seasonality", 2) in v.inputs and v.solution == (("route_flows", row),)
    assert families(rep) == ["cost", "leg capacity"]


def test_broken_balance_names_the_rows(tmp_path):
    inp, out = solve(leg_case(), tmp_path)
    row = edit(out, "route_flows", {"route": "A", "dispatch_period": "P3"}, tonnes=8)
    rep = check(inp, out)
    v = only(rep, "balance")
    assert v.message.startswith("node K, ore, P3: 3 t come in but neither leave, nor are processed, delivered or "
                                "kept in stock")
    assert ("route_flows", row) in v.solution and ("deliveries", find_row(out, "deliveries", period="P3")) in v.solution
    assert families(rep) == ["balance", "cost"]


def transit_case(periods=2, **licence):
    """Route G (1/t) from KZ to JP runs through CN; route A (20/t) does not.  10 t a period."""
    b = (Book(periods=periods).node("M", "mine").node("B", "border").node("K", "market", "JP")
         .add("supply", node="M", commodity="ore", period="*", capacity_t=100)
         .leg("G1", "M", "B", cost=1).leg("G2", "B", "K", country="CN").route("G", ["G1", "G2"], corridor="China")
         .link("A", "M", "K", cost=20, corridor="West")
         .add("demand", market="K", commodity="ore", period="*", quantity_t=10, shortfall_penalty_per_t=1000))
    return b.add("licences", licence="CN-TR", applies_to="transit", country="CN", **licence)


def test_prohibited_flow(tmp_path):
    inp, out = solve(transit_case(rule="prohibited"), tmp_path)
    clean(inp, out)
    row = edit(out, "route_flows", {"route": "A", "dispatch_period": "P1"}, route="G", corridor="China")
    rep = check(inp, out)
    v = only(rep, "licence")
    assert v.message == ("route G dispatched in P1: 10 t (technology '-', earmarked '*') are a flow rule CN-TR "
                         "(transit CN) prohibited forbids")
    assert v.inputs == (("licences", 2),) and v.solution == (("route_flows", row),)
    assert families(rep) == ["cost", "licence"]


def test_required_licence_not_held(tmp_path):
    inp, out = solve(transit_case(rule="required", application_cost=5, validity_periods=1), tmp_path)
    clean(inp, out)
    lic = edit(out, "licences", {"licence": "CN-TR", "period": "P1"}, applied=0)
    rep = check(inp, out)
    v = only(rep, "licence")
    flow = find_row(out, "route_flows", route="G", dispatch_period="P1")
    assert v.message == ("route G dispatched in P1: 10 t (technology '-', earmarked '*') need a licence CN-TR "
                         "(transit CN, required) held in P1, and none is (no application covers it)")
    assert v.inputs == (("licences", 2),) and ("route_flows", flow) in v.solution
    held = only(rep, "plan")  # the sheet's held column still says 1
    assert "held of CN-TR in P1 says 1" in held.message and held.solution == (("licences", lic),)
    assert families(rep) == ["cost", "licence", "plan"]


def test_quota_exceeded(tmp_path):
    """Quota 15 t per licence of 2 periods: the plan sends 15 t by G and 5 t by A; moving A's tonnes to G breaks
    the quota."""
    inp, out = solve(transit_case(rule="required", application_cost=5, validity_periods=2, quota_t=15), tmp_path)
    clean(inp, out)
    a_period = cell(out, "route_flows", find_row(out, "route_flows", route="A"), "dispatch_period")
    edit(out, "route_flows", {"route": "A"}, route="G", corridor="China")
    rep = check(inp, out)
    v = only(rep, "licence")
    assert "covered, above its quota_t 15, by 5 t" in v.message and v.amount == pytest.approx(5)
    assert v.message.startswith("licence CN-TR applied for in ")
    assert v.inputs == (("licences", 2),)
    assert ("route_flows", find_row(out, "route_flows", route="G", dispatch_period=a_period)) in v.solution
    assert families(rep) == ["cost", "licence", "plan"]  # plan: tonnes_covered on the licences sheet


def test_policy_share_broken(tmp_path):
    """Max 50% of K's tonnes by the China corridor: 10 t by G, 10 t by A; moving A's to G makes it 100%."""
    b = transit_case(periods=1, rule="required", granted="yes")
    b.sheets["licences"] = []
    b.sheets["demand"][0]["quantity_t"] = 20
    b.add("policies", policy="DIV", market="K", commodity="*", measure="corridor", value="China", max_share=0.5)
    inp, out = solve(b, tmp_path)
    clean(inp, out)
    edit(out, "route_flows", {"route": "A"}, route="G", corridor="China")
    rep = check(inp, out)
    v = only(rep, "policy")
    assert v.message == ("policy DIV, market K: 20 t of the 20 t received came by corridor China (100%), above its "
                         "max_share 0.5 (10 t), by 10 t")
    assert v.inputs == (("policies", 2),) and len(v.solution) == 2
    assert families(rep) == ["cost", "policy"]


def test_shortfall_misreported_and_delivery_above_demand(tmp_path):
    inp, out = solve(leg_case(), tmp_path)
    row = edit(out, "deliveries", {"period": "P2"}, shortfall_t=3)
    rep = check(inp, out)
    v = only(rep, "demand")
    assert v.message == "demand K, ore, civil, P2: shortfall_t says 3 but it is 0 (quantity_t - delivered_t)"
    assert v.inputs == (("demand", 2),) and v.solution == (("deliveries", row),)
    assert families(rep) == ["demand"]
    edit(out, "deliveries", {"period": "P2"}, shortfall_t=0, delivered_t=25)
    rep = check(inp, out)
    v = only(rep, "demand")
    assert v.message == "demand K, ore, civil, P2: 25 t delivered, above the quantity_t 20 t, by 5 t"
    assert families(rep) == ["balance", "demand"]  # 5 t more leave K than arrive


def test_single_sourcing_broken(tmp_path):
    """max_active_routes 1 at K: the plan uses G only; sending one period by A makes two routes."""
    b = transit_case(periods=2)
    b.sheets["licences"] = []
    b.add("policies", policy="ONE", market="K", commodity="*", measure="max_active_routes", max_count=1)
    inp, out = solve(b, tmp_path)
    clean(inp, out)
    row = edit(out, "route_flows", {"route": "G", "dispatch_period": "P2"}, route="A", corridor="West")
    rep = check(inp, out)
    v = only(rep, "policy")
    assert v.message == "policy ONE, market K: 2 routes deliver (A, G), above max_count 1"
    assert v.inputs == (("policies", 2),) and ("route_flows", row) in v.solution
    assert families(rep) == ["cost", "policy"]


def test_open_horizon_dispatch_after_the_end_and_supply_capacity(tmp_path):
    """Open horizon of 3 periods: R takes 45 days, so a dispatch in P3 would arrive after the end."""
    b = leg_case()
    b.sheets["settings"]["horizon"] = "open"
    inp, out = solve(b, tmp_path)
    clean(inp, out)
    row = append(out, "route_flows", route="R", corridor="C", commodity="ore", origin="M", destination="K",
                 dispatch_period="P3", tonnes=120)
    rep = check(inp, out)
    v = only(rep, "route")
    assert v.message == ("route R dispatched in P3: 120 t would arrive 45 days later, after the end of the open "
                         "horizon, and are never delivered")
    assert v.solution == (("route_flows", row),) and ("routes", 2) in v.inputs
    v = only(rep, "supply")
    assert v.message.startswith("node M, ore, P3: the balance needs ")
    assert "above the supply capacity 100 t" in v.message
    assert ("supply", 2) in v.inputs and ("route_flows", row) in v.solution


def test_cost_line_changed(tmp_path):
    inp, out = solve(leg_case(), tmp_path)
    amount = cell(out, "costs", find_row(out, "costs", cost="freight"), "amount")
    row = edit(out, "costs", {"cost": "freight"}, amount=amount - 100)
    rep = check(inp, out)
    v = only(rep, "cost")
    assert v.message.startswith("cost line freight: recomputed ") and "(off by 100)" in v.message
    assert v.solution == (("costs", row),)
    assert families(rep) == ["cost"]


def test_stock_where_no_storage_row_allows_it(tmp_path):
    inp, out = solve(leg_case(), tmp_path)
    row = append(out, "inventory", node="M", commodity="ore", tech_origin_tag="-", processing_country_tag="-",
                 earmarked_end_use="*", transited_tag="-", period="P1", stock_t=5)
    rep = check(inp, out)
    v = only(rep, "storage")
    assert v.message == ("node M holds 5 t of ore at the end of P1, but no storage row allows stock of ore at M "
                         "(stock may only be held where a row allows it)")
    assert v.solution == (("inventory", row),)
    assert families(rep) == ["storage"]  # supplied 5 t earlier at the same cost: nothing else breaks


def site_case(status="candidate"):
    """Ore from M is processed at candidate site S (fixed cost 10, yield 0.5) and the reo sold at K."""
    return (Book(periods=2).node("M", "mine").node("S", "site", "MY").node("K", "market", "JP")
            .add("supply", node="M", commodity="ore", period="*", capacity_t=100, cost_per_t=1)
            .add("sites", site="S", input_commodity="ore", output_commodity="reo", capacity_t=40, cost_per_t=1,
                 status=status, fixed_cost=10, **{"yield": 0.5})
            .link("MS", "M", "S", cost=1).link("SK", "S", "K", cost=1, commodity="reo", country="MY")
            .add("demand", market="K", commodity="reo", period="*", quantity_t=10, shortfall_penalty_per_t=100))


def test_candidate_site_used_while_not_opened(tmp_path):
    inp, out = solve(site_case(), tmp_path)
    clean(inp, out)
    dec = edit(out, "decisions", {"id": "S"}, decision="site not opened")
    for p in ("P1", "P2"):
        edit(out, "processing", {"site": "S", "period": p}, open="no")
    rep = check(inp, out)
    sites = [v for v in rep.violations if v.family == "site"]
    assert [v.message for v in sites] == [
        f"candidate site S processes 20 t in {p} but is not opened (decisions sheet): a candidate processes only "
        "once opened, and then pays its fixed_cost" for p in ("P1", "P2")]
    assert sites[0].inputs == (("sites", 2),)
    assert sites[0].solution == (("processing", find_row(out, "processing", period="P1")), ("decisions", dec))
    assert families(rep) == ["cost", "site"]
    said = "cost line site_fixed: recomputed 0 from the plan, but the solution's costs sheet says 10"
    assert any(v.family == "cost" and v.message.startswith(said) for v in rep.violations)


def test_site_capacity_and_available_from(tmp_path):
    b = site_case(status="existing")
    b.sheets["sites"][0]["available_from"] = "P2"
    inp, out = solve(b, tmp_path)
    clean(inp, out)
    row = edit(out, "processing", {"site": "S", "period": "P1"}, input_t=4, output_t=2)
    rep = check(inp, out)
    v = next(x for x in rep.violations if x.family == "site")
    assert v.message == ("site S in P1: 4 t of input processed, above its effective capacity 0 t (it may process "
                         "only from P2 (available_from)), by 4 t")
    assert v.solution == (("processing", row),)


def cc_case():
    """Two sites make reo for K: C (CN technology, 1/t) and Y (MY, 5/t).  Exporting CN-technology reo needs a
    CN licence (cost 2 a period): the plan uses C."""
    return (Book(periods=1).node("M", "mine").node("C", "site", "CN").node("Y", "site", "MY")
            .node("K", "market", "JP").add("supply", node="M", commodity="ore", period="*", capacity_t=100)
            .add("sites", site="C", input_commodity="ore", output_commodity="reo", capacity_t=40, cost_per_t=1,
                 tech_origin="CN", **{"yield": 1})
            .add("sites", site="Y", input_commodity="ore", output_commodity="reo", capacity_t=40, cost_per_t=5,
                 **{"yield": 1})
            .link("MC", "M", "C").link("MY", "M", "Y").link("CK", "C", "K", commodity="reo", country="CN")
            .link("YK", "Y", "K", commodity="reo", country="MY")
            .add("licences", licence="CN-CC", applies_to="controlled_content", country="CN", rule="required",
                 application_cost=2)
            .add("demand", market="K", commodity="reo", period="*", quantity_t=10, shortfall_penalty_per_t=100))


def test_a_tag_edited_to_dodge_a_licence_is_found(tmp_path):
    inp, out = solve(cc_case(), tmp_path)
    rep = clean(inp, out)
    assert rep.total == pytest.approx(10 + 2)
    row = edit(out, "route_flows", {"route": "CK"}, tech_origin_tag="-")
    edit(out, "licences", {"licence": "CN-CC", "period": "P1"}, applied=0)
    rep = check(inp, out)
    v = only(rep, "provenance")
    assert v.message.startswith("node C, P1: the provenance tags do not balance: 10 t of reo|-|-|*|- leaving by CK "
                                "cannot be traced to tonnes of that provenance here")
    assert v.solution[0] == ("route_flows", row)  # then the ore arriving at C, whose output has nowhere to go
    assert "licence" not in families(rep)  # the licence rule is dodged; the provenance check catches it


def test_transited_tag_omitted_under_a_transit_country_policy(tmp_path):
    b = transit_case(periods=1)
    b.sheets["licences"] = []
    b.add("policies", policy="NO-CN", market="K", commodity="*", measure="transit_country", value="CN",
          max_share=0.5)
    inp, out = solve(b, tmp_path)
    clean(inp, out)
    row = edit(out, "route_flows", {"route": "G"}, transited_tag="-")
    rep = check(inp, out)
    v = only(rep, "provenance")
    assert v.message == ("route G dispatched in P1: the route crosses CN in transit (a transit_country policy tracks "
                         "it) but the row's transited_tag '-' omits it")
    assert v.inputs == (("routes", 2),) and v.solution == (("route_flows", row),)


def test_route_min_volume_and_seasonal_route_max(tmp_path):
    b = leg_case()
    b.sheets["routes"][1].update(min_volume_t=4, max_volume_t=8)
    b.add("seasonality", target_type="route", target="A", period="P1", capacity_factor=0.5)
    inp, out = solve(b, tmp_path)
    clean(inp, out)
    row = edit(out, "route_flows", {"route": "A", "dispatch_period": "P3"}, tonnes=2)
    rep = check(inp, out)
    low = [v for v in rep.violations if v.family == "route"]
    assert low[0].message == ("route A dispatched in P3: 2 t, below its min_volume_t 4 (a route used in a period "
                              "carries at least its minimum), by 2 t") and low[0].solution == (("route_flows", row),)
    row1 = append(out, "route_flows", route="A", corridor="West", commodity="ore", origin="M", destination="K",
                  dispatch_period="P1", arrival_period="P1", tonnes=5)
    rep = check(inp, out)
    high = [v for v in rep.violations if v.family == "route" and "above" in v.message]
    assert high[0].message == ("route A dispatched in P1: 5 t, above the most it may take, 4 t (max_volume_t 8 times "
                               "capacity factor 0.5), by 1 t")
    assert ("seasonality", 3) in high[0].inputs and high[0].solution == (("route_flows", row1),)


def test_two_licences_held_at_once(tmp_path):
    inp, out = solve(transit_case(rule="required", application_cost=5, validity_periods=2), tmp_path)
    clean(inp, out)
    applied = {p: cell(out, "licences", find_row(out, "licences", period=p), "applied") for p in ("P1", "P2")}
    other = "P2" if applied["P1"] else "P1"
    row = edit(out, "licences", {"licence": "CN-TR", "period": other}, applied=1)
    rep = check(inp, out)
    v = next(x for x in rep.violations if x.family == "licence")
    assert v.message.startswith("licence CN-TR: 2 licences held in P1 (applied in ")
    assert ("licences", row) in v.solution


def scenario_case():
    """The base has no probability left: the plan sheets show scenario 'storm', where L2 carries half."""
    b = leg_case()
    return b.add("disruptions", scenario="storm", probability=1.0, target_type="leg", target="L2",
                 capacity_factor=0.5)


def test_plan_sheets_of_a_disruption_scenario(tmp_path):
    inp, out = solve(scenario_case(), tmp_path)
    rep = clean(inp, out)
    assert rep.scenario == "storm"
    assert any("scenario 'storm'" in n and "its disruptions applied" in n for n in rep.notes)
    assert rep.total == pytest.approx(rep.objective)
    t = cell(out, "route_flows", find_row(out, "route_flows", route="R", dispatch_period="P1"), "tonnes")
    assert t == pytest.approx(15)  # L2 in P2: 30 x 0.5 (storm)
    edit(out, "route_flows", {"route": "R", "dispatch_period": "P1"}, tonnes=20)
    rep = check(inp, out)
    v = next(x for x in rep.violations if x.family == "leg capacity")
    assert v.message.startswith("leg L2 in P2: 20 t enter it, above its effective capacity 15 t")
    assert ("disruptions", 2) in v.inputs


def test_default_case_plan_passes_and_a_defense_earmark_edit_is_found(tmp_path, default_case):
    out = default_case.copy_solution(tmp_path / "kz-solution.xlsx")  # solved once per session (tests/conftest.py)
    rep0 = default_case.report
    rep = clean(DEFAULT_INPUT, out)
    assert rep.scenario == "base" and rep.scenarios == 7
    assert rep.total == pytest.approx(rep0.result.objective, rel=1e-9)
    assert rep.costs["route_fixed"] == pytest.approx(6e6)
    # Kuantan NdPr oxide earmarked for US defense (``defense>US``: end use, and the destination CN-TRANSIT's chain
    # rule names) goes to Long Beach; relabelling it any use leaves the defense demand served by tonnes nobody
    # earmarked for it
    row = edit(out, "route_flows", {"route": "NDPR-KUANTAN-LONGBEACH", "earmarked_end_use": "defense>US"},
               earmarked_end_use="*>US")
    rep = check(DEFAULT_INPUT, out)
    assert families(rep) == ["provenance"]
    # the relabelled row merges with the *>US row of its route and period, so the violation names the node
    # where the defense-earmarked tonnes go missing and the rows that arrive there
    assert row > 1 and any("US-LONG-BEACH" in v.message and "defense>US" in v.message and
                           any(sheet == "route_flows" for sheet, _r in v.solution) for v in rep.violations)


def test_cli_exit_codes_and_solution_never_written(tmp_path, capsys):
    inp, out = solve(leg_case(), tmp_path)
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    assert main(["check", str(inp), str(out)]) == EXIT_OK
    text = capsys.readouterr().out
    assert "no violation: the plan satisfies every rule of the input; total cost 165 USD equals the solution's " \
           "objective 165 USD" in text
    assert hashlib.sha256(out.read_bytes()).hexdigest() == digest
    edit(out, "route_flows", {"route": "R", "dispatch_period": "P2"}, tonnes=20)
    assert main(["check", str(inp), str(out)]) == EXIT_VIOLATIONS
    text = capsys.readouterr().out
    assert "[leg capacity] leg L2 in P3" in text
    assert "| input: legs row 3; seasonality row 2; route_legs row 3 | solution: route_flows row 4" in text
    assert text.strip().splitlines()[-1] == "5 violations (leg capacity 1, balance 1, cost 3)"
    bad = tmp_path / "not-a-workbook.xlsx"
    bad.write_text("hello")
    assert main(["check", str(inp), str(bad)]) == EXIT_INPUT
    assert "not an .xlsx workbook" in capsys.readouterr().err
    wb = openpyxl.load_workbook(out)
    del wb["route_flows"]
    wb.save(tmp_path / "incomplete.xlsx")
    assert main(["check", str(inp), str(tmp_path / "incomplete.xlsx")]) == EXIT_INPUT
    assert "sheet 'route_flows' is missing" in capsys.readouterr().err
    assert main(["check", str(out), str(out)]) == EXIT_INPUT  # the solution is not a valid input
    assert f"the input {out} is not valid" in capsys.readouterr().err


def _drop_column(path, sheet, col):
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    ws.delete_cols(_header(ws).index(col) + 1)
    wb.save(path)


@pytest.mark.parametrize("change, code, needle", [
    (lambda out: edit(out, "route_flows", {"route": "R", "dispatch_period": "P1"}, tonnes="nan"), 2,
     "'nan' is not a number"),
    (lambda out: edit(out, "costs", {"cost": "supply"}, amount="nan"), 2, "'nan' is not a number"),
    (lambda out: edit(out, "summary", {"item": "objective"}, value="nan"), 7, "the summary sheet gives no objective"),
    (lambda out: edit(out, "route_flows", {"route": "R", "dispatch_period": "P1"}, tonnes="1e400"), 2,
     "'1e400' is not a number"),
    (lambda out: edit(out, "route_flows", {"route": "R", "dispatch_period": "P1"}, tonnes="20,5"), 2,
     "'20,5' is not a number"),
    (lambda out: _drop_column(out, "deliveries", "shortfall_t"), 0, "no violation"),
    (lambda out: append(out, "inventory", node="K", period="P1", stock_t=5), 7,
     "inventory: node 'K', commodity 'None' or period 'P1' is not in the input"),
    (lambda out: edit(out, "summary", {"item": "input_sha256"}, value=12345), 0, "no violation"),
], ids=["nan-tonnes", "nan-cost", "nan-objective", "overflow", "decimal-comma", "column-deleted",
        "blank-commodity", "numeric-sha"])
def test_odd_cells_a_planner_may_type_give_messages(tmp_path, capsys, change, code, needle):
    """Cells edited by hand the way a planner might (nan, 1e400, a decimal comma, a deleted column, a blank
    commodity, a number where text was): a violation or a clean pass with a message, never a traceback or a
    silent pass of a figure that is not a number."""
    inp, out = solve(leg_case(), tmp_path)
    change(out)
    assert main(["check", str(inp), str(out)]) == code
    text = capsys.readouterr()
    assert needle in (text.out if code != EXIT_INPUT else text.err)



@pytest.mark.parametrize("disruption", [
    {"target_type": "licence", "target": "L1", "granted": "no"},
    {"target_type": "supply", "target": "M", "capacity_factor": 0},
], ids=["licence-refused", "supply-closed"])
def test_model_solves_a_scenario_where_a_licence_gates_nothing(tmp_path, disruption):
    """Found by the property test (the model used to crash with a KeyError in the licence cost line of the
    scenario that does not know the licence; the first-stage cost now comes from a scenario that does).
    Minimal workbooks: one route M (KZ) -> K (JP), an export licence KZ required, and a scenario (probability
    0.5) that refuses the licence, or closes the supply, for the whole horizon."""
    b = (Book(periods=1).node("M", "mine").node("K", "market", "JP")
         .add("supply", node="M", commodity="ore", period="*", capacity_t=10).link("R", "M", "K")
         .add("demand", market="K", commodity="ore", period="*", quantity_t=5)
         .add("licences", licence="L1", applies_to="export", country="KZ", rule="required", application_cost=1)
         .add("disruptions", scenario="storm", probability=0.5, **disruption))
    inp, out = solve(b, tmp_path)
    clean(inp, out)
