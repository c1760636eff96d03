"""CLI behaviour (exit codes, files written or not) and input validation (every error at once, located)."""
import hashlib

import openpyxl
import pytest

from builders import Net, write_book
from corridor import InputError, read_inputs
from corridor.cli import EXIT_INPUT, EXIT_OK, EXIT_OUTPUT, EXIT_USAGE, main
from corridor.pipeline import DEFAULT_INPUT, default_output


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def small_net():
    return (Net().node("M", "mine").node("K", "market", "JP").supply("M", 100)
            .link("R", "M", "K", cost=1, commodity="ore").demand("K", 10, commodity="ore"))


def bad_book(tmp_path):
    """A workbook with one mistake of each common kind, on known rows."""
    n = small_net()
    n.sheets["nodes"].append({"node": "X", "kind": "volcano", "country": "KZ"})  # nodes row 4: bad kind
    n.sheets["supply"].append({"node": "NOWHERE", "commodity": "ore", "period": "*", "capacity_t": "lots"})  # row 3
    n.sheets["legs"].append({"leg": "L2", "from_node": "M", "to_node": "K", "mode": "rail", "country": "KZ",
                             "cost_per_t": -5})  # legs row 3: negative cost
    n.sheets["routes"].append({"route": "R2", "origin": "M", "destination": "K", "commodity": "ore",
                               "corridor": "C"})  # routes row 3: no legs
    n.sheets["route_legs"].append({"route": "R2", "seq": 1, "leg": "R"})  # fine: chains M->K
    n.sheets["route_legs"].append({"route": "R2", "seq": 2, "leg": "L2"})  # route_legs row 4: does not chain
    n.sheets["demand"].append({"market": "K", "commodity": "gold", "period": "P9", "quantity_t": 5})  # row 3
    n.sheets["seasonality"].append({"target_type": "leg", "target": "R", "month": 13, "capacity_factor": 1.5})
    return n.write(tmp_path / "bad.xlsx")


def test_validation_reports_every_error_with_location(tmp_path):
    with pytest.raises(InputError) as exc:
        read_inputs(bad_book(tmp_path))
    got = {(i.sheet, i.row, i.column) for i in exc.value.issues if i.severity == "error"}
    expected = {("nodes", 4, "kind"), ("supply", 3, "node"), ("supply", 3, "capacity_t"), ("legs", 3, "cost_per_t"),
                ("route_legs", 4, "leg"), ("demand", 3, "commodity"), ("demand", 3, "period"),
                ("seasonality", 2, "month"), ("seasonality", 2, "capacity_factor")}
    assert expected <= got, sorted(got)
    text = str(exc.value)
    assert "'volcano' is not allowed; allowed: mine, site, port, border, hub, market" in text
    assert "'lots' is not a number" in text
    assert "'gold' is not declared on sheet 'commodities'" in text


def test_missing_sheet_and_column(tmp_path):
    n = small_net()
    del n.sheets["legs"]
    n.sheets["nodes"] = [{"node": "M", "kind": "mine"}, {"node": "K", "kind": "market"}]  # no country column
    with pytest.raises(InputError) as exc:
        read_inputs(n.write(tmp_path / "b.xlsx"))
    msgs = [(i.sheet, i.column, i.message) for i in exc.value.issues]
    assert ("legs", "", "required sheet is missing") in msgs
    assert any(s == "nodes" and c == "country" and "missing" in m for s, c, m in msgs)


def test_duplicate_ids_blanks_and_dates(tmp_path):
    import datetime as dt
    n = small_net()
    n.sheets["nodes"].append({"node": "M", "kind": "mine", "country": "KZ"})  # duplicate, row 4
    n.sheets["nodes"].append({"node": " P ", "kind": "port", "country": "KZ"})  # blanks, row 5
    n.sheets["periods"].append({"period": dt.datetime(2027, 1, 1), "month": 1})  # a date, row 3
    with pytest.raises(InputError) as exc:
        read_inputs(n.write(tmp_path / "b.xlsx"))
    got = {(i.sheet, i.row, i.column): i.message for i in exc.value.issues}
    assert "duplicate" in got[("nodes", 4, "node")]
    assert "leading or trailing blanks" in got[("nodes", 5, "node")]
    assert "date" in got[("periods", 3, "period")]


def test_unknown_sheet_and_column_are_warnings(tmp_path):
    n = small_net()
    n.sheets["notes_for_boss"] = [{"text": "hello"}]
    n.sheets["supply"][0]["colour"] = "blue"
    inputs = read_inputs(n.write(tmp_path / "w.xlsx"))
    warn = {(w.sheet, w.column) for w in inputs.warnings}
    assert ("notes_for_boss", "") in warn and ("supply", "colour") in warn


def test_not_a_workbook(tmp_path):
    p = tmp_path / "x.xlsx"
    p.write_text("this is not a spreadsheet")
    with pytest.raises(InputError) as exc:
        read_inputs(p)
    assert "not an .xlsx workbook" in str(exc.value)


def test_solve_bad_input_writes_nothing_and_leaves_input_alone(tmp_path, capsys):
    book = bad_book(tmp_path)
    before = sha(book)
    out = tmp_path / "never.xlsx"
    assert main(["solve", str(book), "-o", str(out)]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert "nodes row 4 column 'kind'" in err and "error(s) in the input; nothing was written" in err
    assert not out.exists()
    assert sha(book) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.xlsx"]


def test_solve_refuses_to_overwrite_its_input(tmp_path):
    book = small_net().write(tmp_path / "in.xlsx")
    before = sha(book)
    assert main(["solve", str(book), "-o", str(book)]) == EXIT_OUTPUT
    assert sha(book) == before


def test_validate_cli(tmp_path, capsys):
    assert main(["validate", str(DEFAULT_INPUT)]) == EXIT_OK
    assert "valid" in capsys.readouterr().out
    assert main(["validate", str(bad_book(tmp_path))]) == EXIT_INPUT


def test_template_is_generated_from_the_schema(tmp_path):
    from corridor.io.schema import SHEETS
    out = tmp_path / "t.xlsx"
    assert main(["template", str(out)]) == EXIT_OK
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "README"
    for s in SHEETS:
        ws = wb[s.name]
        assert [c.value for c in ws[1]] == [c.name for c in s.columns]
        assert ws.freeze_panes == "A2"
    readme = list(wb["README"].iter_rows(values_only=True))
    assert ("legs", "capacity_t") in {(r[0], r[1]) for r in readme}
    lists = {dv.formula1 for dv in wb["legs"].data_validations.dataValidation}
    assert '"rail,road,sea,ferry,river,air"' in lists
    assert any("prohibited,required" in f for f in
               (dv.formula1 or "" for dv in wb["licences"].data_validations.dataValidation))
    # the empty template reads cleanly: the only complaint is that it holds no data yet
    with pytest.raises(InputError) as exc:
        read_inputs(out)
    declared = {s: f"ERROR: {s}: no {s} declared: at least one row is needed"
                for s in ("periods", "commodities", "nodes", "legs", "routes")}
    declared["supply"] = ("ERROR: supply: no supply rows: at least one is needed (without supply nothing can be "
                          "shipped, and the plan would be all shortfall)")
    declared["route_legs"] = ("ERROR: route_legs: no route_legs rows: at least one is needed (every route needs "
                              "its legs)")
    declared["demand"] = ("ERROR: demand: no demand rows: at least one is needed (without demand there is nothing "
                          "to deliver)")
    order = ("periods", "commodities", "nodes", "supply", "legs", "routes", "route_legs", "demand")
    assert [str(i) for i in exc.value.issues] == [declared[s] for s in order]


def test_template_from_input_holds_its_rows_and_lists_ids_over_named_ranges(tmp_path):
    out = tmp_path / "t.xlsx"
    assert main(["template", "--from", str(DEFAULT_INPUT), str(out)]) == EXIT_OK
    wb = openpyxl.load_workbook(out)
    nodes = [r[0] for r in wb["nodes"].iter_rows(min_row=2, values_only=True)]
    assert "KZ-KARAGANDA" in nodes and "CN-BAOTOU" in nodes
    assert wb.defined_names["node_ids"].attr_text.startswith("'nodes'!$A$2:$A$")
    formulas = {dv.formula1 for dv in wb["routes"].data_validations.dataValidation}
    assert {"node_ids", "commodity_ids"} <= formulas


def test_docs_match_the_schema(tmp_path):
    from pathlib import Path

    from corridor.io.template import inputs_markdown
    doc = Path(__file__).resolve().parents[2] / "docs" / "inputs.md"
    assert doc.read_text() == inputs_markdown(), "docs/inputs.md is stale: run `corridor docs -o docs/inputs.md`"


def test_input_is_never_written(tmp_path):
    """A workbook solved and written beside it is left as it was (the embedded default case, solved by
    `corridor solve` without arguments: test_solve_without_arguments_solves_the_embedded_case_under_the_current_
    folder)."""
    book = small_net().write(tmp_path / "in.xlsx")
    before = sha(book)
    assert main(["solve", str(book), "-o", str(tmp_path / "o.xlsx")]) == EXIT_OK
    assert sha(book) == before and (tmp_path / "o.xlsx").is_file()


def test_formula_like_text_is_written_as_text(tmp_path):
    n = small_net()
    n.sheets["routes"][0]["corridor"] = "=HYPERLINK(\"http://x\")"
    book = n.write(tmp_path / "f.xlsx")
    out = tmp_path / "o.xlsx"
    assert main(["solve", str(book), "-o", str(out)]) == EXIT_OK
    wb = openpyxl.load_workbook(out)
    cells = [c for row in wb["route_flows"].iter_rows() for c in row if str(c.value).startswith("=")]
    assert cells and all(c.data_type == "s" for c in cells)


def test_write_book_roundtrip(tmp_path):
    p = write_book(tmp_path / "x.xlsx", {"settings": {"horizon": "open"}, "periods": [{"period": "P1", "month": 1}]})
    assert openpyxl.load_workbook(p)["settings"]["A2"].value == "horizon"


def test_route_may_not_use_a_leg_twice(tmp_path):
    n = small_net().leg("BACK", "K", "M")
    n.route("LOOP", ["R", "BACK", "R"], commodity="ore")
    with pytest.raises(InputError) as exc:
        read_inputs(n.write(tmp_path / "loop.xlsx"))
    assert any(i.sheet == "route_legs" and i.column == "leg" and "twice" in i.message for i in exc.value.issues)


def test_tag_separators_are_refused_in_labels(tmp_path):
    n = small_net()
    n.sheets["commodities"].append({"commodity": "ore|b"})
    with pytest.raises(InputError) as exc:
        read_inputs(n.write(tmp_path / "bar.xlsx"))
    assert [(i.sheet, i.row, i.column) for i in exc.value.issues] == [("commodities", 4, "commodity")]


def test_security_settings_are_checked(tmp_path, capsys):
    n = small_net()
    n.sheets["settings"].update({"objective": "max_security", "cost_budget": 10, "cost_budget_pct": 5,
                                 "cvar_alpha": 1, "security_metric": "max_regret"})
    book = n.write(tmp_path / "sec.xlsx")
    assert main(["validate", str(book)]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert "not both" in err and "cvar_alpha must be below 1" in err and "'max_regret' is not allowed" in err
    assert main(["solve", str(book), "-o", str(tmp_path / "o.xlsx")]) == EXIT_INPUT
    assert not (tmp_path / "o.xlsx").exists()


def test_docs_into_a_new_folder_and_bad_repeat(tmp_path):
    out = tmp_path / "new" / "dir" / "inputs.md"
    assert main(["docs", "-o", str(out)]) == EXIT_OK and out.exists()
    with pytest.raises(SystemExit) as exc:
        main(["bench", "--repeat", "0"])
    assert exc.value.code == EXIT_USAGE


def test_template_from_input_reads_back_without_warnings(tmp_path):
    out = tmp_path / "t.xlsx"
    main(["template", "--from", str(DEFAULT_INPUT), str(out)])
    inputs = read_inputs(out)  # the input's rows, in a fresh template: valid as it is
    assert not inputs.warnings and len(inputs.tables["routes"]) == len(read_inputs(DEFAULT_INPUT).tables["routes"])


def test_infeasible_plan_is_reported_with_its_own_exit_code(tmp_path, capsys):
    """An existing site must process 100 t a period, but only 10 t of its output can be sold and nothing
    can be stored: no plan exists."""
    from corridor.cli import EXIT_NO_PLAN
    n = (small_net().node("S", "site").site("S", 200, min_throughput_t=100).link("MS", "M", "S")
         .link("SK", "S", "K", commodity="reo").demand("K", 10))
    out = tmp_path / "o.xlsx"
    assert main(["solve", str(n.write(tmp_path / "inf.xlsx")), "-o", str(out)]) == EXIT_NO_PLAN
    text = capsys.readouterr()
    assert "status     infeasible: no plan satisfies every hard constraint" in text.out
    assert "nothing was written" in text.err and not out.exists()


def test_solve_without_arguments_solves_the_embedded_case_under_the_current_folder(tmp_path, monkeypatch, capsys):
    """`corridor solve` from any folder solves the embedded default case and writes ./outputs/, never into
    the package, and leaves the case as it was; the solution has every plan sheet with its header frozen, the
    tonnes-by-corridor chart and a summary naming the input and its sha256."""
    before = sha(DEFAULT_INPUT)
    monkeypatch.chdir(tmp_path)
    assert main(["solve"]) == EXIT_OK
    text = capsys.readouterr().out
    written = tmp_path / "outputs" / "kazakhstan_rare_earths-solution.xlsx"
    assert written.is_file()
    assert f"written    {written}" in text
    assert not any(DEFAULT_INPUT.parent.glob("*-solution.xlsx"))
    assert "status     optimal" in text and "objective" in text and "seconds" in text
    wb = openpyxl.load_workbook(written)
    for sheet in ("summary", "route_flows", "leg_use", "processing", "deliveries", "inventory", "licences",
                  "corridor_shares", "decisions"):
        assert sheet in wb.sheetnames
        assert wb[sheet].freeze_panes == "A2"
    assert wb["summary"]._charts, "the tonnes-by-corridor chart is missing"
    summary = {r[0]: r[1] for r in wb["summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["status"] == "optimal" and summary["input_file"] == DEFAULT_INPUT.name
    assert summary["input_sha256"] == sha(DEFAULT_INPUT) == before
    assert default_output(DEFAULT_INPUT).name == "kazakhstan_rare_earths-solution.xlsx"


def test_the_embedded_case_is_the_planners_workbook_and_its_builder_output(tmp_path):
    """The package data (model/cases/) and inputs/ hold the same bytes, and the builder renders the same
    workbook."""
    import importlib.util

    from conftest import ROOT
    planners = ROOT / "inputs" / "kazakhstan_rare_earths.xlsx"
    assert DEFAULT_INPUT.read_bytes() == planners.read_bytes()
    spec = importlib.util.spec_from_file_location("builder", ROOT / "inputs" / "build_kazakhstan_rare_earths.py")
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    builder.write(tmp_path / "fresh.xlsx")
    assert _cells(tmp_path / "fresh.xlsx") == _cells(planners)  # (the bytes depend on openpyxl's version)


def _cells(path):
    """Every sheet's cell values, in order: what a workbook says, whatever wrote its XML."""
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    finally:
        wb.close()


def test_version(capsys):
    import corridor
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"corridor {corridor.__version__} (Python ") and "highspy " in line and "\n" not in line
