"""The template's dropdowns: named ranges that grow with the sheets they list (a planner's new node is in every
node dropdown), lists for countries, disruption targets and policy values, input prompts from the schema; they
survive a round trip through LibreOffice; ``--from`` fills the sheets with the input's rows."""
from __future__ import annotations

import re
import shutil
import subprocess

import openpyxl
import pytest

import corridor
from corridor.cli import EXIT_OK, main
from corridor.io.dropdowns import PROMPT_MAX, ROWS_WITH_DROPDOWNS, TITLE_MAX
from corridor.io.schema import COUNTRY_CODES, COUNTRY_COLUMNS, SHEET, SHEETS
from corridor.pipeline import DEFAULT_INPUT

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
REF = re.compile(r"^'?([^'!]+)'?!\$([A-Z]+)\$(\d+):\$([A-Z]+)\$(\d+)$")


@pytest.fixture(scope="module")
def templates(tmp_path_factory):
    """(empty template, template --from the default case), written by the command line."""
    folder = tmp_path_factory.mktemp("templates")
    empty, filled = folder / "empty.xlsx", folder / "filled.xlsx"
    assert main(["template", str(empty)]) == EXIT_OK
    assert main(["template", str(filled), "--from", str(DEFAULT_INPUT)]) == EXIT_OK
    return empty, filled


def names_of(wb) -> dict:
    """Defined name -> (sheet, column letter, first row, last row)."""
    out = {}
    for name, dn in wb.defined_names.items():
        m = REF.match(dn.attr_text)
        assert m and m.group(2) == m.group(4), dn.attr_text
        out[name] = (m.group(1), m.group(2), int(m.group(3)), int(m.group(5)))
    return out


def validations(ws) -> dict:
    """The first cell of each validation's range (``B2``) -> the validation: one per column, and one per setting
    on the settings sheet's value column."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in str(dv.sqref).split():
            first = rng.split(":")[0]
            assert first not in out, f"{ws.title}!{first}: two validations"
            out[first] = dv
    return out


def column_of(sheet: str, column: str) -> str:
    return openpyxl.utils.get_column_letter([c.name for c in SHEET[sheet].columns].index(column) + 1)


def top(sheet: str, column: str) -> str:
    """The first cell below the header of ``column`` on ``sheet``, where its validation starts."""
    return column_of(sheet, column) + "2"


def test_every_reference_to_an_id_sheet_is_a_dropdown_over_its_named_range(templates):
    wb = openpyxl.load_workbook(templates[0])
    names = names_of(wb)
    assert names["node_ids"] == ("nodes", "A", 2, ROWS_WITH_DROPDOWNS)
    for s in SHEETS:
        if s.id_column:
            assert names[f"{s.id_column}_ids"] == (s.name, column_of(s.name, s.id_column), 2, ROWS_WITH_DROPDOWNS)
        dvs = validations(wb[s.name])
        for c in s.columns:
            if s.kv and c.name == "value":
                continue
            dv = dvs[top(s.name, c.name)]
            assert str(dv.sqref).endswith(str(ROWS_WITH_DROPDOWNS))
            if c.kind == "ref":
                star = "_or_all" if c.star else ""
                assert dv.type == "list" and dv.formula1 == f"{SHEET[c.ref].id_column}_ids{star}", (s.name, c.name)
                assert dv.errorStyle == "stop"
            elif c.kind == "enum":
                assert dv.type == "list" and dv.formula1.strip('"').split(",")[:len(c.allowed)] == list(c.allowed)


def test_countries_disruption_targets_and_policy_values_have_lists(templates):
    wb = openpyxl.load_workbook(templates[0])
    names = names_of(wb)
    lists = wb["_lists"]
    codes = [lists.cell(row=r, column=1).value for r in range(names["countries"][2], names["countries"][3] + 1)]
    assert codes == list(COUNTRY_CODES) and "KZ" in codes and "INT" in codes
    assert lists.cell(row=names["countries_or_all"][2], column=1).value == "*"
    for sheet, column in COUNTRY_COLUMNS:
        dv = validations(wb[sheet])[top(sheet, column)]
        assert dv.formula1 in ("countries", "countries_or_all") and dv.errorStyle == "warning"
    target = validations(wb["disruptions"])[top("disruptions", "target")]
    assert target.formula1 == f'INDIRECT("list_"&${column_of("disruptions", "target_type")}2)'
    for kind in SHEET["disruptions"].column("target_type").allowed:  # every kind has its list
        assert f"list_{kind}" in names
    assert names["list_leg"] == names["leg_ids"] and names["list_country"] == names["countries"]
    assert names["list_corridor"][:2] == ("routes", column_of("routes", "corridor"))
    value = validations(wb["policies"])[top("policies", "value")]
    assert value.formula1 == f'INDIRECT("list_"&${column_of("policies", "measure")}2)'
    for measure in ("corridor", "route", "transit_country", "processing_country"):
        assert f"list_{measure}" in names


def test_every_column_has_an_input_prompt_from_the_schema(templates):
    wb = openpyxl.load_workbook(templates[0])
    for s in SHEETS:
        dvs = validations(wb[s.name])
        for c in s.columns:
            if s.kv and c.name == "value":
                continue
            dv = dvs[top(s.name, c.name)]
            assert dv.showInputMessage and dv.promptTitle == c.name[:TITLE_MAX], (s.name, c.name)
            assert dv.prompt and len(dv.prompt) <= PROMPT_MAX and len(dv.error or "") <= PROMPT_MAX
            assert dv.prompt.lower().startswith(c.desc[:20].lower())
    objective = validations(wb["settings"])["B2"]  # the first setting's value cell: its own list and prompt
    assert str(objective.sqref) == "B2" and objective.formula1 == '"min_cost,max_security,max_margin"'


def test_the_empty_template_holds_no_cell_below_its_headers(templates):
    """Text columns are text through the column's style, not 2,000 formatted cells each (it took ~3 s)."""
    wb = openpyxl.load_workbook(templates[0])
    for s in SHEETS:
        ws = wb[s.name]
        if not s.kv:
            assert ws.max_row == 1, s.name
            assert ws.column_dimensions[column_of(s.name, s.columns[0].name)].number_format == "@"


def test_from_fills_the_sheets_with_the_input_and_reads_back_as_it(templates):
    a, b = corridor.read_inputs(DEFAULT_INPUT), corridor.read_inputs(templates[1])
    strip = {k: [{x: y for x, y in r.items() if x != "_row"} for r in v] for k, v in a.tables.items()}
    assert {k: [{x: y for x, y in r.items() if x != "_row"} for r in v] for k, v in b.tables.items()} == strip
    assert a.settings == b.settings and not b.warnings
    wb = openpyxl.load_workbook(templates[1])
    names = names_of(wb)
    most = max(wb[s.name].max_row for s in SHEETS)
    for s in SHEETS:
        if s.id_column:
            assert names[f"{s.id_column}_ids"][3] >= max(most, ROWS_WITH_DROPDOWNS)
    assert wb["periods"]["A2"].value == "2027-01" and wb["periods"]["A2"].number_format == "@"


def test_a_node_typed_into_the_template_is_in_every_node_dropdown_and_validates(templates, tmp_path, capsys):
    wb = openpyxl.load_workbook(templates[1])
    nodes, demand = wb["nodes"], wb["demand"]
    n = nodes.max_row + 1  # the planner's new node, in the first free row
    nodes.cell(row=n, column=1, value="IN-NEW-MARKET")
    nodes.cell(row=n, column=2, value="market")
    nodes.cell(row=n, column=3, value="IN")
    row = demand.max_row + 1
    head = [c.value for c in demand[1]]
    for col, v in {"market": "IN-NEW-MARKET", "commodity": "ndpr", "period": "*", "quantity_t": 1}.items():
        demand.cell(row=row, column=head.index(col) + 1, value=v)
    book = tmp_path / "edited.xlsx"
    wb.save(book)
    sheet, col, first, last = names_of(wb)["node_ids"]
    assert (sheet, col) == ("nodes", "A") and first <= n <= last  # the named range covers the new row
    listed = [nodes.cell(row=r, column=1).value for r in range(first, last + 1)]
    assert "IN-NEW-MARKET" in listed  # so the dropdowns that use it list the new id
    market = validations(demand)[top("demand", "market")]
    assert market.formula1 == "node_ids" and row <= int(str(market.sqref).split(":")[1][1:])
    capsys.readouterr()
    assert main(["validate", str(book)]) == EXIT_OK, capsys.readouterr()
    assert "valid" in capsys.readouterr().out


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed (.ci/run installs it)")
def test_the_dropdowns_and_names_survive_a_round_trip_through_libreoffice(templates, tmp_path):
    src = templates[1]
    profile = tmp_path / "lo-profile"
    out = tmp_path / "lo"
    cmd = [SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "xlsx", "--outdir",
           str(out), str(src)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    before, after = openpyxl.load_workbook(src), openpyxl.load_workbook(out / src.name)
    assert names_of(after) == names_of(before)
    for s in SHEETS:
        old, new = validations(before[s.name]), validations(after[s.name])
        for col, dv in old.items():
            kept = new[col]
            if dv.type:  # a list: its source and whether it refuses or warns
                assert (kept.type, kept.formula1, kept.errorStyle) == (dv.type, dv.formula1, dv.errorStyle), col
            else:  # a prompt alone (LibreOffice writes "any value" with a formula 0)
                assert kept.type is None, (s.name, col)
            assert kept.prompt == dv.prompt and kept.promptTitle == dv.promptTitle
            if ":" in str(dv.sqref):  # LibreOffice keeps a column's validation over the used rows and 1,000 more
                assert int(re.sub(r"^\D+", "", str(kept.sqref).split(":")[-1])) >= before[s.name].max_row + 1000
    lists = openpyxl.load_workbook(out / src.name, data_only=True)["_lists"]
    _sheet, col, first, last = names_of(after)["period_ids_or_all"]
    values = [lists[f"{col}{r}"].value for r in range(first, last + 1)]
    assert values[:3] == ["*", "2027-01", "2027-02"]  # the mirror formulas are computed
    a = corridor.read_inputs(src)
    b = corridor.read_inputs(out / src.name)
    assert {k: len(v) for k, v in a.tables.items()} == {k: len(v) for k, v in b.tables.items()}
