"""Planning-study scenarios: the `scenarios` sheet's edits, checked and applied to a copy of the raw workbook.

A scenario is a list of edits, each one row of the sheet: ``sheet``, ``key`` (which rows), ``column``,
``value``.  Edits apply in sheet order to a copy of the raw records (as read, before validation), so the
edited copy goes through exactly the validation a hand-edited workbook would; ``include`` rows splice in
another scenario's edits at their place (like Calliope's overrides).  The base workbook is never changed.

Structural mistakes (unknown sheet, column or key, a relative change of a text column, an include that is
unknown or circular) are input errors of the `scenarios` sheet, naming its row; `check_study_scenarios` finds
them all for `validate`.  A value that the edited copy's validation refuses (say a capacity factor of 2)
is reported by `scenario_inputs` against the scenario, naming the scenarios row that set the cell.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from corridor.io.issues import InputError, Issue, short, suggest
from corridor.io.reader import RawWorkbook
from corridor.io.schema import SETTINGS, SHEET, STAR

BASE_NAME = "base"  # the workbook as it is: the run every study scenario is compared with (not a scenario name)
INCLUDE = "include"
_NUM = r"[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?"
_MUL = re.compile(rf"^(?:[x×*]\s*({_NUM})|({_NUM})\s*[x×])$", re.IGNORECASE)
_ADD = re.compile(rf"^([+-])\s*({_NUM})(%?)$")


@dataclass(frozen=True)
class Edit:
    """One row of the `scenarios` sheet (``row`` as Excel shows it)."""

    row: int
    scenario: str
    sheet: str  # a sheet name (lower case) or ``include``
    key: str
    column: str
    value: object  # the raw cell


@dataclass
class Study:
    """The scenarios of a workbook: names in first-seen order, each one's own rows, and what the comparison shows."""

    names: list = field(default_factory=list)
    edits: dict = field(default_factory=dict)  # scenario -> [Edit] (its own rows, includes unexpanded)
    description: dict = field(default_factory=dict)
    compare_per_year: dict = field(default_factory=dict)
    compare_source: dict = field(default_factory=dict)

    def find(self, name: str) -> str | None:
        """The declared name matching ``name`` (case-insensitive), or None."""
        low = str(name).strip().lower()
        return next((n for n in self.names if n.lower() == low), None)


@dataclass(frozen=True)
class Change:
    """What a value cell asks for: ``kind`` ``set`` (``amount`` is the raw value), ``mul``, ``add`` or ``pct``."""

    kind: str
    amount: object

    def label(self) -> str:
        """The change as a planner writes it (``x1.2``, ``+100``, ``-30%``, or the value)."""
        return {"mul": f"x{self.amount:g}", "add": f"{self.amount:+g}", "pct": f"{self.amount:+g}%"}.get(
            self.kind, _text(self.amount))


def parse_change(value: object) -> Change:
    """Read a value cell: a number or text is an absolute value; ``x1.2``/``1.2x`` multiply, ``+100``/``-100`` add,
    ``+30%``/``-50%`` change by a percentage (text only: a typed number is always absolute)."""
    if isinstance(value, str):
        s = value.strip()
        m = _MUL.match(s)
        if m:
            return Change("mul", float(m.group(1) or m.group(2)))
        m = _ADD.match(s)
        if m:
            amount = float(m.group(2)) * (-1 if m.group(1) == "-" else 1)
            return Change("pct" if m.group(3) else "add", amount)
    return Change("set", value)


def _text(v) -> str:
    """A cell as the text a planner reads (30.0 -> '30'; blank -> '')."""
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def _matches(pattern: str, text: str) -> bool:
    """``*`` alone matches anything; a ``*`` inside a pattern matches any run of characters (``JP-US-NO-CN*``);
    otherwise the texts must be equal."""
    if pattern == STAR:
        return True
    if STAR in pattern:
        return re.fullmatch(".*".join(re.escape(p) for p in pattern.split(STAR)), text) is not None
    return pattern == text


def _blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def parse_study(raw: RawWorkbook) -> tuple[Study, list]:
    """The `Study` of ``raw`` and the issues of rows that cannot be read (blank name, the name ``base``)."""
    study, issues = Study(), []
    for rec in raw.sheets.get("scenarios", []):
        row = rec["_row"]
        name = _text(rec.get("scenario"))
        if not name:
            if any(not _blank(rec.get(c)) for c in ("sheet", "key", "column", "value")):
                issues.append(Issue("scenarios", row, "scenario", "is required but blank"))
            continue
        if name.lower() == BASE_NAME:
            issues.append(Issue("scenarios", row, "scenario", f"'{name}' is reserved for the workbook as it is; "
                                                              "give the scenario another name"))
            continue
        known = study.find(name)
        if known is None:
            study.names.append(name)
            study.edits[name] = []
            known = name
        elif known != name:
            issues.append(Issue("scenarios", row, "scenario", f"'{name}' differs from '{known}' (row of the same "
                                                              "scenario above) only in case; write it the same way"))
            continue
        sheet = _text(rec.get("sheet")).lower()
        study.edits[name].append(Edit(row, name, sheet, _text(rec.get("key")), _text(rec.get("column")).lower(),
                                      rec.get("value")))
        if not _blank(rec.get("description")):
            study.description.setdefault(name, _text(rec.get("description")))
        if not _blank(rec.get("compare_per_year")):
            study.compare_per_year.setdefault(name, rec.get("compare_per_year"))
            study.compare_source.setdefault(name, _text(rec.get("source")))
    return study, issues


def expand(study: Study, name: str, issues: list[Issue] | None = None, _chain: tuple = (),
           _spliced: set | None = None) -> list[Edit]:
    """The edits of scenario ``name`` in the order they apply, includes spliced in, each included scenario
    once (where it is first reached: a includes b and c, both include d: d's edits apply once, before b's).
    Unknown or circular includes are added to ``issues`` (and skipped)."""
    issues = [] if issues is None else issues
    spliced = set() if _spliced is None else _spliced
    out = []
    for e in study.edits.get(name, []):
        if e.sheet != INCLUDE:
            out.append(e)
            continue
        other = study.find(_text(e.value))
        if not _text(e.value):
            issues.append(Issue("scenarios", e.row, "value", "an include row names the scenario to include in "
                                                             "value; it is blank"))
        elif other is None:
            issues.append(Issue("scenarios", e.row, "value", f"includes '{short(e.value)}', which is not a "
                                                             f"scenario of this sheet" + suggest(_text(e.value),
                                                                                                   study.names)))
        elif other == name or other in _chain:
            chain = " -> ".join((*_chain, name, other))
            issues.append(Issue("scenarios", e.row, "value", f"circular include: {chain}"))
        elif other not in spliced:
            spliced.add(other)
            out.extend(expand(study, other, issues, (*_chain, name), spliced))
    return out


def apply_edits(raw: RawWorkbook, edits: Iterable[Edit],
                issues: list[Issue] | None = None) -> tuple[RawWorkbook, dict]:
    """A copy of ``raw`` with ``edits`` applied in order (``raw`` is untouched).  Returns the copy and
    ``{(sheet, row, column): scenarios row}`` of the cells set.  Problems are added to ``issues``."""
    issues = [] if issues is None else issues
    sheets = {name: [dict(r) for r in recs] for name, recs in raw.sheets.items()}
    copy = RawWorkbook(path=raw.path, sha256=raw.sha256, sheets=sheets, issues=list(raw.issues),
                       unreadable=set(raw.unreadable))
    touched = {}
    for e in edits:
        recs = _select(sheets, e, issues)  # None (with an issue) when the edit is not usable
        column = "value" if e.sheet == "settings" else e.column
        for rec in recs or ():
            if not _set(rec, e, column, issues):
                break
            touched[(e.sheet, rec.get("_row"), column)] = e.row
    return copy, touched


def _err(issues, e: Edit, column, msg):
    issues.append(Issue("scenarios", e.row, column, f"scenario '{e.scenario}': {msg}"))


def _select(sheets, e: Edit, issues):
    """The records of ``e.sheet`` that ``e.key`` selects (None, with an issue, when the edit is not usable)."""
    if not e.sheet:
        _err(issues, e, "sheet", "is required but blank; give a sheet name or include")
        return None
    sheet = SHEET.get(e.sheet)
    if sheet is None or e.sheet == "scenarios":
        editable = [s for s in SHEET if s != "scenarios"] + [INCLUDE]
        _err(issues, e, "sheet", f"'{short(e.sheet)}' is not a sheet a scenario can edit" + suggest(e.sheet,
                                                                                                      editable))
        return None
    if sheet.kv:
        return _select_setting(sheets, e, issues)
    names = [c.name for c in sheet.columns]
    if not e.column:
        _err(issues, e, "column", f"is required but blank; columns of {e.sheet}: {', '.join(names)}")
        return None
    if e.column not in names:
        _err(issues, e, "column", f"'{short(e.column)}' is not a column of {e.sheet}" + suggest(e.column, names))
        return None
    if sheet.id_column and e.column == sheet.id_column:
        _err(issues, e, "column", f"'{e.column}' is the id of the row; a scenario cannot rename ids (edit the "
                                  "columns that refer to it instead)")
        return None
    recs = sheets.get(e.sheet, [])
    key = e.key or ""
    if not key:
        _err(issues, e, "key", f"is required but blank; give * for every row of {e.sheet}, a row's id or "
                               "column=value terms")
        return None
    if key == STAR:
        chosen = recs
    elif "=" in key:
        terms = []
        for term in key.split(","):
            col, _, val = term.partition("=")
            col, val = col.strip().lower(), val.strip()
            if col not in names:
                _err(issues, e, "key", f"'{short(col)}' in '{short(key)}' is not a column of {e.sheet}"
                     + suggest(col, names))
                return None
            terms.append((col, val))
        chosen = [r for r in recs if all(_matches(v, _text(r.get(c))) for c, v in terms)]
    else:
        cols = sheet.key or ((sheet.id_column,) if sheet.id_column else ())
        if not cols:
            _err(issues, e, "key", f"rows of {e.sheet} have no id: give * or column=value terms (e.g. "
                                   f"{sheet.columns[1].name}=...)")
            return None
        parts = [p.strip() for p in key.split(",")] if len(cols) > 1 else [key]
        if len(parts) > len(cols):
            _err(issues, e, "key", f"'{short(key)}' has {len(parts)} parts; {e.sheet} rows are keyed by "
                                   f"{', '.join(cols)}")
            return None
        chosen = [r for r in recs if all(_matches(p, _text(r.get(c))) for c, p in zip(cols, parts))]
        if not chosen:
            pool = sorted({", ".join(_text(r.get(c)) for c in cols[:len(parts)]) for r in recs})
            _err(issues, e, "key", f"'{short(key)}' matches no row of {e.sheet} (keyed by {', '.join(cols)})"
                 + suggest(key, pool))
            return None
    if not chosen:
        _err(issues, e, "key", f"'{short(key)}' matches no row of {e.sheet}")
        return None
    return chosen


def _select_setting(sheets, e: Edit, issues):
    """The `settings` record of the setting named in ``key`` (added when the workbook leaves it out)."""
    if e.column not in ("", "value"):
        _err(issues, e, "column", f"settings rows are changed in their value: leave column blank or write value, "
                                  f"not '{short(e.column)}'")
        return None
    name = e.key.strip().lower()
    if name not in SETTINGS:
        _err(issues, e, "key", f"'{short(e.key)}' is not a setting" + suggest(name, list(SETTINGS)))
        return None
    recs = sheets.setdefault("settings", [])
    found = [r for r in recs if _text(r.get("key")).lower() == name]
    if not found:
        found = [{"key": name, "value": None, "_row": None}]
        recs.append(found[0])
    return found


def _set(rec, e: Edit, column, issues) -> bool:
    """Apply ``e``'s value to ``rec[column]``; False (with an issue) when the change cannot apply."""
    change = parse_change(e.value)
    if change.kind == "set":
        rec[column] = None if _blank(change.amount) else change.amount
        return True
    sheet = SHEET[e.sheet]
    kind = SETTINGS[e.key.strip().lower()][0] if sheet.kv else sheet.column(column).kind
    if kind not in ("num", "int"):
        _err(issues, e, "value", f"'{short(e.value)}' is a relative change, but {e.sheet} column '{column}' holds "
                                 "text; give the new value itself")
        return False
    current = rec.get(column)
    if _blank(current):
        default = SETTINGS[e.key.strip().lower()][1] if sheet.kv else sheet.column(column).default
        if not isinstance(default, (int, float)) or isinstance(default, bool):
            _err(issues, e, "value", f"'{short(e.value)}' changes {e.sheet} row {rec.get('_row') or '(setting)'} "
                                     f"column '{column}', which is blank (no number to change); give the new value "
                                     "itself")
            return False
        current = default
    value = number(current)
    if value is None:
        _err(issues, e, "value", f"'{short(e.value)}' changes {e.sheet} row {rec.get('_row')} column '{column}', "
                                 f"which holds '{short(current)}', not a number")
        return False
    new = {"mul": lambda: value * change.amount, "add": lambda: value + change.amount,
           "pct": lambda: value * (1 + change.amount / 100)}[change.kind]()
    rec[column] = round(new) if kind == "int" and abs(new - round(new)) < 1e-9 else new
    return True


def number(v: object) -> float | None:
    """``v`` as a float when it is one (a number, or text such as '25000' or '25,000'); else None."""
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v) if math.isfinite(v) else None
    if isinstance(v, str):
        s = v.strip()
        if re.fullmatch(r"[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?", s):
            s = s.replace(",", "")
        try:
            f = float(s)
        except ValueError:
            return None
        return f if math.isfinite(f) else None
    return None


def check_study_scenarios(raw: RawWorkbook) -> list:
    """Every structural problem of the `scenarios` sheet (each scenario applied to a throw-away copy)."""
    study, issues = parse_study(raw)
    for name in study.names:
        edits = expand(study, name, issues)
        apply_edits(raw, edits, issues)
    return list(dict.fromkeys(issues))  # an included scenario's problem is reported once


def study_scenario_raw(raw: RawWorkbook, study: Study, name: str) -> tuple[RawWorkbook, dict]:
    """The raw workbook of scenario ``name`` and the cells it set; raises `InputError` naming the scenario rows."""
    issues = []
    edits = expand(study, name, issues)
    edited, touched = apply_edits(raw, edits, issues)
    if issues:
        raise InputError(issues)
    return edited, touched



def describe(study: Study, name: str) -> str:
    """One line listing what scenario ``name`` changes (for logs and the comparison)."""
    parts = []
    for e in expand(study, name):
        col = "" if e.sheet == "settings" else f".{e.column}"
        change = parse_change(e.value)
        how = change.label() if change.kind != "set" else "= " + (_text(change.amount) or "(blank)")
        parts.append(f"{e.sheet}[{e.key}]{col} {how}")
    return "; ".join(parts)
