"""Cells converted one by one against the schema: `CellChecker` turns a raw cell into text, a number, an enum
value or a list, or records what is wrong with it (sheet, Excel row, column, what is allowed).

What a cell may hold comes from its `Column` (io/schema.py); the messages say what was found and what is
allowed (`allowed_text`).  Text that looks right but is not (an invisible character in an id, a percentage,
a unit or a month name where a number belongs) is named as such.
"""
from __future__ import annotations

import datetime as _dt
import math
import re

from corridor.io.issues import Issue, char_name, first_invisible, short
from corridor.io.reader import REPORTED
from corridor.io.schema import FREE, STAR, Column

EXCEL_ERRORS = {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!",
                "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"}
DESCRIPTIVE = frozenset({"description", "unit", "authority"})  # text only read by people: any character goes

_DATES = (_dt.datetime, _dt.date, _dt.time, _dt.timedelta)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_NUMBER_IN_TEXT = re.compile(r"^([^\d.+-]*?)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)$")


def blank(v: object) -> bool:
    """None, or text of blanks only: an empty cell."""
    return v is None or (isinstance(v, str) and v.strip() == "")


def allowed_text(c: Column) -> str:
    """What a number column accepts, e.g. ``0..1``, ``a number >= 0 (t), at most 1e+12``, ``1..12 or *``."""
    what = "a whole number" if c.kind == "int" else "a number"
    if c.lo is not None and c.hi is not None and not c.ceiling:
        rng = f"{c.lo:g}..{c.hi:g}" + (" (whole numbers)" if c.kind == "int" else "")
    elif c.lo is not None:
        rng = f"{what} {'above' if c.above else '>='} {c.lo:g}"
    elif c.hi is not None:
        rng = f"{what} <= {c.hi:g}"
    else:
        rng = what
    text = rng + (" or *" if c.star else "") + (f" ({c.unit})" if c.unit else "")
    return text + (f", at most {c.hi:g}" if c.ceiling and c.hi is not None and c.lo is not None else "")


def _not_a_number_hint(s: str, c: Column) -> str:
    """Why ``s`` is not a number when the reason can be seen: a thousands separator or comma decimal mark, a
    percentage, a month name, a unit or currency sign typed with the figure."""
    if "," in s or re.fullmatch(r"[-+]?\d{1,3}(?:\.\d{3})+", s):
        return " (type it without thousands separators, with a point as decimal mark)"
    if s.endswith("%"):
        try:
            x = float(s[:-1].strip())
        except ValueError:
            x = None
        if x is not None:
            return (f" (a percentage: type {x / 100:g} for {short(s)})" if c.hi == 1 and not c.ceiling
                    else " (type the number without %)")
    if c.name == "month" and s[:3].lower() in _MONTHS:
        return f" (type the month's number: {short(s)} is {_MONTHS.index(s[:3].lower()) + 1})"
    m = _NUMBER_IN_TEXT.match(s)
    if m and (m.group(1) or m.group(3)) and not re.search(r"[\d.]", m.group(3)):
        extra = " and ".join(f"'{short(x)}'" for x in (m.group(1), m.group(3)) if x)
        return f" (type the number alone, without {extra}: the units are fixed by the column)"
    return ""


class CellChecker:
    """Converts cells and collects every issue of one validation: the cells and sheets found bad (so that
    rules across cells skip them) and the sheets whose ids are not all known."""

    def __init__(self):
        self.issues: list[Issue] = []
        self.bad_cells: set = set()  # (sheet, row, column) of every error: rules across cells skip them
        self.bad_sheets: set = set()  # sheets with at least one error
        self.incomplete: set = set()  # sheets whose ids are not all known (see `incomplete_sheets`)
        self.setting_rows: dict = {}  # setting name -> its Excel row on the settings sheet

    def bad_column(self, sheet: str, column: str) -> bool:
        """True when some cell of ``column`` on ``sheet`` holds a reported error."""
        return any(s == sheet and c == column for s, _r, c in self.bad_cells)

    def incomplete_sheet(self, sheet: str) -> bool:
        """True when the rows of ``sheet`` are not all known good (an error there, or ids not read): rules that
        look things up in it stay silent rather than report a follow-on error."""
        return sheet in self.incomplete or sheet in self.bad_sheets

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
    def text(self, sheet: str, row: int | None, col: str, v: object, is_id: bool = False,
             strict: bool = False) -> str | None:
        """A cell as text (stripped); None after recording an error (a date, an Excel error, a logical id, and
        with ``strict`` an invisible character: a zero-width space, a line break, a no-break space ...)."""
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
        found = first_invisible(s) if strict else None
        if found:
            k, ch = found
            self.err(sheet, row, col, f"'{short(s)}' contains an invisible character {char_name(ch)} at position "
                                      f"{k + 1}; retype the {'id' if is_id else 'text'}")
            return None
        if is_id and s != s.strip():
            self.err(sheet, row, col, f"id '{short(s)}' has leading or trailing blanks; remove them "
                                      f"(allowed: '{short(s.strip())}')")
        return s.strip()

    def number(self, sheet: str, row: int | None, col: str, v: object, c: Column) -> float | int | None:
        """A cell as a number within the column's range; None after recording an error, or for a placeholder
        of "unlimited" in a column whose blank means unlimited (with a warning)."""
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
                self.err(sheet, row, col, f"'{short(s)}' is not a number{_not_a_number_hint(s, c)}; allowed: "
                                          f"{allowed}")
                return None
        elif not isinstance(v, (int, float)):
            self.err(sheet, row, col, f"'{short(v)}' ({type(v).__name__}) is not a number; allowed: {allowed}")
            return None
        v = float(v) + 0.0  # -0.0 reads as 0
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
        if c.unlimited is not None and v >= c.unlimited:
            self.warn(sheet, row, col, f"{v:g} is read as unlimited (blank): {c.unlimited:g} {c.unit} or more is "
                                       "no real limit and would wreck the solver's numerics; leave it blank for no "
                                       "limit")
            return None
        if c.hi is not None and v > c.hi:
            hint = "; there is no 'unlimited' here: give the real figure" if c.ceiling and c.unit == "t" else ""
            self.err(sheet, row, col, f"{v:g} is above the maximum {c.hi:g}; allowed: {allowed}{hint}")
            return None
        return v

    def cell(self, sheet: str, rec: dict, c: Column) -> object:
        """The typed value of column ``c`` of record ``rec`` (its default when blank); None after an error."""
        row, v = rec["_row"], rec.get(c.name)
        if v is REPORTED:  # the reader has said what is wrong with this cell
            self._mark(sheet, row, c.name)
            return None
        if c.name in FREE:  # free text: kept and echoed, never interpreted (not even #REF!)
            return None if blank(v) else str(v).strip()
        if blank(v):
            if c.required:
                self.err(sheet, row, c.name, "is required but blank" + (
                    f"; allowed: {', '.join(c.allowed)}" if c.kind == "enum" else ""))
            return c.default
        if isinstance(v, str) and v.strip() == STAR:
            if c.star:
                return STAR
            if c.kind in ("id", "ref"):
                self.err(sheet, row, c.name, "'*' means 'all', which this column does not take; " + (
                    "an id cannot be *" if c.kind == "id" else f"allowed: one id of sheet '{c.ref}'"))
                return None
        if c.kind in ("num", "int"):
            return self.number(sheet, row, c.name, v, c)
        s = self.text(sheet, row, c.name, v, is_id=c.kind in ("id", "ref"), strict=c.name not in DESCRIPTIVE)
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

