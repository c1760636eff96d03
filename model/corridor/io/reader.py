"""Read an input workbook into raw records (no interpretation yet), remembering Excel row numbers.

The reader never writes to the input.  Structural problems (not a workbook, missing required sheet or
column) become `Issue`s, like every other input error, so that the user sees them all at once.
"""
from __future__ import annotations

import hashlib
import stat
import warnings
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter

from corridor.io import guard
from corridor.io.guard import PackageError, SheetMarks, scan_sheet
from corridor.io.issues import InputError, Issue, close_to, is_invisible, short
from corridor.io.schema import FREE, SHEET, SHEETS, Sheet


@dataclass
class RawWorkbook:
    """Records per sheet: each record maps column name -> raw cell value, plus ``_row`` (Excel row).  ``path``
    is None for a book given in code (`corridor.io.frames`)."""

    path: Path | None
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
    """A sheet or column name as it is compared: without case, surrounding blanks (a no-break space too) and
    invisible characters (a zero-width space pasted with it)."""
    if name is None:
        return ""
    s = str(name)
    if not s.isprintable():
        s = "".join(" " if ch.isspace() else ch for ch in s if ch.isspace() or not is_invisible(ch))
    return s.strip().lower()


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
    try:
        return _read(path)
    except OSError as exc:  # permission denied, a file that vanished, a disk error ...: an input problem
        reason = exc.strerror or short(exc, 160) or type(exc).__name__
        raise InputError([Issue("", None, "", f"cannot read {path}: {reason}; nothing was read")]) from None


def _read(path):
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise InputError([Issue("", None, "", f"file not found: {path}")]) from None
    if stat.S_ISDIR(mode):
        raise InputError([Issue("", None, "", f"{path} is a folder, not an .xlsx workbook")])
    if not stat.S_ISREG(mode):  # a pipe would block the read, a device would never end
        raise InputError([Issue("", None, "", f"{path} is not a regular file (a pipe, device or socket), not an "
                                              ".xlsx workbook; nothing was read")])
    try:
        guard.inspect_package(path)
    except PackageError as exc:
        raise InputError([Issue("", None, "", str(exc))]) from None
    with warnings.catch_warnings():  # openpyxl's notes on parts it drops (styles, extensions) are not for users
        warnings.simplefilter("ignore")
        try:
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except OSError:
            raise
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


def sheets_by_name(titled: list, raw: RawWorkbook) -> dict:
    """``{contract sheet name: (title, sheet)}`` of ``titled`` (``(title, sheet)`` pairs in the book's order),
    reporting into ``raw`` what the book's sheet names say: a second sheet of one name, no input sheet at all
    (then ``{}``), unknown sheets (warnings) and missing required sheets.  Used for workbooks and for books
    given as tables in code (`corridor.io.frames`), so that both say the same."""
    by_name = {}
    for title, sheet in titled:
        name = _norm(title)
        if name in by_name:
            raw.issues.append(Issue(title, None, "", f"a second sheet named '{title}' beside "
                                    f"'{by_name[name][0]}' (sheet names are compared without case and "
                                    "surrounding blanks); merge them or rename one; this one was not read"))
            continue
        by_name[name] = (title, sheet)
    if not any(s.name in by_name for s in SHEETS):
        raw.issues.append(Issue("", None, "", "the workbook holds none of the input sheets (its sheets: "
                                + ", ".join(str(title) for title, _ in titled) + "); required: "
                                + ", ".join(s.name for s in SHEETS if s.required)
                                + "; start from `corridor template`"))
        return {}
    for name, (title, _) in by_name.items():
        if name not in SHEET and name not in ("readme", "_lists"):  # the template's own sheets
            raw.issues.append(Issue(title, None, "", _unknown_sheet(name), "warning"))
    for sheet in SHEETS:
        if sheet.name not in by_name and sheet.required:
            raw.issues.append(Issue(sheet.name, None, "", "required sheet is missing"))
    return {name: pair for name, pair in by_name.items() if name in SHEET}


def _read_sheets(wb, zf, raw):
    """Fill ``raw`` from the open workbook ``wb`` (``zf``: its zip, for what openpyxl's read does not show)."""
    by_name = {name: ws for name, (_title, ws) in sheets_by_name([(ws.title, ws) for ws in wb.worksheets],
                                                                 raw).items()}
    for sheet in SHEETS:
        ws = by_name.get(sheet.name)
        if ws is None:
            continue
        if getattr(ws, "sheet_state", "visible") != "visible":
            raw.issues.append(Issue(ws.title, None, "", "the sheet is hidden in Excel, but it is read and solved "
                                    "like the others (unhide it: right-click a sheet tab > Unhide; or delete it)",
                                    "warning"))
        try:
            marks = _marks(zf, ws)
            raw.sheets[sheet.name] = _read_sheet(ws, sheet, raw.issues, marks)
        except OSError:
            raise
        except Exception as exc:  # a damaged part: report it, never a traceback
            raw.issues.append(Issue(sheet.name, None, "", f"the sheet could not be read ({type(exc).__name__}: "
                                    f"{short(exc, 160)}); open the workbook in Excel and save it again"))
            raw.sheets[sheet.name] = []
            raw.unreadable.add(sheet.name)


def _unknown_sheet(name: str) -> str:
    """The warning for a sheet that is not an input sheet: what it resembles, and the known sheets."""
    known = ", ".join(s.name for s in SHEETS)
    close = close_to(name, [s.name for s in SHEETS])
    hint = f"; did you mean '{close}'?" if close else ""
    return f"unknown sheet, ignored{hint} (known sheets: {known})"


def _marks(zf, ws):
    """Merged ranges and formulas without a saved value of worksheet ``ws`` (empty if its part is unknown)."""
    part = getattr(ws, "_worksheet_path", None)
    if not part or part not in zf.NameToInfo:
        return SheetMarks()
    return scan_sheet(zf, part)


def _a1(row, col) -> str:
    return f"{get_column_letter(col)}{row}"


def _read_sheet(ws, sheet, issues, marks) -> list:
    """Records of worksheet ``ws`` (`read_rows`)."""
    ws.reset_dimensions()  # some writers record a wrong size; read every row and column there is
    return read_rows(ws.iter_rows(values_only=True), sheet, issues, marks)


def read_rows(rows: Iterable, sheet: Sheet, issues: list, marks: SheetMarks | None = None) -> list:
    """Records of one sheet from its ``rows`` of cell values, the first being Excel row 1; merged cells and
    formulas without a value (``marks``, found in the sheet's XML) are reported and read as `REPORTED`.

    Merges stay ranges: the cells a reported merge covers in a row are worked out from the merges that span
    the row, clipped to the header's columns (a merge over A2:XFD1048576 costs nothing per row)."""
    marks = marks if marks is not None else SheetMarks()
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
    active = []  # reported merges (r1, c1, r2, c2) whose later rows read as REPORTED
    above = None  # (row, values) of a first row that holds no column name (a title?)
    formulas = 0  # formulas without a value in the columns read
    for excel_row, values in enumerate(rows, start=1):
        f_here = formulas_by_row.get(excel_row)
        if f_here:
            values = _widen(values, max(f_here))
            for j, text in f_here.items():
                values[j] = _Formula(text)
        if active:
            active = [m for m in active if m[2] >= excel_row]
        if values is None or all(_blank(v) for v in values):
            continue
        cov = set()
        for (r1, c1, r2, c2) in active:  # merges reported in an earlier row: all their cells here
            cov.update(j for j in columns if c1 - 1 <= j < c2)
        for (r1, c1, r2, c2, ref) in merges_by_row.get(excel_row, ()):
            if c1 - 1 >= len(values) or _blank(values[c1 - 1]):
                continue  # merged blank cells read as blanks, which they are
            if header is None and _norm(values[c1 - 1]) not in known:
                continue  # a header over a column that is ignored (its own warning says so)
            spanned = sorted(j for j in columns if c1 - 1 <= j < c2)
            if header is not None and not any(columns[j] not in FREE for j in spanned):
                continue  # only in columns the model does not read or interpret
            if r2 > r1:
                active.append((r1, c1, r2, c2))
            cov.update(j for j in (spanned if header is not None else range(c1, c2)) if j != c1 - 1)
            what = "header cells" if header is None else "cells"
            name = _norm(values[c1 - 1]) if header is None else columns[spanned[0]]
            issues.append(Issue(sheet.name, excel_row, name, f"{what} {ref} are merged: Excel keeps the value "
                                "of the first cell only; unmerge them (Home > Merge & Center) and give every "
                                "cell its own value"))
        if cov:
            values = _widen(values, max(cov))
            for j in cov:
                values[j] = REPORTED
        if header is None:
            if not any(_norm(v) in known for v in values if isinstance(v, str)):
                if above is None:  # a title above the header? the next row tells
                    above = (excel_row, values)
                    continue
                issues.append(_no_header(sheet, above[0], excel_row))
                return []
            if above is not None:
                shown = ", ".join(f"'{short(v, 40)}'" for v in above[1] if not _blank(v))
                issues.append(Issue(sheet.name, above[0], "", f"row {above[0]} ({shown}) above the header (row "
                                    f"{excel_row}) holds no column name; it was ignored (the header should be the "
                                    "first row)", "warning"))
            header = excel_row
            missing = _read_header(sheet, excel_row, values, columns, issues)
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
    if header is None and above is not None:  # one row, and it is not a header
        issues.append(_no_header(sheet, above[0]))
    if formulas > MAX_FORMULA_MESSAGES:
        issues.append(Issue(sheet.name, None, "", f"{formulas - MAX_FORMULA_MESSAGES:,} more cells hold formulas "
                            "with no saved value (not listed one by one): open and save the workbook in Excel or "
                            "LibreOffice so its values are computed"))
    _hidden_warnings(sheet, records, columns, marks, issues)
    return records


def _no_header(sheet, row, second=None) -> Issue:
    rows = f"neither this row nor row {second} holds a" if second else "the only row holds no"
    return Issue(sheet.name, row, "", f"no header row: {rows} column name of the sheet (required: "
                 + ", ".join(c.name for c in sheet.columns if c.required) + "); the first row must be the header; "
                 "nothing of the sheet was read")


def _read_header(sheet, excel_row, values, columns, issues) -> list:
    """Fill ``columns`` (0-based index -> column name) from the header row; report what is wrong with it and
    return the required columns it lacks."""
    known = {c.name for c in sheet.columns}
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
            issues.append(Issue(sheet.name, excel_row, name, "column appears twice in the header; the second one "
                                                             "was not read"))
            continue
        seen.add(name)
        if name not in known:
            issues.append(Issue(sheet.name, excel_row, short(name), "unknown column, ignored (known columns: "
                                + ", ".join(c.name for c in sheet.columns) + ")", "warning"))
            continue
        columns[j] = name
    missing = [c.name for c in sheet.columns if c.required and c.name not in seen]
    if not header_broken:
        for name in missing:
            issues.append(Issue(sheet.name, excel_row, name, "required column is missing from the header row "
                                "(required columns: " + ", ".join(c.name for c in sheet.columns if c.required)
                                + ")"))
    return missing


MAX_LISTED = 8  # rows named in a message about several rows


def _rows_text(rows: list) -> str:
    shown = ", ".join(map(str, rows[:MAX_LISTED]))
    return shown + (f" ... ({len(rows):,} rows in all)" if len(rows) > MAX_LISTED else "")


def _hidden_warnings(sheet, records, columns, marks, issues):
    """One warning per sheet for the hidden (or filtered-out) rows that hold data, one for the hidden columns
    the model reads: Excel does not show them, the model reads and solves them like the others."""
    if marks.hidden_rows:
        rows = sorted(r["_row"] for r in records if r["_row"] in marks.hidden_rows)
        if rows:
            what = f"row {rows[0]} is" if len(rows) == 1 else f"rows {_rows_text(rows)} are"
            them = "it" if len(rows) == 1 else "them"
            issues.append(Issue(sheet.name, rows[0], "", f"{what} hidden in Excel (hidden or filtered out), but "
                                f"read and solved like visible rows; unhide {them} (or delete {them})", "warning"))
    cols = [name for j, name in sorted(columns.items()) if j + 1 in marks.hidden_columns and name not in FREE]
    if cols and any(not _blank(r.get(c)) for r in records for c in cols):
        what = f"column '{cols[0]}' is" if len(cols) == 1 else "columns " + ", ".join(cols) + " are"
        them = "it" if len(cols) == 1 else "them"
        issues.append(Issue(sheet.name, 1, cols[0], f"{what} hidden in Excel, but read and solved like the others; "
                            f"unhide {them} (or delete {them})", "warning"))


def _widen(values, last) -> list:
    """``values`` as a list long enough to hold index ``last``."""
    values = list(values or ())
    return values + [None] * (last + 1 - len(values))


def _formula_message(f: _Formula) -> str:
    shown = f"(={short(f.text)})" if f.text else "(part of a shared formula)"
    return (f"holds a formula {shown} with no saved value: open and save the workbook in Excel or LibreOffice "
            "so its values are computed, or type the value")
