"""Read a solution workbook (as `corridor solve` writes it, or as a planner edited it) for the checker.

The plan is read from the sheets a planner edits: `route_flows` (tonnes per route, provenance tags and
dispatch period), `processing` (input tonnes per site and period), `deliveries` (tonnes delivered per
demand row), `inventory` (end-of-period stock per node, commodity and tags), `licences` (applications)
and `decisions` (routes used, candidate sites opened), and with investments (contract v2) `investments` (units
decided per investment and period), with disposal costs `disposal` (tonnes discarded per node, commodity and
period; the processing sheet's ``role`` column tells a process's main row from its co-product and reagent
rows).  `summary`, `costs`, `payers`, with charges (contract v2) `charges` and `charge_payers`, and (with
disruption scenarios) `scenarios` give the figures the plan is compared with.  With disruption scenarios the plan
sheets (route_flows, leg_use, processing, deliveries, inventory, disposal) hold every scenario's plan, with a
leading ``scenario`` column: `Plan.sheets` holds the rows of the plan sheets' own scenario (summary
``plan_sheets_scenario``; rows with a blank scenario count as its), and `Plan.view` gives another scenario's.
Every record keeps its Excel row (``_row``).
Nothing is ever written to the workbook.
"""
from __future__ import annotations

import datetime as _dt
import math
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl

from corridor.check.common import ANY_USE, NONE
from corridor.check.coproducts import DISPOSAL_COLUMNS
from corridor.check.economics import CHARGE_COLUMNS
from corridor.check.economics import PAYER_COLUMNS as CHARGE_PAYER_COLUMNS
from corridor.check.invest import INVESTMENT_COLUMNS, PAYER_COLUMNS

REQUIRED = {  # sheet -> columns the checker cannot do without
    "summary": ("item", "value"),
    "costs": ("cost", "amount"),
    "route_flows": ("route", "dispatch_period", "tonnes"),
    "processing": ("site", "period", "input_t"),
    "deliveries": ("market", "commodity", "end_use", "period", "delivered_t"),
    "inventory": ("node", "commodity", "period", "stock_t"),
    "licences": ("licence", "period", "applied"),
    "decisions": ("decision", "id"),
}
OPTIONAL = {  # sheets a solution has only for some inputs -> the columns they need when present
    "scenarios": (),
    "investments": ("investment", "period", "decided_units"),
    "payers": ("payer",),
    "disposal": ("node", "commodity", "period", "discarded_t"),
    "charges": ("charge",),
    "charge_payers": ("payer",),
}
SHEET_NUMBERS = {"investments": set(INVESTMENT_COLUMNS), "payers": set(PAYER_COLUMNS),
                 "disposal": set(DISPOSAL_COLUMNS), "charges": set(CHARGE_COLUMNS),
                 "charge_payers": set(CHARGE_PAYER_COLUMNS), "deliveries": {"revenue"}}  # numbers of one sheet
MAY_BE_BLANK = {("charges", "budget"), ("charges", "budget_used"), ("deliveries", "revenue")}  # blank: None, not 0
SCENARIO_SHEETS = ("route_flows", "processing", "deliveries", "inventory", "disposal")  # may have a scenario column
NUMBERS = {"tonnes", "input_t", "output_t", "delivered_t", "demand_t", "shortfall_t", "penalty_cost", "stock_t",
           "applied", "held", "tonnes_covered", "amount", "probability", "total_cost"}


class SolutionError(Exception):
    """The solution workbook cannot be checked (unreadable, incomplete, or without a plan)."""


@dataclass
class Flow:
    """One route_flows row: tonnes dispatched on ``route`` in ``period`` with provenance ``tag``."""

    row: int
    route: str
    period: str
    tonnes: float
    tag: tuple  # (cc, pc, eu, tc) as written; tc as a frozenset of tokens
    rec: dict
    r: object = None  # the input's Route, once the row is known to name one (set by the route family)
    arrive: str | None = None  # arrival period walked on the calendar (None: after the end of an open horizon)
    legs_at: list = field(default_factory=list)  # period in which each leg of the route is entered


@dataclass
class Plan:
    """A solution workbook as the checker reads it: its sheets' rows with their Excel row numbers, and the
    summary items."""

    path: Path
    sheets: dict  # sheet -> [record]
    summary: dict = field(default_factory=dict)  # item -> (value, row)
    costs: dict = field(default_factory=dict)  # cost line -> (amount, row)
    flows: list = field(default_factory=list)
    scenarios: list | None = None  # records of the scenarios sheet, if any
    by_scenario: dict = field(default_factory=dict)  # plan sheet with a scenario column -> {scenario: [record]}

    @property
    def scenario(self) -> str:
        """The disruption scenario the plan sheets show (summary item ``plan_sheets_scenario``; ``base`` when
        absent)."""
        v = self.summary.get("plan_sheets_scenario", (None, None))[0]
        return str(v) if v not in (None, "") else "base"

    @property
    def shown(self) -> list:
        """The scenarios whose plans the plan sheets hold, in the order they first appear (the plan sheets' own
        first); only it without a scenario column."""
        names = [self.scenario]
        for by in self.by_scenario.values():
            names += [n for n in by if n is not None and n not in names]
        return names

    def view(self, name: str) -> Plan:
        """The plan of scenario ``name``: the plan sheets' rows of that scenario, every other sheet as it is."""
        if name == self.scenario:
            return self
        sheets = dict(self.sheets)
        for sheet, by in self.by_scenario.items():
            sheets[sheet] = by.get(name, [])
        out = Plan(self.path, sheets, self.summary, self.costs, scenarios=self.scenarios, by_scenario=self.by_scenario)
        out.flows = _flows(sheets["route_flows"])
        return out


def _text(v):
    if v is None:
        return None
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, (_dt.datetime, _dt.date)):
        return f"{v.year:04d}-{v.month:02d}"  # a period id Excel turned into a date
    s = str(v).strip()
    return s if s else None


_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")  # 25,000.5: thousands grouping


def _number(v, sheet, row, col, bad):
    if v is None or (isinstance(v, str) and not v.strip()):
        return 0.0
    if isinstance(v, bool):
        bad.append(f"{sheet} row {row} column '{col}': '{v}' is not a number")
        return 0.0
    try:
        if isinstance(v, str):
            s = v.strip()
            x = float(s.replace(",", "") if _GROUPED.fullmatch(s) else s)
        else:
            x = float(v)
    except (TypeError, ValueError):
        x = math.nan
    if not math.isfinite(x):
        bad.append(f"{sheet} row {row} column '{col}': '{v}' is not a number")
        return 0.0
    return x


def tag_of(rec: dict) -> tuple:
    """(cc, pc, eu, tc) of a record's tag columns; blanks read as 'no provenance' (-, -, *, -)."""
    cc = _text(rec.get("tech_origin_tag")) or NONE
    pc = _text(rec.get("processing_country_tag")) or NONE
    eu = _text(rec.get("earmarked_end_use")) or ANY_USE
    tc = _text(rec.get("transited_tag")) or NONE
    return cc, pc, eu, frozenset() if tc == NONE else frozenset(x.strip() for x in tc.split("+") if x.strip())


def tc_text(tc: Iterable[str]) -> str:
    """The transit part of a tag (``CN+RU``) as the set of its countries (empty for ``-``)."""
    return "+".join(sorted(tc)) if tc else NONE


def read_plan(path: str | Path) -> Plan:
    """Read the sheets the checker needs; raise `SolutionError` with every structural problem found."""
    path = Path(path)
    if not path.exists():
        raise SolutionError(f"solution workbook not found: {path}")
    if path.is_dir() or not zipfile.is_zipfile(path):
        raise SolutionError(f"{path.name} is not an .xlsx workbook")
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - a damaged file raises many kinds
        raise SolutionError(f"{path.name} could not be opened as an .xlsx workbook ({type(exc).__name__}: {exc})") \
            from None
    sheets, problems, bad = {}, [], []
    try:
        names = {ws.title.strip().lower(): ws for ws in wb.worksheets}
        for name in list(REQUIRED) + list(OPTIONAL):
            ws = names.get(name)
            if ws is None:
                if name not in OPTIONAL:
                    problems.append(f"sheet '{name}' is missing")
                continue
            recs, header = _records(ws)
            missing = [c for c in REQUIRED.get(name, OPTIONAL.get(name, ())) if c not in header]
            if missing and (recs or name in ("summary", "costs")):  # an empty sheet may lack its header
                problems.append(f"sheet '{name}' lacks column(s) {', '.join(missing)}")
            sheets[name] = recs
    finally:
        wb.close()
    if "summary" in sheets and "costs" not in sheets:
        status = next((r.get("value") for r in sheets["summary"] if r.get("item") == "status"), None)
        raise SolutionError(f"{path.name} holds no plan (status {status}); there is nothing to check")
    if problems:
        raise SolutionError(f"{path.name} is not a complete solution workbook: " + "; ".join(problems))
    for name, recs in sheets.items():
        for rec in recs:
            for col in list(rec):
                if (name, col) in MAY_BE_BLANK and (rec[col] is None or (isinstance(rec[col], str)
                                                                         and not rec[col].strip())):
                    rec[col] = None
                elif (col in NUMBERS or col in SHEET_NUMBERS.get(name, ())
                        or (name == "scenarios" and col.startswith("cost_"))):
                    rec[col] = _number(rec[col], name, rec["_row"], col, bad)
                elif col != "_row" and not (name == "summary" and col == "value"):
                    rec[col] = _text(rec[col])
    if bad:
        raise SolutionError(f"{path.name}: " + "; ".join(bad[:20]) + (" ..." if len(bad) > 20 else ""))
    plan = Plan(path, sheets, scenarios=sheets.get("scenarios"))
    for rec in sheets["summary"]:
        if rec.get("item") is not None:
            plan.summary.setdefault(str(rec["item"]), (rec.get("value"), rec["_row"]))
    for rec in sheets["costs"]:
        if rec.get("cost") is not None:
            plan.costs[rec["cost"]] = (rec["amount"], rec["_row"])
    for name in SCENARIO_SHEETS:  # with disruption scenarios the plan sheets hold every scenario's plan
        recs = sheets.get(name, [])
        if any(rec.get("scenario") is not None for rec in recs):
            by = plan.by_scenario[name] = {}
            for rec in recs:
                by.setdefault(rec.get("scenario") or plan.scenario, []).append(rec)
            sheets[name] = by.get(plan.scenario, [])
    plan.flows = _flows(sheets["route_flows"])
    return plan


def _flows(recs):
    return [Flow(rec["_row"], rec.get("route"), rec.get("dispatch_period"), rec["tonnes"], tag_of(rec), rec)
            for rec in recs]


def _records(ws):
    """(records, header) of a sheet: the first non-empty row is the header; empty rows are skipped."""
    header, cols, recs = None, {}, []
    for excel_row, values in enumerate(ws.iter_rows(values_only=True), start=1):
        if values is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        if header is None:
            header = []
            for j, v in enumerate(values):
                if v is not None and str(v).strip():
                    cols[j] = str(v).strip().lower()
                    header.append(cols[j])
            continue
        rec = {"_row": excel_row}
        for j, name in cols.items():
            rec[name] = values[j] if j < len(values) else None
        recs.append(rec)
    return recs, header or []
