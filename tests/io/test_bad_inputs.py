"""The bad-input catalogue (issue 5): one mistake per workbook, each through `corridor solve`.

For every case: exit code 2 (an unknown sheet or column: a warning, exit 0), exactly one error message,
naming the sheet, the Excel row (header = row 1) and the column and what is allowed, no traceback, no output
file and no other file in the folder, and the input's bytes unchanged.  The cases start from `base()`, a
small valid network, with one mistake each; the structural cases are raw files.  Validation tests that
combine several mistakes live in test_cli_validation.py.
"""
import datetime as dt
import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from bad_books import (
    LAUGHS,
    _copy_sheet,
    _limit,
    _merge,
    _set,
    _write_zip,
    add,
    base,
    bomb,
    corrupted,
    edit,
    empty_workbook,
    net,
    put,
    raw,
    repacked,
    ten_times_default,
    truncated,
    xml_merge,
    xml_prefix,
    zipped,
)
from bad_cases import RELIABILITY, WB, C
from corridor.cli import EXIT_INPUT, EXIT_OK, main
from corridor.io import guard

ROOT = Path(__file__).resolve().parents[2]


# -- the catalogue (`Case` and the reliability pass's cases: tests/bad_cases.py) ------------------------------


SUPPLY_PART = "xl/worksheets/sheet5.xml"  # the sheets are written in the order of `tiny.SHEETS`
DATE = dt.datetime(2027, 2, 1)
ORDER = [{"route": "MS", "seq": 1, "leg": "MS"}, {"route": "SK", "seq": 1, "leg": "HK"},
         {"route": "SK", "seq": 2, "leg": "SH"}]

CASES = [
    # not a workbook at all, or a damaged or hostile one
    C("text_file", raw(b"this is not a spreadsheet\n"), WB, "not an .xlsx workbook", "text file"),
    C("empty_file", raw(b""), WB, "is empty (0 bytes)"),
    C("csv_renamed", raw(b"node,kind,country\nM,mine,KZ\n"), WB, "not an .xlsx workbook", "CSV"),
    C("pdf_renamed", raw(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"), WB, "it is a PDF document"),
    C("html_renamed", raw(b"<html><body><table><tr><td>M</td></tr></table></body></html>"), WB, "web page (HTML)"),
    C("xml_2003_renamed", raw(b'<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:'
                              b'spreadsheet"/>'), WB, "XML Spreadsheet 2003"),
    C("password_or_xls", raw(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2000)), WB, "password-protected",
      "old binary .xls"),
    C("truncated_xlsx", truncated, WB, "damaged or truncated", "nothing was read"),
    C("corrupt_member", corrupted, WB, "is damaged", "nothing was read"),
    C("zip_not_xlsx", zipped({"data.csv": b"a,b\n1,2\n"}), WB, "a zip archive but not an .xlsx workbook",
      "holds no xl/ workbook parts"),
    C("ods_renamed", zipped({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                             "content.xml": b"<office:document-content/>"}), WB, "OpenDocument spreadsheet (.ods)"),
    C("docx_renamed", zipped({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"}), WB,
      "it is a Word document"),
    C("empty_workbook", empty_workbook, WB, "none of the input sheets", "its sheets: Sheet",
      "required: periods, commodities, nodes"),
    C("zip_bomb", bomb, WB, "xl/padding.xml", "a zip bomb, refused", "nothing was read"),
    C("oversized_xml", repacked(lambda m: None), WB, "would unpack to", "above the limit",
      patch=_limit("MAX_TOTAL_BYTES", 20_000)),
    C("too_many_parts", repacked(lambda m: None), WB, "parts, above the limit of 5",
      patch=_limit("MAX_MEMBERS", 5)),
    C("entity_expansion", xml_prefix("xl/workbook.xml", LAUGHS), WB, "part xl/workbook.xml declares an ENTITY",
      "nothing was read"),
    C("external_dtd", xml_prefix("xl/worksheets/sheet1.xml", b'<!DOCTYPE worksheet SYSTEM "http://x.invalid/a.dtd">'),
      WB, "part xl/worksheets/sheet1.xml declares a DOCTYPE"),
    C("utf16_entity", xml_prefix("xl/styles.xml", b'<!DOCTYPE s [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
                                 encoding="UTF-16"), WB, "xl/styles.xml declares an ENTITY"),
    C("missing_content_types", repacked(lambda m: m.pop("[Content_Types].xml")), WB,
      "[Content_Types].xml is missing"),
    C("malformed_sheet_xml", repacked(lambda m: m.update({SUPPLY_PART: m[SUPPLY_PART][:-30]})),  # cut short
      ("supply", None, ""), "the sheet could not be read", "save it again"),
    C("long_prolog", xml_prefix("xl/workbook.xml", b"<!--" + b"x" * 70_000 + b"-->" + b"<!DOCTYPE w>"), WB,
      "KB before its first element"),
    # sheets, headers and cells the read cannot take as they are
    C("missing_sheet", net(lambda s: s.pop("legs")), ("legs", None, ""), "required sheet is missing"),
    C("empty_required_sheet", net(lambda s: s.update(nodes=[])), ("nodes", None, ""),
      "no nodes declared: at least one row is needed"),
    C("missing_column", net(lambda s: [r.pop("country") for r in s["nodes"]]), ("nodes", 1, "country"),
      "required column is missing", "required columns: node, kind, country"),
    C("duplicate_column", _set("nodes", "D1", "kind"), ("nodes", 1, "kind"), "column appears twice"),
    C("duplicate_sheet", edit(_copy_sheet), ("Nodes ", None, ""), "a second sheet named 'Nodes '", "rename one"),
    C("unknown_sheet", net(lambda s: s.update(notes_for_boss=[{"text": "hi"}])), ("notes_for_boss", None, ""),
      "unknown sheet, ignored", "known sheets: settings", warning=True),
    C("unknown_column", put("supply", 2, colour="blue"), ("supply", 1, "colour"), "unknown column, ignored",
      "known columns: node, commodity", warning=True),
    C("merged_header", _merge("B1:C1"), ("nodes", 1, "kind"), "header cells B1:C1 are merged", "unmerge them"),
    C("merged_data", _merge("C2:C3"), ("nodes", 2, "country"), "cells C2:C3 are merged", "unmerge them"),
    C("formula_no_value", _set("supply", "D2", "=50*2"), ("supply", 2, "capacity_t"),
      "holds a formula (=50*2) with no saved value", "open and save the workbook in Excel or LibreOffice"),
    C("formula_as_id", _set("nodes", "A4", '="H"'), ("nodes", 4, "node"), 'formula (="H") with no saved value'),
    C("excel_error_value", _set("supply", "D2", "#REF!"), ("supply", 2, "capacity_t"), "Excel error value #REF!"),
    C("error_value_as_id", _set("legs", "A3", "#N/A"), ("legs", 3, "leg"), "Excel error value #N/A"),
    # ids
    C("duplicate_node", add("nodes", node="H", kind="port", country="KZ"), ("nodes", 6, "node"),
      "duplicate node=H: already given in row 4"),
    C("duplicate_leg", add("legs", leg="SH", from_node="K", to_node="M", mode="rail", country="KZ"),
      ("legs", 5, "leg"), "duplicate leg=SH"),
    C("duplicate_step", add("route_legs", route="SK", seq=2, leg="SH"), ("route_legs", 5, "seq"),
      "duplicate route=SK, seq=2: already given in row 4"),
    C("id_with_blanks", put("nodes", 4, node=" H "), ("nodes", 4, "node"), "leading or trailing blanks",
      "allowed: 'H'"),
    C("ref_with_blanks", put("legs", 3, to_node="H "), ("legs", 3, "to_node"), "leading or trailing blanks"),
    C("date_as_id", net(lambda s: (s["periods"][1].update(period=DATE), s["sites"][0].update(available_from="P2"))),
      ("periods", 3, "period"), "is a date (2027-02-01 00:00:00) where text belongs", "format the column as Text"),
    C("logical_as_id", put("nodes", 5, node=True), ("nodes", 5, "node"), "logical value TRUE where a text id"),
    C("very_long_string", put("legs", 3, to_node="H" * 40_000), ("legs", 3, "to_node"),
      "is not declared on sheet 'nodes'", "characters)' is not"),
    # references to what is not declared
    C("undeclared_node", put("supply", 2, node="MM"), ("supply", 2, "node"), "'MM' is not declared on sheet "
      "'nodes'; did you mean 'M'?"),
    C("undeclared_leg", put("route_legs", 3, leg="SH2"), ("route_legs", 3, "leg"), "did you mean 'SH'"),
    C("undeclared_route", put("route_legs", 4, route="SKK"), ("route_legs", 4, "route"), "did you mean 'SK'"),
    C("undeclared_period", put("demand", 2, period="P9"), ("demand", 2, "period"), "declared: P1, P2 (or * for all)"),
    C("undeclared_commodity", put("demand", 2, commodity="gold"), ("demand", 2, "commodity"),
      "'gold' is not declared on sheet 'commodities'; declared: ore, reo"),
    C("undeclared_licence", add("disruptions", scenario="x", probability=0.1, target_type="licence", target="L9",
                                granted="no"), ("disruptions", 2, "target"), "'L9' is not a known licence; known: L1"),
    C("storage_at_unknown_node", put("storage", 2, node="Q"), ("storage", 2, "node"), "'Q' is not declared"),
    C("available_from_not_a_period", put("sites", 2, available_from="2030-01"), ("sites", 2, "available_from"),
      "declared: P1, P2"),
    C("policy_unknown_market", put("policies", 2, market="KK"), ("policies", 2, "market"),
      "did you mean 'K'? (or * for all)"),
    C("licence_unknown_commodity", put("licences", 2, commodity="reo, gld"), ("licences", 2, "commodity"),
      "'gld' is not declared on sheet 'commodities'"),
    C("season_unknown_leg", put("seasonality", 2, target="SHH"), ("seasonality", 2, "target"),
      "'SHH' is not a known leg; known: HK, MS, SH"),
    # numbers
    C("text_in_number", put("supply", 2, capacity_t="lots"), ("supply", 2, "capacity_t"), "'lots' is not a number",
      "allowed: a number >= 0 (t)"),
    C("thousands_separator", put("supply", 2, capacity_t="1,000"), ("supply", 2, "capacity_t"),
      "without thousands separators"),
    C("negative_capacity", put("legs", 3, capacity_t=-5), ("legs", 3, "capacity_t"), "-5 is below the minimum 0",
      "allowed: a number >= 0 (t)"),
    C("negative_cost", put("sites", 2, cost_per_t=-1), ("sites", 2, "cost_per_t"),
      "allowed: a number >= 0 (currency/t)"),
    C("infinite_capacity", put("supply", 2, capacity_t="inf"), ("supply", 2, "capacity_t"),
      "inf is not a finite number"),
    C("overflowing_cost", put("legs", 4, cost_per_t="1e400"), ("legs", 4, "cost_per_t"), "not a finite number"),
    C("yield_zero", put("sites", 2, **{"yield": 0}), ("sites", 2, "yield"), "0 is not above the minimum 0",
      "allowed: a number above 0 (t/t)"),
    C("yield_negative", put("sites", 2, **{"yield": -0.5}), ("sites", 2, "yield"), "allowed: a number above 0"),
    C("factor_above_1", put("seasonality", 2, capacity_factor=1.5), ("seasonality", 2, "capacity_factor"),
      "1.5 is above the maximum 1; allowed: 0..1"),
    C("factor_negative", put("seasonality", 2, capacity_factor=-0.2), ("seasonality", 2, "capacity_factor"),
      "allowed: 0..1"),
    C("share_above_1", put("policies", 2, max_share=1.2), ("policies", 2, "max_share"), "allowed: 0..1"),
    C("month_13", put("seasonality", 2, month=13), ("seasonality", 2, "month"),
      "allowed: 1..12 (whole numbers) or *"),
    C("month_0", put("periods", 2, month=0), ("periods", 2, "month"), "allowed: 1..12"),
    C("validity_zero", put("licences", 2, validity_periods=0), ("licences", 2, "validity_periods"),
      "allowed: a whole number >= 1 (periods)"),
    C("fractional_seq", put("route_legs", 4, seq=2.5), ("route_legs", 4, "seq"), "2.5 is not a whole number"),
    C("logical_in_number", put("supply", 2, capacity_t=True), ("supply", 2, "capacity_t"),
      "logical value TRUE is not a number"),
    C("time_in_number", put("legs", 3, transit_days=dt.time(12, 0)), ("legs", 3, "transit_days"),
      "the date or time 12:00:00 is not a number", "allowed: a number >= 0 (days)"),
    C("date_in_number", put("demand", 2, quantity_t=DATE), ("demand", 2, "quantity_t"),
      "the date or time 2027-02-01 00:00:00 is not a number"),
    # closed vocabularies
    C("bad_kind", put("nodes", 4, kind="volcano"), ("nodes", 4, "kind"),
      "allowed: mine, site, port, border, hub, market"),
    C("bad_mode", put("legs", 3, mode="truck"), ("legs", 3, "mode"), "allowed: rail, road, sea, ferry, river, air"),
    C("bad_status", put("sites", 2, status="planned"), ("sites", 2, "status"), "allowed: existing, candidate"),
    C("bad_rule", put("licences", 2, rule="forbidden"), ("licences", 2, "rule"), "allowed: prohibited, required"),
    C("blank_mode", put("legs", 3, mode=None), ("legs", 3, "mode"), "is required but blank; allowed: rail, road"),
    C("bad_setting_value", net(lambda s: s["settings"].update(horizon="forever")), ("settings", 2, "value"),
      "allowed: cyclic, open"),
    C("unknown_setting", net(lambda s: s["settings"].update(colour="blue")), ("settings", 4, "key"),
      "'colour' is not allowed; allowed: objective, horizon"),
    # rules across sheets
    C("legs_out_of_order", net(lambda s: s.update(route_legs=ORDER)), ("route_legs", 3, "leg"),
      "leg 'HK' starts at 'H' but the route is at 'S'; allowed: a leg that starts at 'S' (SH)"),
    C("route_ends_elsewhere", put("routes", 3, destination="H"), ("route_legs", 4, "leg"),
      "ends at 'K', not at its destination 'H'"),
    C("route_back_to_origin", put("routes", 3, destination="S"), ("routes", 3, "destination"),
      "a route must end at another node than it starts"),
    C("leg_to_itself", put("legs", 3, to_node="S"), ("legs", 3, "to_node"), "a leg must end at another node"),
    C("route_commodity_unused", put("routes", 3, commodity="ore"), ("routes", 3, "commodity"),
      "nothing uses 'ore' at the destination 'K'", "allowed: a commodity used at 'K' (reo)"),
    C("route_into_dead_end_hub", net(lambda s: (
        s["legs"].append({"leg": "MH", "from_node": "M", "to_node": "H", "mode": "road", "country": "KZ"}),
        s["routes"].append({"route": "MH", "origin": "M", "destination": "H", "commodity": "ore", "corridor": "C"}),
        s["route_legs"].append({"route": "MH", "seq": 1, "leg": "MH"}))), ("routes", 4, "commodity"),
      "nothing uses 'ore' at the destination 'H'", "(reo)"),
    C("end_use_without_demand", put("licences", 2, end_use="defense"), ("licences", 2, "end_use"),
      "no demand row has the end use 'defense'", "allowed: * or an end use of sheet 'demand' (civil)"),
    C("site_not_a_site_node", put("sites", 2, site="H"), ("sites", 2, "site"), "of kind 'hub', not 'site'"),
    C("min_above_max", put("routes", 2, min_volume_t=50, max_volume_t=10), ("routes", 2, "min_volume_t"),
      "exceeds max_volume_t 10; allowed: 0..10"),
    C("month_and_period", put("seasonality", 2, period="P1"), ("seasonality", 2, "period"), "not both"),
    C("policy_unknown_corridor", put("policies", 2, value="Northern"), ("policies", 2, "value"),
      "'Northern' is not a corridor of any route; allowed: C"),
]

CASES += RELIABILITY  # the reliability pass (tests/bad_cases.py; its other tests: test_reliability.py)



def sha(path):
    """The sha256 of the file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def prefix(sheet, row, column, severity="ERROR"):
    """How `Issue` prints the place: ``ERROR: nodes row 4 column 'kind': ``."""
    where = sheet or "workbook"
    if row:
        where += f" row {row}"
    if column:
        where += f" column '{column}'"
    return f"{severity}: {where}: "


def test_the_catalogue_is_large_and_distinct():
    assert len(CASES) >= 45
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case, tmp_path, capsys, monkeypatch):
    """`corridor solve` on the case: its exit code, exactly one message, located and explained, no traceback,
    nothing written, the input untouched."""
    folder = tmp_path / "work"
    folder.mkdir()
    book = case.build(folder)
    if case.patch:
        case.patch(monkeypatch)
    before, files = sha(book), sorted(p.name for p in folder.iterdir())
    out = folder / "plan.xlsx"
    capsys.readouterr()
    code = main(["solve", str(book), "-o", str(out)])
    cap = capsys.readouterr()
    text = cap.out + cap.err
    assert "Traceback" not in text
    assert sha(book) == before, "the input was changed"
    errors = [line.strip() for line in text.splitlines() if line.strip().startswith("ERROR:")]
    expected = prefix(*case.where, "WARNING" if case.warning else "ERROR")
    if case.warning:
        assert code == EXIT_OK, text
        assert not errors, errors
        hits = [line.strip() for line in cap.out.splitlines() if line.strip().startswith(expected)]
        assert out.exists()
    else:
        assert code == EXIT_INPUT, text
        assert len(errors) == 1, "one mistake, one message:\n" + "\n".join(errors)
        hits = [e for e in errors if e.startswith(expected)]
        assert "1 error(s) in the input; nothing was written" in cap.err
        assert not out.exists()
        assert sorted(p.name for p in folder.iterdir()) == files, "a file was created beside the input"
    assert hits, f"no message starts with {expected!r}:\n{text}"
    for needle in case.needles:
        assert needle in hits[0], f"{needle!r} not in {hits[0]!r}"
    assert len(hits[0]) < 800, "messages stay readable"


SUBPROCESS = [c for c in CASES if c.id in ("text_file", "truncated_xlsx", "formula_no_value", "legs_out_of_order")]


@pytest.mark.parametrize("case", SUBPROCESS, ids=[c.id for c in SUBPROCESS])
def test_bad_input_in_a_real_process(case, tmp_path):
    """The same through a real `python -m corridor` process: the exit code, no traceback."""
    book = case.build(tmp_path)
    before = sha(book)
    out = tmp_path / "plan.xlsx"
    p = subprocess.run([sys.executable, "-m", "corridor", "solve", str(book), "-o", str(out)], cwd=ROOT,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == EXIT_INPUT, p.stderr
    assert "Traceback" not in p.stdout + p.stderr
    assert prefix(*case.where) in p.stderr and case.needles[0] in p.stderr
    assert not out.exists() and sha(book) == before


def test_formulas_with_saved_values_and_blank_merges_are_fine(tmp_path):
    """A formula Excel has calculated (a saved value) reads as its value; merged blank cells read as blanks."""
    import re

    from corridor import read_inputs
    path = base().write(tmp_path / "ok.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["nodes"].merge_cells("F8:G9")  # blank cells below the data
    wb.save(path)
    with zipfile.ZipFile(path) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    # supply: capacity_t in D2 becomes =50*2 with the value 100 saved
    members[SUPPLY_PART], n = re.subn(rb'<c r="D2"[^>]*?(?:/>|>.*?</c>)', b'<c r="D2"><f>50*2</f><v>100</v></c>',
                                      members[SUPPLY_PART])
    assert n == 1
    _write_zip(path, members)
    assert openpyxl.load_workbook(path)["supply"]["D2"].value == "=50*2"
    assert read_inputs(path).tables["supply"][0]["capacity_t"] == 100


@pytest.mark.parametrize("change", [
    "hub_forwards",  # ore goes M -> H, and on from H to the site S
    "site_consumes",  # the base: ore into the site S
    "market_demands",  # reo into the market K
    "stored",  # ore into H, where a storage row holds ore
])
def test_routes_into_a_use_are_accepted(tmp_path, change):
    """The route-use rule rejects dead ends only: a route whose commodity a site, a market, a storage row
    or an onward route takes at its destination is valid."""
    from corridor import read_inputs
    n = base()
    if change in ("hub_forwards", "stored"):
        n.leg("MH", "M", "H").route("MH", ["MH"], commodity="ore")
    if change == "hub_forwards":
        n.leg("HS", "H", "S").route("HS", ["HS"], commodity="ore")
    if change == "stored":
        n.storage("H", commodity="ore")
    read_inputs(n.write(tmp_path / "ok.xlsx"))


def test_openpyxl_parses_with_defusedxml():
    """Defusedxml is a dependency: with it installed openpyxl expands no entity and resolves no external one."""
    from openpyxl.xml import DEFUSEDXML
    assert DEFUSEDXML


def test_limits_are_generous_for_real_workbooks():
    from corridor.pipeline import DEFAULT_INPUT
    guard.inspect_package(DEFAULT_INPUT)
    assert guard.MAX_TOTAL_BYTES >= 100 * 2 ** 20 and guard.MAX_RATIO >= 100


# -- a sheet ten times the default case (`bad_books.ten_times_default`) --------------------------------------


def test_ten_times_the_default_case_is_read_and_the_bad_row_found(tmp_path, capsys):
    """10x the rows of every sheet of the default case (unique ids), one unknown leg near the end of
    route_legs: exactly that error, at its Excel row.  (No timing assertion; see the issue's notes.)"""
    from corridor.io.books import write_sheets
    book = ten_times_default()
    assert len(book["route_legs"]) >= 1000
    bad = len(book["route_legs"]) - 3
    book["route_legs"][bad]["leg"] = "NO-SUCH-LEG"
    path = write_sheets(tmp_path / "big.xlsx", book, stream=True)
    out = tmp_path / "plan.xlsx"
    assert main(["solve", str(path), "-o", str(out)]) == EXIT_INPUT
    err = capsys.readouterr().err
    errors = [line.strip() for line in err.splitlines() if line.strip().startswith("ERROR:")]
    assert len(errors) == 1, errors
    assert errors[0].startswith(prefix("route_legs", bad + 2, "leg")) and "'NO-SUCH-LEG' is not declared" in errors[0]
    assert not out.exists()


def test_free_note_and_source_cells_are_never_interpreted(tmp_path):
    """`source` and `note` are kept and echoed, never interpreted: an Excel error value, a date, a formula-like
    text, a real formula with no saved value or cells merged over several rows there are not input errors."""
    from corridor import read_inputs
    n = base()
    n.sheets["nodes"][0].update(note="#REF!", source=DATE)
    n.sheets["legs"][0]["note"] = "=see row 4"
    path = n.write(tmp_path / "notes.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["nodes"]
    head = [c.value for c in ws[1]]
    ws.cell(row=3, column=head.index("source") + 1).value = "=HYPERLINK(\"https://example.org\")"  # a formula
    col = head.index("note") + 1
    ws.merge_cells(start_row=3, start_column=col, end_row=4, end_column=col)
    ws.cell(row=3, column=col).value = "one note for two rows"
    wb.save(path)
    inputs = read_inputs(path)
    assert inputs.tables["nodes"][0]["note"] == "#REF!"
    assert inputs.tables["nodes"][1]["note"] == "one note for two rows" and inputs.tables["nodes"][1]["source"] is None


# -- the reliability pass: no hang, not even on a sheet-wide merge or a pipe --------------------------------


def _solve_in_a_process(book, timeout):
    p = subprocess.run([sys.executable, "-m", "corridor", "solve", str(book), "-o", str(Path(book).parent / "p.xlsx")],
                       cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    return p.returncode, [line.strip() for line in p.stderr.splitlines() if line.strip().startswith("ERROR:")], p


def test_a_sheet_wide_merge_ends_quickly_with_one_error(tmp_path):
    """A 13 KB workbook merging A2:XFD1048576 on the nodes sheet: one error, within a small time budget."""
    book = xml_merge("A2:XFD1048576")(tmp_path)
    assert book.stat().st_size < 20_000
    code, errors, p = _solve_in_a_process(book, timeout=20)
    assert code == EXIT_INPUT and "Traceback" not in p.stderr
    assert len(errors) == 1 and errors[0].startswith(prefix("nodes", 2, "node")), errors


def test_a_pipe_as_input_is_refused_at_once(tmp_path):
    """A FIFO is never opened (a read would block until someone writes to it)."""
    import os
    fifo = tmp_path / "in.xlsx"
    os.mkfifo(fifo)
    code, errors, p = _solve_in_a_process(fifo, timeout=60)
    assert code == EXIT_INPUT and "Traceback" not in p.stderr
    assert len(errors) == 1 and "is not a regular file" in errors[0], p.stderr
