"""Read an input workbook into raw records (no interpretation yet), remembering Excel row numbers.

The reader never writes to the input.  Structural problems (not a workbook, missing required sheet or
column) become `Issue`s, like every other input error, so that the user sees them all at once.
"""
from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .schema import SHEET, SHEETS


@dataclass(frozen=True)
class Issue:
    """One problem in the input: where it is and what is wrong."""

    sheet: str
    row: int | None
    column: str
    message: str
    severity: str = "error"  # or "warning"

    def __str__(self) -> str:
        where = self.sheet or "workbook"
        if self.row:
            where += f" row {self.row}"
        if self.column:
            where += f" column '{self.column}'"
        return f"{self.severity.upper()}: {where}: {self.message}"


class InputError(Exception):
    """The input cannot be used; `issues` lists every problem found."""

    def __init__(self, issues):
        self.issues = list(issues)
        super().__init__("\n".join(str(i) for i in self.issues))


@dataclass
class RawWorkbook:
    """Records per sheet: each record maps column name -> raw cell value, plus ``_row`` (Excel row)."""

    path: Path
    sha256: str
    sheets: dict = field(default_factory=dict)
    issues: list = field(default_factory=list)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _norm(name) -> str:
    return str(name).strip().lower() if name is not None else ""


def _blank(v) -> bool:
    return v is None or (isinstance(v, str) and v.strip() == "")


def read_workbook(path) -> RawWorkbook:
    """Read every contract sheet of ``path`` into raw records; raise `InputError` if it is not readable."""
    import openpyxl

    path = Path(path)
    if not path.exists():
        raise InputError([Issue("", None, "", f"file not found: {path}")])
    if path.is_dir():
        raise InputError([Issue("", None, "", f"{path} is a folder, not an .xlsx workbook")])
    if not zipfile.is_zipfile(path):
        raise InputError([Issue("", None, "", f"{path.name} is not an .xlsx workbook (not a zip container); "
                                              "save it from Excel as 'Excel Workbook (*.xlsx)'")])
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        raise InputError([Issue("", None, "", f"{path.name} could not be opened as an .xlsx workbook "
                                              f"({type(exc).__name__}: {exc})")]) from None
    raw = RawWorkbook(path=path, sha256=file_sha256(path))
    try:
        by_name = {}
        for ws in wb.worksheets:
            by_name.setdefault(_norm(ws.title), ws)
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
            raw.sheets[sheet.name] = _read_sheet(ws, sheet, raw.issues)
    finally:
        wb.close()
    return raw


def _read_sheet(ws, sheet, issues) -> list:
    records = []
    header = None
    columns: dict[int, str] = {}
    known = {c.name for c in sheet.columns}
    for excel_row, values in enumerate(ws.iter_rows(values_only=True), start=1):
        if values is None or all(_blank(v) for v in values):
            continue
        if header is None:
            header = excel_row
            seen = set()
            for j, v in enumerate(values):
                name = _norm(v)
                if not name:
                    continue
                if name in seen:
                    issues.append(Issue(sheet.name, excel_row, name, "column appears twice in the header"))
                    continue
                seen.add(name)
                if name not in known:
                    issues.append(Issue(sheet.name, excel_row, name, "unknown column, ignored", "warning"))
                    continue
                columns[j] = name
            for c in sheet.columns:
                if c.required and c.name not in seen:
                    issues.append(Issue(sheet.name, excel_row, c.name, "required column is missing from the "
                                                                      "header row"))
            continue
        rec = {"_row": excel_row}
        for j, name in columns.items():
            rec[name] = values[j] if j < len(values) else None
        if all(_blank(rec.get(n)) for n in columns.values()):
            continue
        records.append(rec)
    return records
