"""A case built in code (``{sheet: DataFrame or list of row dicts}``) reads as the workbook of the same tables:
the same validated inputs and optimum when it is valid, the same messages (sheet, Excel row, column) when not."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import corridor
from builders import Net, two_corridors
from corridor.io.issues import InputError
from corridor.pipeline import DEFAULT_INPUT, STRATEGIC_INPUT


def frames(net: Net) -> dict:
    """The net's sheets as DataFrames (settings as a key/value table), as a notebook would build them."""
    out = {name: pd.DataFrame(rows) for name, rows in net.sheets.items() if name != "settings"}
    settings = net.sheets["settings"]
    out["settings"] = pd.DataFrame({"key": list(settings), "value": list(settings.values())})
    return out


def to_workbook(book: dict, path) -> object:
    """``book``'s DataFrames written as a planner's workbook: one sheet each, ``to_excel(index=False)``."""
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        for name, df in book.items():
            df.to_excel(xl, sheet_name=name, index=False)
    return path


def issues_of(source) -> list:
    with pytest.raises(InputError) as exc:
        corridor.read_inputs(source)
    return [(i.severity, i.sheet, i.row, i.column, i.message) for i in exc.value.issues]


def same_inputs(a, b):
    assert a.tables == b.tables
    assert a.settings == b.settings
    assert [str(w) for w in a.warnings] == [str(w) for w in b.warnings]


@pytest.mark.parametrize("case", [DEFAULT_INPUT, STRATEGIC_INPUT], ids=["default", "strategic"])
def test_the_cases_read_from_dataframes_equal_their_workbooks(case):
    same_inputs(corridor.read_inputs(pd.read_excel(case, sheet_name=None)), corridor.read_inputs(case))


def test_a_valid_mapping_equals_its_workbook_and_solves_to_the_same_optimum(tmp_path):
    net = two_corridors()
    book = frames(net)
    from_book = corridor.read_inputs(to_workbook(book, tmp_path / "case.xlsx"))
    from_frames = corridor.read_inputs(book)
    same_inputs(from_frames, from_book)
    assert from_frames.path is None and from_book.path is not None
    rows = {name: rows for name, rows in net.sheets.items()}  # lists of dicts, settings as {key: value}
    same_inputs(corridor.read_inputs(rows), from_book)
    a = corridor.run(book, write=False, security=False)
    b = corridor.run(tmp_path / "case.xlsx", write=False, security=False)
    assert a.result.proven_optimal and a.result.objective == pytest.approx(600) == b.result.objective
    assert a.costs == b.costs and a.input_path is None
    pd.testing.assert_frame_equal(a.tables["route_flows"], b.tables["route_flows"])
    c = corridor.run(from_frames, write=False, security=False)  # validated Inputs are taken too
    assert c.result.objective == pytest.approx(600)


def test_a_case_in_code_is_written_only_where_told(tmp_path):
    with pytest.raises(ValueError, match="give output_path, or write=False"):
        corridor.run(frames(two_corridors()))
    rep = corridor.run(frames(two_corridors()), tmp_path / "plan.xlsx", security=False)
    assert rep.output_path == tmp_path / "plan.xlsx" and rep.output_path.is_file()


def bad_book() -> dict:
    """A case with one mistake of each kind a reader or validator reports, in DataFrames as pandas holds them
    (NaN for a missing value, numpy scalars, a timestamp, a blank row in the middle)."""
    net = (Net(periods=2).node("M", "mine").node("K", "market", "JP").node("K", "market", "JP")
           .supply("M", 1000).link("A", "M", "K", cost=1).link("B", "M", "NOWHERE", cost=2)
           .demand("K", 100, commodity="ore"))
    book = frames(net)
    legs = book["legs"]
    legs.loc[1, "cost_per_t"] = -3.0  # a number below the minimum (Excel row 3)
    legs["transit_days"] = legs["transit_days"].astype(object)
    legs.loc[0, "transit_days"] = "12,5"  # a comma decimal mark
    legs.loc[0, "capacity_t"] = np.float64("nan")  # blank = unlimited
    supply = book["supply"].rename(columns={"capacity_t": "capacty_t"})  # a misspelt required column
    supply["colour"] = ["red"]  # an unknown column
    book["supply"] = supply
    periods = book["periods"]
    periods = periods.astype(object)
    book["periods"] = periods
    periods.loc[1, "month"] = np.int64(13)  # a numpy integer out of range
    periods.loc[0, "period"] = pd.Timestamp("2027-01-01")  # a date where a text id belongs
    demand = pd.concat([pd.DataFrame([{c: np.nan for c in book["demand"].columns}]), book["demand"]],
                       ignore_index=True)  # a blank row: the demand row is Excel row 3
    demand["quantity_t"] = demand["quantity_t"].astype(object)
    demand.loc[1, "quantity_t"] = True  # a logical value where a number belongs
    demand.loc[1, "market"] = np.nan  # a required cell left blank
    book["demand"] = demand
    book["Nodez"] = pd.DataFrame({"node": ["X"]})  # an unknown sheet
    del book["route_legs"]  # a required sheet missing
    return book


def test_a_bad_mapping_gives_the_messages_of_its_workbook(tmp_path):
    book = bad_book()
    found = issues_of(book)
    assert found == issues_of(to_workbook(book, tmp_path / "bad.xlsx"))
    where = {(sheet, row, col) for _sev, sheet, row, col, _msg in found}
    assert {("legs", 3, "cost_per_t"), ("legs", 2, "transit_days"), ("periods", 3, "month"), ("periods", 2, "period"),
            ("demand", 3, "quantity_t"), ("demand", 3, "market"), ("supply", 1, "capacty_t"), ("supply", 1, "colour"),
            ("supply", 1, "capacity_t"), ("nodes", 4, "node"), ("route_legs", None, ""), ("Nodez", None, "")} <= where
    text = {msg for *_rest, msg in found}
    assert "-3 is below the minimum 0; allowed: a number >= 0 (currency/t), at most 1e+09" in text
    assert any("'NOWHERE' is not declared on sheet 'nodes'" in m for m in text)
    assert any(m.startswith("unknown sheet, ignored; did you mean 'nodes'?") for m in text)


def test_list_of_dicts_and_dataframes_say_the_same():
    book = bad_book()
    rows = {name: df.to_dict("records") if isinstance(df, pd.DataFrame) else df for name, df in book.items()}
    assert issues_of(rows) == issues_of(book)


def test_a_named_index_is_read_as_a_column_and_none_is_a_blank_cell():
    book = frames(two_corridors())
    book["nodes"] = book["nodes"].set_index("node")
    book["demand"] = [dict(r, end_use=None) for r in book["demand"].to_dict("records")]  # blank: default civil
    inputs = corridor.read_inputs(book)
    assert [r["node"] for r in inputs.tables["nodes"]] == ["M", "K"]
    assert inputs.tables["demand"][0]["end_use"] == "civil"


def test_a_table_of_another_type_is_reported_on_its_sheet_and_a_non_mapping_is_a_type_error():
    book = frames(two_corridors())
    book["legs"] = "A,M,K"
    found = issues_of(book)
    assert found[0][:4] == ("error", "legs", None, "")
    assert "give a pandas DataFrame or a list of row dicts" in found[0][4]
    with pytest.raises(TypeError, match="not list"):
        corridor.read_inputs([book])


def test_cell_values_from_pandas_and_numpy():
    from corridor.io.frames import cell_value
    assert cell_value(np.int64(3)) == 3 and type(cell_value(np.int64(3))) is int
    assert cell_value(np.bool_(True)) is True
    assert all(cell_value(v) is None for v in (None, np.nan, float("nan"), pd.NA, pd.NaT, np.datetime64("NaT")))
    assert cell_value(pd.Timestamp("2027-01-05")) == dt.datetime(2027, 1, 5)
    assert type(cell_value(pd.Timestamp("2027-01-05"))) is dt.datetime
    assert cell_value(np.datetime64("2027-01-05")) == dt.datetime(2027, 1, 5)
    assert cell_value("P1") == "P1"


def test_settings_given_to_run_replace_the_case_s_own_in_a_copy():
    inputs = corridor.read_inputs(frames(two_corridors()))
    stages = []
    rep = corridor.run(inputs, write=False, security=False, settings={"time_limit_s": 7.0}, on_stage=stages.append)
    assert rep.settings["time_limit_s"] == 7.0 and inputs.settings["time_limit_s"] == 600.0
    assert "validate" in stages and "solve" in stages
