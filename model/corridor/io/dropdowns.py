"""The template's dropdowns and input prompts, from the schema table.

Every list a dropdown offers is a workbook-level defined name over a range that grows with the sheet it lists:
``node_ids`` is ``nodes!$A$2:$A$<last>``, so a node a planner types into ``nodes`` is at once in every
dropdown of a column that refers to nodes.  Names:

- ``<id column>_ids`` (``period_ids``, ``node_ids``, ``leg_ids`` ...): the ids a sheet declares;
- ``<id column>_ids_or_all``: ``*`` and the same ids, for the columns that take ``*`` (a hidden ``_lists`` column
  that starts with ``*`` and mirrors the sheet's id column row by row with formulas);
- ``countries`` and ``countries_or_all``: the ISO 3166 alpha-2 codes and INT (`schema.COUNTRY_CODES`), plus any
  other code the ``--from`` input uses;
- ``list_<kind>``: what a ``target`` (disruptions, seasonality, investments, charges) or a policy ``value`` may
  be for the kind named in the same row (``target_type`` or ``measure``): the dropdown is
  ``INDIRECT("list_"&<that cell>)``, so a leg disruption offers legs and a country disruption countries.

Closed vocabularies (enum columns) are inline lists that refuse anything else; ids that must be declared
refuse an undeclared one; countries, targets, policy values and comma-separated lists only warn (the
validator has the last word: a code outside the ISO list or a list of ids is allowed).  Every column gets an
input prompt from its schema description, unit, default and allowed values (Excel's 255-character limit).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

from openpyxl import Workbook
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from corridor.io.schema import COUNTRY_CODES, COUNTRY_COLUMNS, SETTINGS, SHEET, SHEETS, STAR, Column, Sheet

ROWS_WITH_DROPDOWNS = 2000  # an empty template's dropdowns and named ranges reach this row
PROMPT_MAX = 255  # characters: Excel's limit on an input prompt and an error message
TITLE_MAX = 32  # characters: Excel's limit on their titles
LISTS = "_lists"  # the hidden sheet of the lists that are not a sheet's own column

# target kind -> (sheet, column) whose cells are the targets of that kind; None: the country codes
TARGET_KINDS = {"leg": ("legs", "leg"), "route": ("routes", "route"), "corridor": ("routes", "corridor"),
                "site": ("sites", "site"), "supply": ("supply", "node"), "storage": ("storage", "node"),
                "market": ("nodes", "node"), "licence": ("licences", "licence"), "country": None,
                "transit_country": None, "processing_country": None}
KIND_COLUMNS = {"policies": ("measure", "value")}  # sheet -> (kind column, value column) beside target_type/target


def last_row(filled: int = 0) -> int:
    """The last row the dropdowns and the named ranges cover when the fullest sheet holds ``filled`` rows."""
    return max(ROWS_WITH_DROPDOWNS, filled + 1 + ROWS_WITH_DROPDOWNS // 2)


def letter(sheet: str, column: str) -> str:
    """The column letter of ``column`` on the template's ``sheet`` (the schema's column order)."""
    return get_column_letter([c.name for c in SHEET[sheet].columns].index(column) + 1)


def id_name(sheet: str, star: bool = False) -> str:
    """The defined name of the ids ``sheet`` declares (``node_ids``; with ``star``: ``node_ids_or_all``)."""
    return f"{SHEET[sheet].id_column}_ids" + ("_or_all" if star else "")


def column_range(sheet: str, column: str, last: int) -> str:
    """The absolute reference of ``column``'s cells below the header on ``sheet``, down to row ``last``."""
    col = letter(sheet, column)
    return f"{quote_sheetname(sheet)}!${col}$2:${col}${last}"


def add_lists(wb: Workbook, last: int, countries: Iterable[str] = ()) -> dict[str, str]:
    """Add the hidden ``_lists`` sheet and every defined name (module doc) to ``wb``; ``{name: reference}``."""
    ws = wb.create_sheet(LISTS)
    ws.sheet_state = "hidden"
    names = {id_name(s.name): column_range(s.name, s.id_column, last) for s in SHEETS if s.id_column}
    codes = list(COUNTRY_CODES) + sorted(set(countries) - set(COUNTRY_CODES))
    ws["A1"], ws["A2"] = "countries", STAR
    for i, code in enumerate(codes, start=3):
        ws.cell(row=i, column=1, value=code).number_format = "@"
    end = len(codes) + 2
    names["countries"], names["countries_or_all"] = f"{LISTS}!$A$3:$A${end}", f"{LISTS}!$A$2:$A${end}"
    starred = sorted({c.ref for s in SHEETS for c in s.columns if c.ref and c.star})
    for j, ref in enumerate(starred, start=2):  # '*' then the sheet's ids, one formula per row
        col, id_col = get_column_letter(j), letter(ref, SHEET[ref].id_column)
        ws.cell(row=1, column=j, value=f"{ref} or *")
        ws.cell(row=2, column=j, value=STAR)
        for r in range(2, last + 1):
            ws.cell(row=r + 1, column=j, value=f'=IF({ref}!${id_col}{r}="","",{ref}!${id_col}{r})')
        names[id_name(ref, star=True)] = f"{LISTS}!${col}$2:${col}${last + 1}"
    for kind, where in TARGET_KINDS.items():
        names[f"list_{kind}"] = names["countries"] if where is None else column_range(*where, last)
    for name, ref in names.items():
        wb.defined_names[name] = DefinedName(name, attr_text=ref)
    return names


def prompt_text(c: Column, allowed: str, default: str) -> str:
    """The input prompt of column ``c``: its meaning, unit, whether required, the allowed values and the default,
    cut to Excel's 255 characters."""
    text = c.desc[0].upper() + c.desc[1:] + "." if c.desc else ""
    text += f" Unit: {c.unit}." if c.unit else ""
    text += " Required." if c.required else ""
    text += f" Allowed: {allowed}." if allowed else ""
    text += f" Default: {default}." if default and default != "blank" else ""
    return fit(text)


def fit(text: str, most: int = PROMPT_MAX) -> str:
    """``text`` cut to ``most`` characters (an ellipsis marks a cut)."""
    return text if len(text) <= most else text[:most - 1].rstrip() + "\u2026"


def _list_source(sheet: Sheet, c: Column) -> tuple[str | None, str]:
    """(the list formula of column ``c``'s dropdown or None, the error style: stop refuses, warning asks)."""
    if c.kind == "enum":
        return '"' + ",".join(c.allowed + ((STAR,) if c.star else ())) + '"', "stop"
    star = c.star or c.default == STAR
    if (sheet.name, c.name) in COUNTRY_COLUMNS:
        return ("countries_or_all" if star else "countries"), "warning"
    if c.kind in ("ref", "list") and c.ref and SHEET[c.ref].id_column:
        return id_name(c.ref, star), "stop" if c.kind == "ref" else "warning"
    kinds = KIND_COLUMNS.get(sheet.name, ("target_type", "target"))
    names = [x.name for x in sheet.columns]
    if c.name == kinds[1] and kinds[0] in names:
        return f'INDIRECT("list_"&${letter(sheet.name, kinds[0])}2)', "warning"
    return None, "stop"


def validation(sheet: Sheet, c: Column, allowed: str, default: str) -> DataValidation:
    """The data validation of column ``c`` of ``sheet``: its dropdown (`_list_source`) if it has one, and its
    input prompt; a column without a list gets the prompt alone (any value)."""
    formula, style = _list_source(sheet, c)
    dv = DataValidation(type="list" if formula else None, formula1=formula, allow_blank=True)
    dv.showInputMessage = True
    dv.promptTitle, dv.prompt = fit(c.name, TITLE_MAX), prompt_text(c, allowed, default)
    if formula:
        dv.showErrorMessage, dv.errorStyle = True, style
        dv.errorTitle = "Not allowed" if style == "stop" else "Not in the list"
        more = "" if style == "stop" else " (the list is a guide: keep the value if it is meant)"
        dv.error = fit(f"{c.name}: {allowed}{more}")
    return dv


def add_validations(ws: Worksheet, sheet: Sheet, last: int, allowed_of: Callable[[Column], str],
                    default_of: Callable[[Column], str]) -> None:
    """Every column's validation (`validation`) on rows 2..``last`` of ``ws``; ``allowed_of(c)`` and
    ``default_of(c)`` say what the column allows and its default, as the README sheet does."""
    for j, c in enumerate(sheet.columns, start=1):
        if sheet.kv and c.name == "value":
            continue  # one validation per setting's row (`add_setting_lists`)
        dv = validation(sheet, c, allowed_of(c), default_of(c))
        ws.add_data_validation(dv)
        col = get_column_letter(j)
        dv.add(f"{col}2:{col}{last}")


def add_setting_lists(ws: Worksheet, rows: dict[str, int]) -> None:
    """The value cell of each setting (``rows``: setting -> its row on the settings sheet) gets the setting's
    description as its prompt, and a dropdown when the setting is an enum."""
    value = letter("settings", "value")
    for key, row in rows.items():
        kind, _default, allowed, desc = SETTINGS[key]
        enum = kind == "enum"
        dv = DataValidation(type="list" if enum else None, formula1='"' + ",".join(allowed) + '"' if enum else None,
                            allow_blank=True)
        dv.showInputMessage, dv.promptTitle, dv.prompt = True, fit(key, TITLE_MAX), fit(desc)
        if enum:
            dv.showErrorMessage, dv.errorStyle = True, "stop"
            dv.errorTitle, dv.error = "Not allowed", fit(f"{key}: {', '.join(allowed)}")
        ws.add_data_validation(dv)
        dv.add(f"{value}{row}")


__all__ = ["KIND_COLUMNS", "LISTS", "PROMPT_MAX", "ROWS_WITH_DROPDOWNS", "TARGET_KINDS", "TITLE_MAX", "add_lists",
           "add_setting_lists", "add_validations", "column_range", "fit", "id_name", "last_row", "letter",
           "prompt_text", "validation"]
