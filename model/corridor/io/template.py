"""Generate an empty input workbook, its README sheet and the input docs from the schema table."""
from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from corridor.io.cross_sheet import RULES
from corridor.io.files import atomic_save, keep_text
from corridor.io.schema import SETTINGS, SHEETS, STAR
from corridor.io.validate import Inputs, declared_ids

ROWS_WITH_DROPDOWNS = 2000


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
    """Write an empty input workbook to ``path`` (atomically).  With ``from_inputs`` (validated `Inputs`),
    id columns get dropdowns restricted to the ids declared there."""
    wb = Workbook()
    readme = wb.active
    readme.title = "README"
    for r in readme_rows():
        readme.append(list(r))
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for c in readme[1]:
        c.font, c.fill = bold, fill
    readme.freeze_panes = "A2"
    for letter, width in zip("ABCDEFG", (14, 26, 14, 18, 12, 40, 90)):
        readme.column_dimensions[letter].width = width
    ids = {}
    if from_inputs is not None:
        ids = declared_ids(from_inputs.tables)
    lists = wb.create_sheet("_lists") if ids else None
    list_ranges = {}
    for j, (sheet, values) in enumerate(sorted(ids.items()), start=1):
        values = sorted(values)
        lists.cell(row=1, column=j, value=sheet)
        for i, v in enumerate(values, start=2):
            lists.cell(row=i, column=j, value=v)
        col = get_column_letter(j)
        list_ranges[sheet] = f"_lists!${col}$2:${col}${max(2, len(values) + 1)}"
    if lists is not None:
        lists.sheet_state = "hidden"
    for s in SHEETS:
        ws = wb.create_sheet(s.name)
        ws.append([c.name for c in s.columns])
        for cell in ws[1]:
            cell.font, cell.fill = bold, fill
            cell.alignment = Alignment(vertical="center")
        ws.freeze_panes = "A2"
        if s.kv:
            for key, (_k, default, _a, _d) in SETTINGS.items():
                ws.append([key, default])
        for j, c in enumerate(s.columns, start=1):
            letter = get_column_letter(j)
            ws.column_dimensions[letter].width = max(12, len(c.name) + 4)
            rng = f"{letter}2:{letter}{ROWS_WITH_DROPDOWNS}"
            formula = None
            if c.kind == "enum":
                formula = '"' + ",".join(c.allowed + ((STAR,) if c.star else ())) + '"'
            elif c.kind == "ref" and c.ref in list_ranges and not c.star:
                formula = list_ranges[c.ref]
            if formula:
                dv = DataValidation(type="list", formula1=formula, allow_blank=True, showDropDown=False)
                dv.error = f"{c.name}: {_allowed_text(c)}"
                dv.errorTitle = "Not allowed"
                dv.prompt = c.desc
                dv.showErrorMessage = True
                ws.add_data_validation(dv)
                dv.add(rng)
            if c.kind in ("id", "ref", "text", "list", "enum") and not s.kv:
                for row in range(2, ROWS_WITH_DROPDOWNS + 1):  # ids such as 2027-01 stay text, not dates
                    ws.cell(row=row, column=j).number_format = "@"
    keep_text(wb)  # ids copied from --from (=HYPERLINK(...)) stay text on every sheet, the hidden one too
    return atomic_save(wb, Path(path), "template")


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
