"""The `scenarios` sheet: each kind of edit applies exactly, and mistakes are input errors naming the row.

The tiny case: a mine M (100 t/period at 1 USD/t) and a market K needing 80 t, joined by two one-leg routes:
A (East, 10 USD/t, 60 t/period) and B (West, 20 USD/t, unlimited).  Base optimum: 60 t on A, 20 t on B,
cost 60*10 + 20*20 + 80*1 = 1,080.
"""
import pytest

from builders import Net
from corridor.io.edits import (
    check_study_scenarios,
    expand,
    parse_change,
    parse_study,
)
from corridor.io.issues import InputError
from corridor.io.reader import read_workbook
from corridor.io.validate import validate
from corridor.pipeline import solve_inputs
from corridor.studies.scenario import study_scenario_inputs


def net(scenarios):
    n = Net(periods=1).node("M", "mine").node("K", "market")
    n.supply("M", 100, cost=1.0, commodity="ore")
    n.link("A", "M", "K", cost=10, cap=60, corridor="East").link("B", "M", "K", cost=20, corridor="West")
    n.demand("K", 80, commodity="ore")
    n.sheets["scenarios"] = [dict(zip(("scenario", "sheet", "key", "column", "value"), r)) for r in scenarios]
    return n


def book(tmp_path, scenarios):
    return read_workbook(net(scenarios).write(tmp_path / "case.xlsx"))


def solved(raw, name):
    """(objective, {route: tonnes}) of scenario ``name`` of ``raw``."""
    study, _ = parse_study(raw)
    inputs = study_scenario_inputs(raw, study, name)
    rep = solve_inputs(inputs, raw.path, None, write=False, security=False)
    assert rep.result.proven_optimal
    df = rep.tables["route_flows"]
    return rep.result.objective, df.groupby("route")["tonnes"].sum().to_dict()


def leg(inputs, leg_id):
    return next(r for r in inputs.tables["legs"] if r["leg"] == leg_id)


def test_base_is_the_workbook_as_it_is(tmp_path):
    raw = book(tmp_path, [("more", "legs", "A", "capacity_t", 70)])
    rep = solve_inputs(validate(raw), raw.path, None, write=False, security=False)
    assert rep.result.objective == pytest.approx(1080)


@pytest.mark.parametrize("value, cap, objective", [
    (70, 70, 980),          # absolute number: 70 on A, 10 on B
    ("70", 70, 980),        # absolute, typed as text
    ("x2", 120, 880),       # relative: multiply
    ("1.5x", 90, 880),
    ("+10", 70, 980),       # relative: add
    ("-30", 30, 1380),
    ("-50%", 30, 1380),     # relative: percentage
    ("+50%", 90, 880),
    (None, None, 880),      # blank: the column's default (unlimited)
])
def test_absolute_and_relative_values_apply_exactly(tmp_path, value, cap, objective):
    raw = book(tmp_path, [("s", "legs", "A", "capacity_t", value)])
    study, _ = parse_study(raw)
    assert leg(study_scenario_inputs(raw, study, "s"), "A")["capacity_t"] == cap
    assert leg(study_scenario_inputs(raw, study, "s"), "B")["capacity_t"] is None  # other rows untouched
    obj, tonnes = solved(raw, "s")
    assert obj == pytest.approx(objective)
    assert tonnes["A"] == pytest.approx(min(80, cap if cap is not None else 80))


def test_star_edits_every_row(tmp_path):
    raw = book(tmp_path, [("dear", "legs", "*", "cost_per_t", "x2")])
    study, _ = parse_study(raw)
    inputs = study_scenario_inputs(raw, study, "dear")
    assert [r["cost_per_t"] for r in inputs.tables["legs"]] == [20, 40]
    obj, tonnes = solved(raw, "dear")
    assert obj == pytest.approx(60 * 20 + 20 * 40 + 80)
    assert tonnes == pytest.approx({"A": 60, "B": 20})


def test_column_value_terms_and_wildcards_select_rows(tmp_path):
    raw = book(tmp_path, [("west-cheap", "routes", "corridor=West", "max_volume_t", 5),
                          ("west-cheap", "legs", "leg=B*", "cost_per_t", 5)])
    obj, tonnes = solved(raw, "west-cheap")
    # B now costs 5 but carries at most 5 t: 5 on B, 60 on A, 15 short at 1,000 USD/t
    assert tonnes == pytest.approx({"A": 60, "B": 5})
    assert obj == pytest.approx(5 * 5 + 60 * 10 + 65 * 1 + 15 * 1000)


def test_include_applies_the_other_scenario_first(tmp_path):
    raw = book(tmp_path, [("cap", "legs", "A", "capacity_t", 70),
                          ("both", "include", None, None, "cap"),
                          ("both", "legs", "A", "capacity_t", "x2"),   # after the include: 70 * 2
                          ("both", "legs", "B", "cost_per_t", "+5")])
    study, _ = parse_study(raw)
    inputs = study_scenario_inputs(raw, study, "both")
    assert leg(inputs, "A")["capacity_t"] == 140 and leg(inputs, "B")["cost_per_t"] == 25
    assert solved(raw, "both")[0] == pytest.approx(80 * 10 + 80)
    assert solved(raw, "cap")[0] == pytest.approx(980)  # the included scenario alone is unchanged


def test_an_include_diamond_applies_the_shared_scenario_once(tmp_path):
    """Scenario a includes b and c, both include d (capacity x2): d's edit applies once per expansion (where it is
    first reached), so A's 60 t become 120, not 240."""
    raw = book(tmp_path, [("d", "legs", "A", "capacity_t", "x2"),
                          ("b", "include", None, None, "d"), ("b", "legs", "B", "cost_per_t", "+1"),
                          ("c", "include", None, None, "d"), ("c", "legs", "B", "cost_per_t", "+2"),
                          ("a", "include", None, None, "b"), ("a", "include", None, None, "c")])
    study, _ = parse_study(raw)
    assert [(e.scenario, e.row) for e in expand(study, "a")] == [("d", 2), ("b", 4), ("c", 6)]
    inputs = study_scenario_inputs(raw, study, "a")
    assert leg(inputs, "A")["capacity_t"] == 120 and leg(inputs, "B")["cost_per_t"] == 23
    assert leg(study_scenario_inputs(raw, study, "b"), "A")["capacity_t"] == 120  # each scenario alone: once too
    assert solved(raw, "a")[0] == pytest.approx(80 * 10 + 80)
    assert not check_study_scenarios(raw)


def test_settings_and_keyed_sheets(tmp_path):
    raw = book(tmp_path, [("s", "settings", "shortfall_penalty_per_t", None, 15),
                          ("s", "demand", "K,ore", "shortfall_penalty_per_t", None),   # blank: use the setting
                          ("s", "demand", "K", "quantity_t", "+20")])
    study, _ = parse_study(raw)
    inputs = study_scenario_inputs(raw, study, "s")
    assert inputs.settings["shortfall_penalty_per_t"] == 15
    assert inputs.tables["demand"][0]["quantity_t"] == 100
    obj, tonnes = solved(raw, "s")
    # a shortfall now costs 15 USD/t: more than A's 10 + 1, less than B's 20 + 1: B is not used
    assert tonnes == pytest.approx({"A": 60}) and obj == pytest.approx(60 * 11 + 40 * 15)


def test_the_base_records_are_never_changed(tmp_path):
    raw = book(tmp_path, [("s", "legs", "*", "capacity_t", 1), ("s", "settings", "time_limit_s", None, 5)])
    before = {k: [dict(r) for r in v] for k, v in raw.sheets.items()}
    study, _ = parse_study(raw)
    study_scenario_inputs(raw, study, "s")
    assert raw.sheets == before


def test_change_parser():
    assert parse_change("x1.2").kind == "mul" and parse_change("X1.2").amount == 1.2
    assert parse_change("1.2x").amount == 1.2 and parse_change("*3").amount == 3
    assert (parse_change("+100").kind, parse_change("+100").amount) == ("add", 100)
    assert (parse_change("-2.5").kind, parse_change("-2.5").amount) == ("add", -2.5)
    assert (parse_change("+30%").kind, parse_change("+30%").amount) == ("pct", 30)
    assert parse_change(-5).kind == "set"  # a typed number is absolute
    assert parse_change("yes").kind == "set" and parse_change("1e3").kind == "set"


@pytest.mark.parametrize("rows, row, column, text", [
    ([("s", "leg", "A", "capacity_t", 1)], 2, "sheet", "'leg' is not a sheet a scenario can edit; did you mean 'legs'"),
    ([("s", "scenarios", "*", "value", 1)], 2, "sheet", "is not a sheet a scenario can edit"),
    ([("s", "legs", "A", "capacity", 1)], 2, "column", "'capacity' is not a column of legs; did you mean 'capacity_t'"),
    ([("s", "legs", "AA", "capacity_t", 1)], 2, "key", "'AA' matches no row of legs"),
    ([("s", "legs", "country=XX", "capacity_t", 1)], 2, "key", "'country=XX' matches no row of legs"),
    ([("s", "legs", "colour=red", "capacity_t", 1)], 2, "key", "'colour' in 'colour=red' is not a column of legs"),
    ([("s", "legs", None, "capacity_t", 1)], 2, "key", "is required but blank"),
    ([("s", "legs", "A", "leg", "Z")], 2, "column", "a scenario cannot rename ids"),
    ([("s", "legs", "A", "mode", "x2")], 2, "value", "is a relative change, but legs column 'mode' holds text"),
    ([("s", "legs", "A", "distance_km", "x2")], 2, "value", "which is blank (no number to change)"),
    ([("s", "seasonality", "A", "capacity_factor", 1)], 2, "key", "rows of seasonality have no id"),
    ([("s", "demand", "K,ore,civil,*,extra", "quantity_t", 1)], 2, "key", "has 5 parts"),
    ([("s", "settings", "time_limit", None, 1)], 2, "key", "'time_limit' is not a setting"),
    ([("s", "include", None, None, "t")], 2, "value", "includes 't', which is not a scenario"),
    ([("s", "include", None, None, "u"), ("u", "include", None, None, "s")], 3, "value",
     "circular include: s -> u -> s"),
    ([("Base", "legs", "A", "capacity_t", 1)], 2, "scenario", "'Base' is reserved"),
])
def test_structural_mistakes_name_the_scenarios_row(tmp_path, rows, row, column, text):
    raw = book(tmp_path, rows)
    issues = check_study_scenarios(raw)
    assert issues, "the mistake was not found"
    first = issues[0]
    assert (first.sheet, first.row, first.column) == ("scenarios", row, column)
    assert text in first.message
    with pytest.raises(InputError) as err:  # and the workbook does not validate
        validate(raw)
    assert any(i.sheet == "scenarios" and text in i.message for i in err.value.issues)


def test_a_value_the_contract_refuses_names_the_scenario_and_its_row(tmp_path):
    raw = book(tmp_path, [("ok", "legs", "A", "capacity_t", 70),
                          ("bad", "legs", "A", "capacity_t", "x2"), ("bad", "legs", "B", "cost_per_t", "-50")])
    validate(raw)  # the base is valid: the bad value only exists in the scenario
    study, _ = parse_study(raw)
    with pytest.raises(InputError) as err:
        study_scenario_inputs(raw, study, "bad")
    (issue,) = err.value.issues
    assert (issue.sheet, issue.column) == ("legs", "cost_per_t")
    assert "in scenario 'bad' (set by scenarios row 4)" in issue.message and "below the minimum 0" in issue.message
    assert leg(study_scenario_inputs(raw, study, "ok"), "A")["capacity_t"] == 70
