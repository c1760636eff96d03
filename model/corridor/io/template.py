"""Generate an empty input workbook, its README sheet and the input docs from the schema table."""
from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from corridor.io.cross_sheet import RULES
from corridor.io.dropdowns import ROWS_WITH_DROPDOWNS, add_lists, add_setting_lists, add_validations, last_row
from corridor.io.files import atomic_save, keep_text
from corridor.io.schema import COUNTRY_COLUMNS, SETTINGS, SHEETS, STAR
from corridor.io.validate import Inputs

__all__ = ["ROWS_WITH_DROPDOWNS", "inputs_markdown", "readme_rows", "write_template"]


def _default_text(c):
    if c.default is None:
        return "blank" if not c.required else ""
    return f"{c.default:g}" if isinstance(c.default, float) else str(c.default)


def _allowed_text(c):
    if c.kind == "enum":
        return ", ".join(c.allowed)
    if c.kind in ("ref", "list") and c.ref:
        return f"an id from sheet '{c.ref}'" + (" or *" if c.star else "") + (
            " (comma-separated list allowed)" if c.kind == "list" else "")
    parts = []
    if c.lo is not None:
        parts.append(f"{'>' if c.above else '>='} {c.lo:g}")
    if c.hi is not None:
        parts.append(f"<= {c.hi:g}")
    if c.star:
        parts.append("or *")
    if c.kind == "int":
        parts.insert(0, "whole number")
    elif c.kind == "num":
        parts.insert(0, "number")
    return " ".join(parts)


def readme_rows() -> list[tuple]:
    """The rows of the template's README sheet: every sheet and column with unit, default, allowed values and
    meaning, then every setting."""
    rows = [("sheet", "column", "required", "unit", "default", "allowed", "meaning")]
    for s in SHEETS:
        rows.append((s.name, "", "sheet required" if s.required else "optional sheet", "", "", "", s.desc))
        for c in s.columns:
            rows.append((s.name, c.name, "yes" if c.required else "", c.unit, _default_text(c), _allowed_text(c),
                         c.desc))
    for key, (kind, default, allowed, desc) in SETTINGS.items():
        allowed_txt = ", ".join(allowed) if kind == "enum" else (f">= {allowed[0]:g}" if allowed else "")
        rows.append(("settings", f"key = {key}", "", "", "" if default is None else str(default), allowed_txt, desc))
    return rows


def write_template(path: str | Path, from_inputs: Inputs | None = None) -> Path:
    """Write an input workbook generated from the schema to ``path`` (atomically): a README sheet, every sheet
    with its header, dropdowns over named ranges that grow with the sheets they list and an input prompt on
    every column (`corridor.io.dropdowns`).  With ``from_inputs`` (validated `Inputs`) the sheets hold its
    rows and settings, and the named ranges reach past them: the input, ready to be edited, where a node
    added to ``nodes`` is at once in every node dropdown."""
    wb = Workbook()
    readme = wb.active
    readme.title = "README"
    for r in readme_rows():
        readme.append(list(r))
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for c in readme[1]:
        c.font, c.fill = bold, fill
    readme.freeze_panes = "A2"
    for col, width in zip("ABCDEFG", (14, 26, 14, 18, 12, 40, 90)):
        readme.column_dimensions[col].width = width
    tables = from_inputs.tables if from_inputs is not None else {}
    last = last_row(max((len(rows) for rows in tables.values()), default=0))
    for s in SHEETS:
        ws = wb.create_sheet(s.name)
        ws.append([c.name for c in s.columns])
        for cell in ws[1]:
            cell.font, cell.fill = bold, fill
            cell.alignment = Alignment(vertical="center")
        ws.freeze_panes = "A2"
        for j, c in enumerate(s.columns, start=1):
            dim = ws.column_dimensions[get_column_letter(j)]
            dim.width = max(12, len(c.name) + 4)
            if c.kind in TEXT_KINDS and not s.kv:
                dim.number_format = "@"  # the column's style: ids such as 2027-01 stay text, not dates
        if s.kv:
            settings = from_inputs.settings if from_inputs is not None else {k: v[1] for k, v in SETTINGS.items()}
            for key in SETTINGS:
                ws.append([key, settings.get(key)])
            add_setting_lists(ws, {key: i for i, key in enumerate(SETTINGS, start=2)})
        else:
            _fill(ws, s, tables.get(s.name, ()))
        add_validations(ws, s, last, _allowed_text, _default_text)
    countries = {r.get(c) for sheet, c in COUNTRY_COLUMNS for r in tables.get(sheet, ())}
    countries |= {x for r in tables.get("licences", ()) if isinstance(r.get("destination_country"), tuple)
                  for x in r["destination_country"]}
    keep_text(wb)  # ids copied from --from (=HYPERLINK(...)) stay text, before the lists' own formulas
    add_lists(wb, last, sorted(x for x in countries if isinstance(x, str) and x not in ("", STAR)))
    return atomic_save(wb, Path(path), "template")


TEXT_KINDS = ("id", "ref", "text", "list", "enum")


def _fill(ws, sheet, rows):
    """Write ``rows`` (validated records of ``sheet``) below the header, as a planner would type them: a list
    of ids comma-separated, text cells formatted as text."""
    for rec in rows:
        values = []
        for c in sheet.columns:
            v = rec.get(c.name)
            values.append(", ".join(v) if isinstance(v, tuple) else v)
        ws.append(values)
        for c, cell in zip(sheet.columns, ws[ws.max_row]):
            if c.kind in TEXT_KINDS:
                cell.number_format = "@"


def inputs_markdown() -> str:
    """The input reference (docs/inputs.md), generated from the same schema."""
    out = ["# Input workbook reference", "",
           "Generated from `corridor/io/schema.py` (`corridor docs`); the contract is `shared/spec/workbook.md`.",
           "Column order is free, names are case-insensitive, empty rows are ignored, `source` and `note`",
           "columns are kept and echoed. `*` in a key column means all.", ""]
    for s in SHEETS:
        out += [f"## {s.name}" + ("" if s.required else " (optional)"), "", s.desc, "",
                "| column | required | unit | default | allowed | meaning |", "|---|---|---|---|---|---|"]
        for c in s.columns:
            out.append(f"| `{c.name}` | {'yes' if c.required else ''} | {c.unit} | {_default_text(c)} | "
                       f"{_allowed_text(c)} | {c.desc} |")
        out.append("")
    out += ["## Rules across cells and sheets", ""] + [f"- {r}" for r in RULES] + [""]
    out += ["## settings keys", "", "| key | default | allowed | meaning |", "|---|---|---|---|"]
    for key, (kind, default, allowed, desc) in SETTINGS.items():
        allowed_txt = ", ".join(allowed) if kind == "enum" else (f">= {allowed[0]:g}" if allowed else "")
        out.append(f"| `{key}` | {'' if default is None else default} | {allowed_txt} | {desc} |")
    return "\n".join(out) + "\n"
