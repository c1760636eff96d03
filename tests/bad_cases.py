"""The bad-input catalogue's `Case` and the cases of the reliability pass (tests/io/test_bad_inputs.py runs them
with the rest of the catalogue): `*` and period readings, plausibility ceilings, time order, empty sheets, what
Excel does not show, unreadable files, invisible characters, rows of units, names that differ only in case and
model nonsense that passes every cell's check."""
from dataclasses import dataclass

import openpyxl

from bad_books import (
    _set,
    add,
    edit,
    hidden_rows,
    net,
    no_header,
    periods_by_name,
    put,
    raises,
    route_loop,
    site_nothing_reaches,
    title_row,
    units_row,
    xml_merge,
)
from corridor.io import guard


@dataclass
class Case:
    """One mistake: how its workbook is made, where the message points and what it must say."""

    id: str
    build: object
    where: tuple  # (sheet, Excel row, column); "" / None where the message has none
    needles: tuple
    warning: bool = False
    patch: object = None  # monkeypatch -> None (lower a limit)


def C(id, build, where, *needles, **kw):
    """A `Case`, written compactly in the table."""
    return Case(id, build, where, needles, **kw)


WB = ("", None, "")  # a message about the whole file

CYCLIC = {"horizon": "cyclic"}
UNITS = "row 2 looks like a row of units (km, USD/t, days, t): delete it; the units are fixed by the contract, see " \
        "docs/inputs.md"
RELIABILITY = [  # each mistake below once ended silently, badly or unclearly
    # `*`, blank, month and period mean what the docs say on every sheet (the objectives: test_period_star_...)
    C("disruption_month_and_period_star", add("disruptions", scenario="x", probability=0.3, target_type="leg",
                                              target="HK", month=3, period="*"), ("disruptions", 2, "period"),
      "give a month or a period, not both"),
    C("season_month_and_period_star", put("seasonality", 2, period="*"), ("seasonality", 2, "period"), "not both"),
    C("star_where_one_period_belongs", put("sites", 2, available_from="*"), ("sites", 2, "available_from"),
      "'*' means 'all', which this column does not take; allowed: one id of sheet 'periods'"),
    C("star_as_a_leg_of_a_route", put("route_legs", 3, leg="*"), ("route_legs", 3, "leg"),
      "allowed: one id of sheet 'legs'"),
    C("star_as_an_id", put("nodes", 4, node="*"), ("nodes", 4, "node"), "an id cannot be *"),
    # ranges: a planner's per cent, placeholders for "unlimited", figures no plan can use
    C("gap_in_per_cent", net(lambda s: s["settings"].update(mip_rel_gap=10)), ("settings", 3, "value"),
      "10 is above the maximum 0.5", "10 is a gap of 1000%", "type 1% as 0.01 (allowed: 0..0.5)"),
    C("yield_huge", put("sites", 2, **{"yield": 1e9}), ("sites", 2, "yield"), "1e+09 is above the maximum 1000",
      "allowed: a number above 0 (t/t), at most 1000"),
    C("days_tiny", put("periods", 2, days=1e-10), ("periods", 2, "days"), "1e-10 is below the minimum 1",
      "allowed: 1..3660 (days)"),
    C("days_huge", put("periods", 3, days=1e6), ("periods", 3, "days"), "1e+06 is above the maximum 3660"),
    C("leg_capacity_1e15_is_unlimited", put("legs", 3, capacity_t=1e15), ("legs", 3, "capacity_t"),
      "1e+15 is read as unlimited (blank)", "leave it blank for no limit", warning=True),
    C("route_max_1e300_is_unlimited", put("routes", 3, max_volume_t=1e300), ("routes", 3, "max_volume_t"),
      "1e+300 is read as unlimited", warning=True),
    C("storage_capacity_1e12_is_unlimited", put("storage", 2, capacity_t=1e12), ("storage", 2, "capacity_t"),
      "1e+12 is read as unlimited", warning=True),
    C("supply_capacity_1e15", put("supply", 2, capacity_t=1e15), ("supply", 2, "capacity_t"),
      "1e+15 is above the maximum 1e+12; allowed: a number >= 0 (t), at most 1e+12", "give the real figure"),
    C("site_capacity_1e300", put("sites", 2, capacity_t=1e300), ("sites", 2, "capacity_t"), "above the maximum 1e+12"),
    C("demand_1e300", put("demand", 2, quantity_t=1e300), ("demand", 2, "quantity_t"), "above the maximum 1e+12"),
    C("quota_1e15", put("licences", 2, quota_t=1e15), ("licences", 2, "quota_t"), "above the maximum 1e+12"),
    C("min_volume_1e15", put("routes", 2, min_volume_t=1e15), ("routes", 2, "min_volume_t"), "above the maximum"),
    C("min_throughput_1e300", put("sites", 2, min_throughput_t=1e300), ("sites", 2, "min_throughput_t"),
      "above the maximum 1e+12"),
    C("initial_stock_1e15", put("storage", 2, initial_t=1e15), ("storage", 2, "initial_t"), "above the maximum"),
    C("freight_1e300", put("legs", 4, cost_per_t=1e300), ("legs", 4, "cost_per_t"),
      "1e+300 is above the maximum 1e+09; allowed: a number >= 0 (currency/t), at most 1e+09"),
    C("penalty_1e300", put("demand", 2, shortfall_penalty_per_t=1e300), ("demand", 2, "shortfall_penalty_per_t"),
      "above the maximum 1e+09"),
    C("price_1e12", put("demand", 2, price_per_t=1e12), ("demand", 2, "price_per_t"), "above the maximum 1e+09"),
    C("setting_penalty_1e300", net(lambda s: s["settings"].update(shortfall_penalty_per_t=1e300)),
      ("settings", 4, "value"), "above the maximum 1e+09"),
    C("fixed_cost_1e300", put("routes", 2, fixed_cost=1e300), ("routes", 2, "fixed_cost"),
      "1e+300 is above the maximum 1e+15; allowed: a number >= 0 (currency), at most 1e+15"),
    C("application_cost_1e16", put("licences", 2, application_cost=1e16), ("licences", 2, "application_cost"),
      "above the maximum 1e+15"),
    C("cost_factor_1e300", put("seasonality", 2, cost_factor=1e300), ("seasonality", 2, "cost_factor"),
      "above the maximum 1000"),
    C("transit_days_1e300", put("legs", 3, transit_days=1e300), ("legs", 3, "transit_days"),
      "above the maximum 3660; allowed: a number >= 0 (days), at most 3660"),
    C("validity_beyond_the_horizon", net(lambda s: (s["settings"].update(CYCLIC),
                                                    s["licences"][0].update(validity_periods=10 ** 12))),
      ("licences", 2, "validity_periods"), "1e+12 is longer than the 2 periods of the horizon: read as 2",
      warning=True),
    C("lead_beyond_an_open_horizon", put("licences", 2, lead_periods=10 ** 12), ("licences", 2, "lead_periods"),
      "open horizon of 2 periods", "it can never cover a period", warning=True),
    # time order
    C("periods_sorted_by_name", periods_by_name, ("periods", 5, "month"), "the rows must be in time order",
      "the months run 4, 8, 12, 2, 1, 7, 6, 3, 5, 11, 10, 9", "sort the rows by date"),
    C("period_ids_out_of_order", net(lambda s: s.update(periods=[{"period": "2027-02"}, {"period": "2027-01"}])),
      ("periods", 3, "period"), "'2027-01' comes after '2027-02' (row 2): the rows must be in time order"),
    # empty required sheets
    *[C(f"empty_{name}", net(lambda s, name=name: s.update({name: []})), (name, None, ""),
        f"no {name} rows: at least one is needed") for name in ("supply", "demand", "route_legs")],
    *[C(f"empty_{name}", net(lambda s, name=name: s.update({name: []})), (name, None, ""),
        f"no {name} declared: at least one row is needed") for name in ("periods", "commodities", "legs", "routes")],
    # what Excel does not show
    C("hidden_rows", hidden_rows("legs", 3, 4), ("legs", 3, ""), "rows 3, 4 are hidden in Excel",
      "read and solved like visible rows; unhide them", warning=True),
    C("filtered_out_row", hidden_rows("supply", 2, attr='hidden="true"'), ("supply", 2, ""), "row 2 is hidden",
      warning=True),
    C("hidden_column", edit(lambda wb: setattr(wb["legs"].column_dimensions["H"], "hidden", True)),
      ("legs", 1, "transit_days"), "column 'transit_days' is hidden in Excel, but read", warning=True),
    C("hidden_sheet", edit(lambda wb: setattr(wb["storage"], "sheet_state", "hidden")), ("storage", None, ""),
      "the sheet is hidden in Excel, but it is read", warning=True),
    C("sheet_wide_merge", xml_merge("A2:XFD1048576"), ("nodes", 2, "node"), "cells A2:XFD1048576 are merged"),
    C("unreadable_input", net(lambda s: None), WB, "cannot read ", "in.xlsx: Permission denied",
      patch=lambda mp: mp.setattr(guard, "inspect_package", raises(PermissionError(13, "Permission denied")))),
    C("disk_error_in_openpyxl", net(lambda s: None), WB, "cannot read ", ": Input/output error",
      patch=lambda mp: mp.setattr(openpyxl, "load_workbook", raises(OSError(5, "Input/output error")))),
    # cells that look right but are not
    C("zero_width_space_in_ref", put("legs", 3, to_node="H\u200b"), ("legs", 3, "to_node"),
      "'H\\u200b' contains an invisible character U+200B ZERO WIDTH SPACE at position 2; retype the id"),
    C("bom_in_id", put("nodes", 4, node="\ufeffH"), ("nodes", 4, "node"), "U+FEFF ZERO WIDTH NO-BREAK SPACE at "
      "position 1"),
    C("no_break_space_in_ref", put("legs", 3, to_node="H\u00a0"), ("legs", 3, "to_node"), "U+00A0 NO-BREAK SPACE"),
    C("soft_hyphen_in_ref", put("routes", 3, origin="S\u00ad"), ("routes", 3, "origin"), "U+00AD SOFT HYPHEN"),
    C("newline_in_id", put("nodes", 4, node="H\n"), ("nodes", 4, "node"), "'H\\n' contains an invisible character "
      "U+000A LINE FEED"),
    C("newline_inside_ref", put("legs", 3, to_node="H\nK"), ("legs", 3, "to_node"), "U+000A LINE FEED"),
    C("tab_in_ref", put("supply", 2, node="M\t"), ("supply", 2, "node"), "U+0009 CHARACTER TABULATION"),
    C("zero_width_space_in_label", put("routes", 3, corridor="C\u200b"), ("routes", 3, "corridor"),
      "retype the text"),
    C("zero_width_space_in_enum", put("legs", 3, mode="rail\u200b"), ("legs", 3, "mode"), "U+200B"),
    C("units_row", units_row, ("legs", 2, "distance_km"), UNITS),
    C("unknown_sheet_resembles", net(lambda s: s.update(site_product=[{"site": "S"}])), ("site_product", None, ""),
      "unknown sheet, ignored; did you mean 'site_products'?", "known sheets: settings", warning=True),
    C("header_with_zero_width_space", _set("legs", "B1", "from_node\u200b"), ("storage", 2, "commodity"),
      "no route brings 'reo' to 'H'", warning=True),  # read as from_node: only the base's own warning remains
    C("title_row_above_the_header", title_row, ("supply", 1, ""), "row 1 ('Supply per mine (t)') above the header "
      "(row 2) holds no column name; it was ignored", warning=True),
    C("no_header_row", no_header, ("supply", 1, ""), "no header row", "(required: node, commodity, period, "
      "capacity_t)"),
    C("percentage_in_factor", put("seasonality", 2, capacity_factor="30%"), ("seasonality", 2, "capacity_factor"),
      "'30%' is not a number (a percentage: type 0.3 for 30%); allowed: 0..1"),
    C("percentage_in_probability", add("disruptions", scenario="x", probability="10%", target_type="leg",
                                       target="HK"), ("disruptions", 2, "probability"), "type 0.1 for 10%"),
    C("comma_decimal_in_share", put("policies", 2, max_share="0,5"), ("policies", 2, "max_share"),
      "with a point as decimal mark"),
    C("month_name", put("periods", 2, month="Jan"), ("periods", 2, "month"), "(type the month's number: Jan is 1)"),
    C("unit_typed_with_the_figure", put("demand", 2, quantity_t="100 t"), ("demand", 2, "quantity_t"),
      "type the number alone, without 't'"),
    C("currency_sign", put("legs", 3, cost_per_t="$5"), ("legs", 3, "cost_per_t"), "without '$'"),
    C("dash_for_zero", put("legs", 3, cost_per_t="-"), ("legs", 3, "cost_per_t"), "'-' is not a number"),
    C("true_text_in_enum", put("demand", 2, must_meet="TRUE"), ("demand", 2, "must_meet"),
      "'TRUE' is not allowed; allowed: yes, no"),
    C("id_of_blanks", put("nodes", 4, node="   "), ("nodes", 4, "node"), "is required but blank"),
    C("setting_twice_in_two_cases", net(lambda s: s["settings"].update(Horizon="cyclic")), ("settings", 4, "key"),
      "'horizon' is already set in row 2"),
    # names that differ only in case
    C("period_ids_differ_in_case", net(lambda s: s["periods"][1].update(period="p1")), ("periods", 3, "period"),
      "'p1' differs from 'P1' (row 2) only in case"),
    C("ref_differs_in_case", put("legs", 3, to_node="h"), ("legs", 3, "to_node"),
      "did you mean 'H'? (ids are compared with their case)"),
    C("country_differs_in_case", put("licences", 2, country="kz"), ("licences", 2, "country"),
      "'kz' differs from the country 'KZ' (nodes row 2) only in case"),
    # model nonsense that passes every cell's check
    C("route_loops", route_loop, ("route_legs", 4, "leg"), "leg 'HS' comes back to 'S', where the route already "
      "was (its origin); a route is a path without loops"),
    C("storage_nothing_reaches", add("storage", node="M", commodity="reo"), ("storage", 3, "commodity"),
      "no route brings 'reo' to 'M'", "can never hold anything", warning=True),
    C("site_nothing_reaches", site_nothing_reaches, ("sites", 3, "input_commodity"),
      "no route brings 'ore' to 'S2' and no supply is there", warning=True),
    C("demand_at_a_hub", add("demand", market="H", commodity="reo", period="*", quantity_t=5),
      ("demand", 3, "market"), "node 'H' is of kind 'hub', not 'market'", warning=True),
    C("demand_nothing_reaches", add("demand", market="K", commodity="ore", period="*", quantity_t=5),
      ("demand", 3, "commodity"), "no route brings 'ore' to 'K'", "can only be short", warning=True),
    C("initial_stock_in_a_cyclic_horizon", net(lambda s: (s["settings"].update(CYCLIC),
                                                          s["storage"][0].update(initial_t=50))),
      ("storage", 2, "initial_t"), "is ignored: the horizon is cyclic", warning=True),
    C("sheet_name_in_another_case", edit(lambda wb: setattr(wb["legs"], "title", "Legs ")), ("storage", 2,
      "commodity"), "no route brings 'reo' to 'H'", warning=True),  # read as legs: only the base's own warning
]
