"""Read an input workbook into raw records (no interpretation yet), remembering Excel row numbers.

The reader never writes to the input.  Structural problems (not a workbook, missing required sheet or
column) become `Issue`s, like every other input error, so that the user sees them all at once.
"""
from __future__ import annotations

import hashlib
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter

from corridor.io.guard import PackageError, SheetMarks, inspect_package, scan_sheet
from corridor.io.issues import InputError, Issue, short
from corridor.io.schema import FREE, SHEET, SHEETS


@dataclass
class RawWorkbook:
    """Records per sheet: each record maps column name -> raw cell value, plus ``_row`` (Excel row)."""

    path: Path
    sha256: str
    sheets: dict = field(default_factory=dict)
    issues: list = field(default_factory=list)
    unreadable: set = field(default_factory=set)  # sheets present but not readable (reported)


def file_sha256(path: Path) -> str:
    """The SHA-256 of the file's bytes (recorded on the solution's summary sheet)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _norm(name) -> str:
    return str(name).strip().lower() if name is not None else ""


def _blank(v) -> bool:
    return v is None or (isinstance(v, str) and v.strip() == "")


MAX_FORMULA_MESSAGES = 20  # per sheet; a workbook never recalculated is one mistake, not thousands


class _Reported:
    """The value of a cell whose problem the reader has already reported (the validator stays silent)."""

    def __repr__(self):
        return "REPORTED"


REPORTED = _Reported()


class _Formula:
    """A formula cell without a saved value (data_only reads it as blank)."""

    def __init__(self, text):
        self.text = text



def read_workbook(path: str | Path) -> RawWorkbook:
    """Read every contract sheet of ``path`` into raw records; raise `InputError` if it is not readable.

    The zip package is inspected first (`guard.inspect_package`: not a workbook, damaged, zip bomb,
    DTDs); merged cells and formulas without a saved value are found in the sheets' XML and reported.
    """
    path = Path(path)
    if not path.exists():
        raise InputError([Issue("", None, "", f"file not found: {path}")])
    if path.is_dir():
        raise InputError([Issue("", None, "", f"{path} is a folder, not an .xlsx workbook")])
    try:
        inspect_package(path)
    except PackageError as exc:
        raise InputError([Issue("", None, "", str(exc))]) from None
    with warnings.catch_warnings():  # openpyxl's notes on parts it drops (styles, extensions) are not for users
        warnings.simplefilter("ignore")
        try:
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for damaged files
            raise InputError([Issue("", None, "", f"{path.name} could not be opened as an .xlsx workbook "
                                                  f"({type(exc).__name__}: {short(exc, 160)}); nothing was read")]
                             ) from None
        raw = RawWorkbook(path=path, sha256=file_sha256(path))
        try:
            with zipfile.ZipFile(path) as zf:
                _read_sheets(wb, zf, raw)
        finally:
            wb.close()
    return raw


def _read_sheets(wb, zf, raw):
    """Fill ``raw`` from the open workbook ``wb`` (``zf``: its zip, for what openpyxl's read does not show)."""
    by_name = {}
    for ws in wb.worksheets:
        name = _norm(ws.title)
        if name in by_name:
            raw.issues.append(Issue(ws.title, None, "", f"a second sheet named '{ws.title}' beside "
                                    f"'{by_name[name].title}' (sheet names are compared without case and "
                                    "surrounding blanks); merge them or rename one; this one was not read"))
            continue
        by_name[name] = ws
    if not any(s.name in by_name for s in SHEETS):
        raw.issues.append(Issue("", None, "", "the workbook holds none of the input sheets (its sheets: "
                                + ", ".join(ws.title for ws in wb.worksheets) + "); required: "
                                + ", ".join(s.name for s in SHEETS if s.required)
                                + "; start from `corridor template`"))
        return
    for name in by_name:
        if name not in SHEET and name not in ("readme", "_lists"):  # the template's own sheets
            raw.issues.append(Issue(by_name[name].title, None, "",
                                    "unknown sheet, ignored (known sheets: "
                                    + ", ".join(s.name for s in SHEETS) + ")", "warning"))
    for sheet in SHEETS:
        ws = by_name.get(sheet.name)
        if ws is None:
            if sheet.required:
                raw.issues.append(Issue(sheet.name, None, "", "required sheet is missing"))
            continue
        try:
            marks = _marks(zf, ws)
            raw.sheets[sheet.name] = _read_sheet(ws, sheet, raw.issues, marks)
        except Exception as exc:  # a damaged part: report it, never a traceback
            raw.issues.append(Issue(sheet.name, None, "", f"the sheet could not be read ({type(exc).__name__}: "
                                    f"{short(exc, 160)}); open the workbook in Excel and save it again"))
            raw.sheets[sheet.name] = []
            raw.unreadable.add(sheet.name)


def _marks(zf, ws):
    """Merged ranges and formulas without a saved value of worksheet ``ws`` (empty if its part is unknown)."""
    part = getattr(ws, "_worksheet_path", None)
    if not part or part not in zf.NameToInfo:
        return SheetMarks()
    return scan_sheet(zf, part)


def _a1(row, col) -> str:
    return f"{get_column_letter(col)}{row}"


def _read_sheet(ws, sheet, issues, marks) -> list:
    """Records of one sheet; merged cells and formulas without a value are reported and read as `REPORTED`."""
    records = []
    header = None
    columns: dict[int, str] = {}
    known = {c.name for c in sheet.columns}
    missing = []
    formulas_by_row = {}
    for (r, c), text in marks.formulas.items():
        formulas_by_row.setdefault(r, {})[c - 1] = text
    merges_by_row = {}
    for m in marks.merged:
        merges_by_row.setdefault(m[0], []).append(m)
    covered = {}  # row -> column indexes (0-based) covered by a reported merge (not its first cell)
    formulas = 0  # formulas without a value in the columns read
    ws.reset_dimensions()  # some writers record a wrong size; read every row and column there is
    for excel_row, values in enumerate(ws.iter_rows(values_only=True), start=1):
        f_here = formulas_by_row.get(excel_row)
        if f_here:
            values = _widen(values, max(f_here))
            for j, text in f_here.items():
                values[j] = _Formula(text)
        cov = covered.pop(excel_row, set())
        if values is None or all(_blank(v) for v in values):
            continue
        for (r1, c1, r2, c2, ref) in merges_by_row.get(excel_row, ()):
            span = range(c1 - 1, c2)
            if c1 - 1 >= len(values) or _blank(values[c1 - 1]):
                continue  # merged blank cells read as blanks, which they are
            if header is None and _norm(values[c1 - 1]) not in known:
                continue  # a header over a column that is ignored (its own warning says so)
            if header is not None and not any(j in columns and columns[j] not in FREE for j in span):
                continue  # only in columns the model does not read or interpret
            for rr in range(r1 + 1, r2 + 1):
                covered.setdefault(rr, set()).update(span)
            cov.update(j for j in span if j != c1 - 1)
            what = "header cells" if header is None else "cells"
            name = _norm(values[c1 - 1]) if header is None else next(columns[j] for j in span if j in columns)
            issues.append(Issue(sheet.name, excel_row, name, f"{what} {ref} are merged: Excel keeps the value "
                                "of the first cell only; unmerge them (Home > Merge & Center) and give every "
                                "cell its own value"))
        if cov:
            values = _widen(values, max(cov))
            for j in cov:
                values[j] = REPORTED
        if header is None:
            header = excel_row
            header_broken = False
            seen = set()
            for j, v in enumerate(values):
                if isinstance(v, _Formula):
                    issues.append(Issue(sheet.name, excel_row, _a1(excel_row, j + 1), _formula_message(v)))
                    header_broken = True
                    continue
                if v is REPORTED:
                    header_broken = True
                    continue
                name = _norm(v)
                if not name:
                    continue
                if name in seen:
                    issues.append(Issue(sheet.name, excel_row, name, "column appears twice in the header; "
                                                                     "the second one was not read"))
                    continue
                seen.add(name)
                if name not in known:
                    issues.append(Issue(sheet.name, excel_row, name, "unknown column, ignored (known columns: "
                                        + ", ".join(c.name for c in sheet.columns) + ")", "warning"))
                    continue
                columns[j] = name
            missing = [c.name for c in sheet.columns if c.required and c.name not in seen]
            if not header_broken:
                for name in missing:
                    issues.append(Issue(sheet.name, excel_row, name, "required column is missing from the header "
                                        "row (required columns: " + ", ".join(
                                            c.name for c in sheet.columns if c.required) + ")"))
            continue
        rec = {"_row": excel_row}
        for j, name in columns.items():
            v = values[j] if j < len(values) else None
            if isinstance(v, _Formula) and name in FREE:
                v = None  # a note or source is never interpreted, so its value is not needed
            elif isinstance(v, _Formula):
                formulas += 1
                if formulas <= MAX_FORMULA_MESSAGES:
                    issues.append(Issue(sheet.name, excel_row, name, _formula_message(v)))
                v = REPORTED
            rec[name] = v
        if all(_blank(rec.get(n)) for n in columns.values()):
            continue
        for name in missing:
            rec[name] = REPORTED
        records.append(rec)
    if formulas > MAX_FORMULA_MESSAGES:
        issues.append(Issue(sheet.name, None, "", f"{formulas - MAX_FORMULA_MESSAGES:,} more cells hold formulas "
                            "with no saved value (not listed one by one): open and save the workbook in Excel or "
                            "LibreOffice so its values are computed"))
    return records


def _widen(values, last) -> list:
    """``values`` as a list long enough to hold index ``last``."""
    values = list(values or ())
    return values + [None] * (last + 1 - len(values))


def _formula_message(f: _Formula) -> str:
    shown = f"(={short(f.text)})" if f.text else "(part of a shared formula)"
    return (f"holds a formula {shown} with no saved value: open and save the workbook in Excel or LibreOffice "
            "so its values are computed, or type the value")
