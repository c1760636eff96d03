"""Validate raw records against the schema and the contract's cross-sheet rules.

Every problem is collected (sheet, Excel row, column, what is wrong, what is allowed) before anything is
built; `validate` raises `InputError` with all of them, or returns typed `Inputs`.
"""
from __future__ import annotations

import datetime as _dt
import functools
import math
from dataclasses import dataclass, field
from pathlib import Path

from corridor.io.cross_sheet import check_semantics
from corridor.io.edits import check_study_scenarios
from corridor.io.issues import InputError, Issue, short, suggest
from corridor.io.reader import REPORTED, RawWorkbook, read_workbook
from corridor.io.schema import FREE, SETTINGS, SHEET, SHEETS, STAR, Column


@dataclass
class Inputs:
    """Typed, validated input tables: ``tables[sheet]`` is a list of dicts (with ``_row``)."""

    settings: dict
    tables: dict
    path: Path | None = None
    sha256: str = ""
    warnings: list = field(default_factory=list)


def read_inputs(path: str | Path) -> Inputs:
    """Read and validate a workbook; raise `InputError` listing every problem."""
    return validate(read_workbook(path))


EXCEL_ERRORS = {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!",
                "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"}


# columns whose value must be above their minimum (not equal to it)
_DATES = (_dt.datetime, _dt.date, _dt.time, _dt.timedelta)


def _blank(v):
    return v is None or (isinstance(v, str) and v.strip() == "")


def allowed_text(c: Column) -> str:
    """What a number column accepts, e.g. ``0..1``, ``a number >= 0 (t)``, ``a whole number 1..12 or *``."""
    what = "a whole number" if c.kind == "int" else "a number"
    if c.lo is not None and c.hi is not None:
        rng = f"{c.lo:g}..{c.hi:g}" + (" (whole numbers)" if c.kind == "int" else "")
    elif c.lo is not None:
        rng = f"{what} {'above' if c.above else '>='} {c.lo:g}"
    elif c.hi is not None:
        rng = f"{what} <= {c.hi:g}"
    else:
        rng = what
    return rng + (" or *" if c.star else "") + (f" ({c.unit})" if c.unit else "")


class CellChecker:
    """Converts cells and collects every issue of one validation: the cells and sheets found bad (so that
    rules across cells skip them) and the sheets whose ids are not all known."""

    def __init__(self):
        self.issues: list[Issue] = []
        self.bad_cells: set = set()  # (sheet, row, column) of every error: rules across cells skip them
        self.bad_sheets: set = set()  # sheets with at least one error
        self.incomplete: set = set()  # sheets whose ids are not all known (see `incomplete_sheets`)

    def err(self, sheet: str, row: int | None, col: str, msg: str) -> None:
        """Record an error in a cell (its sheet, row and column count as bad from now on)."""
        self.issues.append(Issue(sheet, row, col, msg))
        self._mark(sheet, row, col)

    def _mark(self, sheet, row, col):
        self.bad_cells.add((sheet, row, col))
        self.bad_sheets.add(sheet)

    def warn(self, sheet: str, row: int | None, col: str, msg: str) -> None:
        """Record a warning (the input stays usable)."""
        self.issues.append(Issue(sheet, row, col, msg, "warning"))

    # -- cell conversion ---------------------------------------------------------------------------
    def text(self, sheet: str, row: int | None, col: str, v: object, is_id: bool = False) -> str | None:
        """A cell as text (stripped); None after recording an error (a date, an Excel error, a logical id)."""
        if isinstance(v, _DATES):
            what = "a date" if isinstance(v, (_dt.datetime, _dt.date)) else "a time"
            self.err(sheet, row, col, f"is {what} ({v}) where text belongs: Excel turned what was typed into "
                                      f"{what}; format the column as Text and type the value again (e.g. 2027-01)")
            return None
        if isinstance(v, bool):
            if is_id:
                self.err(sheet, row, col, f"is the logical value {str(v).upper()} where a text id belongs; type "
                                          "the id (format the cell as Text)")
                return None
            return "yes" if v else "no"
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        s = str(v)
        if isinstance(v, str) and s.strip() in EXCEL_ERRORS:
            self.err(sheet, row, col, f"holds the Excel error value {s.strip()}; fix the formula or type the "
                                      "value")
            return None
        if is_id and s != s.strip():
            self.err(sheet, row, col, f"id '{short(s)}' has leading or trailing blanks; remove them "
                                      f"(allowed: '{short(s.strip())}')")
        return s.strip()

    def number(self, sheet: str, row: int | None, col: str, v: object, c: Column) -> float | int | None:
        """A cell as a number within the column's range; None after recording an error."""
        allowed = allowed_text(c)
        if isinstance(v, bool):
            self.err(sheet, row, col, f"the logical value {str(v).upper()} is not a number; allowed: {allowed}")
            return None
        if isinstance(v, _DATES):
            self.err(sheet, row, col, f"the date or time {v} is not a number (the cell is formatted as a date); "
                                      f"allowed: {allowed}")
            return None
        if isinstance(v, str):
            s = v.strip()
            if s in EXCEL_ERRORS:
                self.err(sheet, row, col, f"holds the Excel error value {s}; fix the formula or type the value")
                return None
            try:
                v = float(s.replace("_", ""))
            except ValueError:
                hint = " (type it without thousands separators, with a point as decimal mark)" if "," in s else ""
                self.err(sheet, row, col, f"'{short(s)}' is not a number{hint}; allowed: {allowed}")
                return None
        elif not isinstance(v, (int, float)):
            self.err(sheet, row, col, f"'{short(v)}' ({type(v).__name__}) is not a number; allowed: {allowed}")
            return None
        v = float(v)
        if math.isnan(v) or math.isinf(v):
            self.err(sheet, row, col, f"{v} is not a finite number; allowed: {allowed}")
            return None
        if c.kind == "int":
            if not v.is_integer():
                self.err(sheet, row, col, f"{v:g} is not a whole number; allowed: {allowed}")
                return None
            v = int(v)
        if c.lo is not None and (v < c.lo or (v == c.lo and c.above)):
            self.err(sheet, row, col, f"{v:g} is {'below' if v < c.lo else 'not above'} the minimum {c.lo:g}; "
                                      f"allowed: {allowed}")
            return None
        if c.hi is not None and v > c.hi:
            self.err(sheet, row, col, f"{v:g} is above the maximum {c.hi:g}; allowed: {allowed}")
            return None
        return v

    def cell(self, sheet: str, rec: dict, c: Column) -> object:
        """The typed value of column ``c`` of record ``rec`` (its default when blank); None after an error."""
        row, v = rec["_row"], rec.get(c.name)
        if v is REPORTED:  # the reader has said what is wrong with this cell
            self._mark(sheet, row, c.name)
            return None
        if c.name in FREE:  # free text: kept and echoed, never interpreted (not even #REF!)
            return None if _blank(v) else str(v).strip()
        if _blank(v):
            if c.required:
                self.err(sheet, row, c.name, "is required but blank" + (
                    f"; allowed: {', '.join(c.allowed)}" if c.kind == "enum" else ""))
            return c.default
        if c.star and isinstance(v, str) and v.strip() == STAR:
            return STAR
        if c.kind in ("num", "int"):
            return self.number(sheet, row, c.name, v, c)
        s = self.text(sheet, row, c.name, v, is_id=c.kind in ("id", "ref"))
        if s is None:
            return None
        if c.kind == "enum":
            low = s.lower()
            if low not in c.allowed:
                self.err(sheet, row, c.name, f"'{short(s)}' is not allowed; allowed: {', '.join(c.allowed)}")
                return None
            return low
        if c.kind == "list":
            items = [x.strip() for x in s.split(",") if x.strip()]
            if STAR in items:
                return STAR
            return tuple(items)
        return s


def _convert_settings(chk, records):
    out = {k: spec[1] for k, spec in SETTINGS.items()}
    seen = {}
    for rec in records:
        row = rec["_row"]
        key = chk.cell("settings", rec, SHEET["settings"].column("key"))
        if key is None:
            continue
        if key in seen:
            chk.err("settings", row, "key", f"'{key}' is already set in row {seen[key]}")
            continue
        seen[key] = row
        kind, default, allowed, _ = SETTINGS[key]
        v = rec.get("value")
        if v is REPORTED:
            continue
        if _blank(v):
            out[key] = default
            continue
        if kind == "enum":
            s = str(v).strip().lower()
            if s not in allowed:
                chk.err("settings", row, "value", f"'{short(v)}' is not allowed for {key}; allowed: "
                        f"{', '.join(allowed)}")
            else:
                out[key] = s
        elif kind in ("num", "int"):
            c = Column("value", kind, "", lo=allowed[0] if allowed else None)
            x = chk.number("settings", row, "value", v, c)
            if x is not None:
                out[key] = x
        else:
            s = chk.text("settings", row, "value", v)
            if s is not None:
                out[key] = s
    if out["cvar_alpha"] is not None and out["cvar_alpha"] >= 1:
        chk.err("settings", seen.get("cvar_alpha"), "value", "cvar_alpha must be below 1 (allowed: 0 <= alpha < 1)")
    if out["cost_budget"] is not None and out["cost_budget_pct"] is not None:
        chk.err("settings", seen.get("cost_budget_pct"), "value", "give cost_budget or cost_budget_pct, not both")
    if out["time_limit_s"] is not None and out["time_limit_s"] <= 0:
        chk.err("settings", seen.get("time_limit_s"), "value", "time_limit_s must be above 0 seconds")
    return out


def validate(raw: RawWorkbook) -> Inputs:
    """Convert every cell, then check ids, references and the contract's cross-sheet rules."""
    chk = CellChecker()
    chk.issues.extend(raw.issues)
    tables = {}
    for sheet in SHEETS:
        if sheet.kv or sheet.name not in raw.sheets:
            continue
        out = []
        for rec in raw.sheets[sheet.name]:
            typed = {"_row": rec["_row"]}
            for c in sheet.columns:
                typed[c.name] = chk.cell(sheet.name, rec, c)
            out.append(typed)
        tables[sheet.name] = out
    settings = _convert_settings(chk, raw.sheets.get("settings", []))
    for name in ("supply", "sites", "seasonality", "storage", "demand", "licences", "policies", "disruptions",
                 "scenarios"):
        tables.setdefault(name, [])
    chk.incomplete = incomplete_sheets(tables, raw)
    _empty_sheets(chk, tables, raw)
    _check_keys(chk, tables)
    _check_refs(chk, tables)
    check_semantics(chk, tables, settings)
    if raw.sheets.get("scenarios"):
        chk.issues.extend(check_study_scenarios(raw))
    errors = [i for i in chk.issues if i.severity == "error"]
    if errors:
        raise InputError(sorted(chk.issues, key=_order))
    return Inputs(settings=settings, tables=tables, path=raw.path, sha256=raw.sha256,
                  warnings=[i for i in chk.issues if i.severity == "warning"])


_SHEET_ORDER = {s.name: k for k, s in enumerate(SHEETS)}


def _order(i: Issue):
    return (i.severity != "error", _SHEET_ORDER.get(i.sheet, -1), i.row or 0, i.column)


def _check_keys(chk, tables):
    for sheet in SHEETS:
        if not sheet.key or sheet.name not in tables:
            continue
        seen = {}
        for rec in tables[sheet.name]:
            key = tuple(rec.get(k) for k in sheet.key)
            if any(k is None for k in key):
                continue
            if key in seen:
                what = ", ".join(f"{k}={v}" for k, v in zip(sheet.key, key))
                chk.err(sheet.name, rec["_row"], sheet.key[-1] if len(sheet.key) > 1 else sheet.key[0],
                        f"duplicate {what}: already given in row {seen[key]}")
            else:
                seen[key] = rec["_row"]


def _empty_sheets(chk, tables, raw):
    """A required sheet of ids that holds no row: one message for the sheet (unless the reader has reported its
    header already), and its ids count as unknown, so the references to them are not each reported."""
    reported = {i.sheet for i in raw.issues if i.severity == "error"}
    for s in SHEETS:
        if s.required and s.id_column and s.name in tables and not tables[s.name]:
            chk.incomplete.add(s.name)
            if s.name not in reported:
                chk.err(s.name, None, "", f"no {s.name} declared: at least one row is needed")


def incomplete_sheets(tables: dict, raw: RawWorkbook) -> set:
    """Sheets whose declared ids are not all known: missing or unreadable sheets, and sheets where an id cell
    could not be read (already reported).  A reference to such a sheet may be meant for the unknown id, so
    it is not reported as undeclared (one message per mistake, no cascade)."""
    out = {s.name for s in SHEETS if s.id_column and s.name not in tables}
    out |= set(raw.unreadable)
    for sheet in SHEETS:
        if sheet.id_column and any(r.get(sheet.id_column) is None for r in tables.get(sheet.name, [])):
            out.add(sheet.name)
    return out


def declared_ids(tables: dict) -> dict:
    """{sheet: the ids it declares} for every sheet with an id column."""
    return {sheet.name: {r[sheet.id_column] for r in tables.get(sheet.name, []) if r.get(sheet.id_column)}
            for sheet in SHEETS if sheet.id_column}


def _check_refs(chk, tables):
    ids = declared_ids(tables)
    for sheet in SHEETS:
        for c in sheet.columns:
            if c.kind not in ("ref", "list") or not c.ref or c.ref in chk.incomplete:
                continue
            pool = frozenset(ids.get(c.ref, ()))
            for rec in tables.get(sheet.name, []):
                v = rec.get(c.name)
                if v is None or v == STAR:
                    continue
                for item in (v if isinstance(v, tuple) else (v,)):
                    if item not in pool:
                        chk.err(sheet.name, rec["_row"], c.name,
                                f"'{short(item)}' is not declared on sheet '{c.ref}'"
                                + _suggest_cached(item, pool) + (" (or * for all)" if c.star else ""))
                        rec[c.name] = None


@functools.lru_cache(maxsize=4096)
def _suggest_cached(item, pool: frozenset):
    return suggest(item, pool)


