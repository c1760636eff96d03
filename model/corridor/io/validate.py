"""Validate raw records against the schema and the contract's cross-sheet rules.

Every problem is collected (sheet, Excel row, column, what is wrong, what is allowed) before anything is
built; `validate` raises `InputError` with all of them, or returns typed `Inputs`.
"""
from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from corridor.io.cells import EXCEL_ERRORS, CellChecker, allowed_text, blank
from corridor.io.cross_sheet import check_semantics
from corridor.io.edits import check_study_scenarios
from corridor.io.frames import read_tables
from corridor.io.issues import InputError, Issue, short, suggest
from corridor.io.reader import REPORTED, RawWorkbook, read_workbook
from corridor.io.schema import MAX_GAP, SETTINGS, SHEET, SHEETS, STAR, Column

__all__ = ["EXCEL_ERRORS", "CellChecker", "Inputs", "allowed_text", "declared_ids", "incomplete_sheets",
           "read_inputs", "validate"]


@dataclass
class Inputs:
    """Typed, validated input tables: ``tables[sheet]`` is a list of dicts (with ``_row``)."""

    settings: dict
    tables: dict
    path: Path | None = None
    sha256: str = ""
    warnings: list = field(default_factory=list)


def read_inputs(source: str | os.PathLike | Mapping) -> Inputs:
    """Read and validate a case; raise `InputError` listing every problem (sheet, Excel row, column).

    ``source`` is the path of an input workbook, or the case built in code: ``{sheet name: table}`` where a
    table is a pandas DataFrame or a list of row dicts (``settings`` also ``{key: value}``), with the sheets
    and columns of the workbook (docs/inputs.md).  A table is read as the sheet ``DataFrame.to_excel(
    index=False)`` would write (header = row 1, first row = Excel row 2; NaN and None are blank cells), so the
    messages are the workbook's own (`corridor.io.frames`)::

        inputs = read_inputs({"periods": pd.DataFrame({"period": ["2027-01"], "month": [1]}), ...})
    """
    if isinstance(source, Mapping):
        return validate(read_tables(source))
    if isinstance(source, (str, os.PathLike)):
        return validate(read_workbook(source))
    raise TypeError(f"read_inputs takes the path of an .xlsx workbook or a mapping of sheet name -> DataFrame "
                    f"(or list of row dicts), not {type(source).__name__}")


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
        if blank(v):
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
            hi = allowed[1] if len(allowed) > 1 and key != "mip_rel_gap" else None
            c = Column("value", kind, "", lo=allowed[0] if allowed else None, hi=hi, ceiling=hi is not None)
            x = chk.number("settings", row, "value", v, c)
            if x is not None and key == "mip_rel_gap" and x > MAX_GAP:
                chk.err("settings", row, "value", f"{x:g} is above the maximum {MAX_GAP:g}: mip_rel_gap is a relative "
                        f"gap, a share, so {x:g} is a gap of {100 * x:g}%; type 1% as 0.01 (allowed: 0..{MAX_GAP:g})")
            elif x is not None:
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
    chk.setting_rows = dict(seen)
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
        for rec in _without_units_row(chk, sheet, raw.sheets[sheet.name]):
            typed = {"_row": rec["_row"]}
            for c in sheet.columns:
                typed[c.name] = chk.cell(sheet.name, rec, c)
            out.append(typed)
        tables[sheet.name] = out
    settings = _convert_settings(chk, raw.sheets.get("settings", []))
    for name in ("supply", "sites", "seasonality", "storage", "demand", "licences", "policies", "disruptions",
                 "investments", "scenarios"):
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


_EMPTY_WHY = {"supply": "without supply nothing can be shipped, and the plan would be all shortfall",
              "demand": "without demand there is nothing to deliver", "route_legs": "every route needs its legs"}


def _empty_sheets(chk, tables, raw):
    """A required sheet that holds no row: one message for the sheet (unless the reader or the units-row check
    has reported it already); a sheet of ids counts as incomplete, so the references to it are not each
    reported, and an empty sheet of other rows as bad, so the rules that read it stay silent."""
    reported = {i.sheet for i in raw.issues if i.severity == "error"} | chk.bad_sheets
    for s in SHEETS:
        if not s.required or s.kv or s.name not in raw.sheets or tables.get(s.name):
            continue
        chk.incomplete.add(s.name)
        if s.name in reported:
            continue
        if s.id_column:
            chk.err(s.name, None, "", f"no {s.name} declared: at least one row is needed")
        else:
            chk.err(s.name, None, "", f"no {s.name} rows: at least one is needed ("
                    + _EMPTY_WHY.get(s.name, "the sheet is required") + ")")


_UNIT_TEXT_MAX = 16  # characters: a unit such as USD/t, t/period, days, km


def _unit_like(v) -> bool:
    """A short text that is not a number: what a row of units holds in a number column."""
    if not isinstance(v, str) or v is REPORTED:
        return False
    s = v.strip()
    if not s or len(s) > _UNIT_TEXT_MAX or s in EXCEL_ERRORS or s == STAR:
        return False
    try:
        float(s.replace("_", ""))
    except ValueError:
        return True
    return False


def _without_units_row(chk, sheet, records):
    """``records`` without a first row of units (t, USD/t, days ... under the header): one error for that row,
    not one per cell.  A row of units holds short texts that are not numbers in at least two number columns
    and a number in none."""
    if not records:
        return records
    first = records[0]
    nums = [c for c in sheet.columns if c.kind in ("num", "int") and not blank(first.get(c.name))]
    units = [c for c in nums if _unit_like(first.get(c.name))]
    if len(units) < 2 or len(units) < len(nums):
        return records
    texts = list(dict.fromkeys(short(str(first[c.name]).strip(), _UNIT_TEXT_MAX) for c in units))
    shown = ", ".join(texts[:4]) + (", ..." if len(texts) > 4 else "")
    chk.err(sheet.name, first["_row"], units[0].name, f"row {first['_row']} looks like a row of units ({shown}): "
            "delete it; the units are fixed by the contract, see docs/inputs.md")
    return records[1:]


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


