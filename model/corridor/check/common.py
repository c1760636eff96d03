"""What the checker's families share: the tolerances, number formatting for messages, the `Violation` and
`CheckReport` records and the context (`Ctx`) one check fills."""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from corridor.check.case import Case
    from corridor.check.plan import Plan

STAR = "*"


INF = math.inf


NONE = "-"  # a tag part that is not set


ANY_USE = "*"  # the earmark of tonnes kept for no particular end use


TO = ">"  # joins an end use and a destination in an earmark (contract v2 chain rules): ``defense>US``


ELSEWHERE = "~"  # the destination earmark of tonnes bound for no country a chain rule names


BASE = "base"

ABS_T = 1e-4  # tonnes: what the solver's tolerances and the 1e-6 zeroing of the written plan can leave


REL = 1e-6


def use_of(eu: str) -> str:
    """The end-use part of an earmark (``defense>US`` -> ``defense``)."""
    return eu.split(TO, 1)[0]


def dest_of(eu: str) -> str | None:
    """The destination part of an earmark (``defense>US`` -> ``US``; None when the tonnes are not earmarked by
    destination)."""
    parts = eu.split(TO, 1)
    return parts[1] if len(parts) > 1 else None


def earmark(use: str, dest: str | None) -> str:
    """The earmark text of an end use and a destination (None: no destination earmark)."""
    return use if dest is None else f"{use}{TO}{dest}"


def slack(*values: float | None) -> float:
    """Tolerance for comparing tonnes of magnitude ``values``: 1e-4 t plus 1e-6 relative."""
    return ABS_T + REL * max([abs(v) for v in values if v is not None and v != float("inf")] or [0.0])


def money_slack(a: float, b: float) -> float:
    """Tolerance for comparing two amounts of money: 1e-6 relative plus 0.01 absolute."""
    return 1e-2 + REL * max(abs(a), abs(b))


def fmt(x: float | None) -> str:
    """A number for a message: up to 9 significant digits, no exponent for ordinary sizes."""
    if x is None:
        return "-"
    if x == float("inf"):
        return "unlimited"
    if abs(x) >= 1e3:
        return f"{x:,.2f}".rstrip("0").rstrip(".")
    if abs(x) >= 1:
        return f"{x:,.4f}".rstrip("0").rstrip(".")
    if abs(x) >= 1e-3 or x == 0:
        return f"{x:,.6f}".rstrip("0").rstrip(".")
    return f"{x:.3g}"


def _rows_text(refs):
    by = defaultdict(list)
    for sheet, row in refs:
        if row is not None and row not in by[sheet]:
            by[sheet].append(row)
    parts = []
    for sheet, rows in by.items():
        rows = sorted(rows)
        shown = ", ".join(str(r) for r in rows[:12]) + (f" ... ({len(rows)} rows)" if len(rows) > 12 else "")
        parts.append(f"{sheet} row{'s' if len(rows) > 1 else ''} {shown}")
    return "; ".join(parts)


@dataclass
class Violation:
    """One broken rule: its family, what is violated and by how much, and the rows involved
    (``inputs``: (sheet, Excel row) of the input workbook; ``solution``: of the solution workbook)."""

    family: str
    message: str
    amount: float | None = None
    inputs: tuple = ()
    solution: tuple = ()

    def __str__(self):
        s = f"[{self.family}] {self.message}"
        if self.inputs:
            s += f" | input: {_rows_text(self.inputs)}"
        if self.solution:
            s += f" | solution: {_rows_text(self.solution)}"
        return s


@dataclass
class CheckReport:
    """What `check` found: violations, the cost lines it recomputed, what it compared them with, what it
    checked (counts) and notes on the scope (scenario shown, figures taken from the solution)."""

    input_path: str
    solution_path: str
    scenario: str = BASE
    scenarios: int = 1  # scenarios of the input (1 without a disruptions sheet)
    violations: list = field(default_factory=list)
    costs: dict = field(default_factory=dict)  # recomputed cost lines of the plan sheets' scenario
    total: float | None = None  # recomputed total (expected total with scenarios; the margin under max_margin)
    objective: float | None = None  # the solution's summary objective
    counts: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    currency: str = ""
    margin: bool = False  # objective max_margin: ``total`` and ``objective`` are the margin (revenue minus cost)
    checked: list = field(default_factory=list)  # the scenarios whose plans were checked (the plan sheets' first)
    scenario_costs: dict = field(default_factory=dict)  # scenario -> its recomputed cost lines

    @property
    def ok(self) -> bool:
        """True when the plan breaks no rule."""
        return not self.violations

    def by_family(self) -> dict:
        """The violations grouped by family (``route``, ``balance``, ``cost`` ...)."""
        out = defaultdict(list)
        for v in self.violations:
            out[v.family].append(v)
        return dict(out)


class Ctx:
    """What the families share while checking one plan: the effective input (``case``), the solution
    (``plan``), quantities read or derived from the plan, and the report being filled."""

    def __init__(self, case: Case, plan: Plan, report: CheckReport, primary: bool = True):
        self.case, self.plan, self.report = case, plan, report
        self.primary = primary  # the plan sheets' own scenario (summary plan_sheets_scenario): its sheet figures
        # (licences, charges ...) are checked; another scenario's messages name it
        self.flows = []  # route_flows rows that name a known route and period, with tonnes > 0
        self.input_t = {}  # ((site, input commodity), p) -> input tonnes processed by the process
        self.proc_rows = defaultdict(list)  # ((site, input commodity), p) -> processing rows
        self.opened = {}  # candidate process (site, input commodity) -> opened?
        self.delivered = defaultdict(float)  # (m, c, e, p) -> tonnes
        self.deliv_rows = defaultdict(list)
        self.stock = defaultdict(float)  # (n, tag, p) -> tonnes; tag = (c, cc, pc, eu, tc)
        self.stock_rows = defaultdict(list)  # (n, c, p) -> inventory rows
        self.stock_total = defaultdict(float)  # (n, c, p) -> tonnes over the tags (check_storage)
        self.supply = {}  # (n, c, p) -> tonnes supplied (derived from the balance)
        self.unbalanced = set()  # (n, p) where a commodity balance fails
        self.dropped_initial = set()  # (n, c) whose initial stock cannot reach a demand (left out)
        self.active_routes = {}  # route -> decisions row (None: used in route_flows only)
        self.applications = defaultdict(int)  # (licence, period) -> applications
        self.app_rows = defaultdict(list)
        self.decided = {}  # (investment, period) -> units decided (> 0)
        self.serving = {}  # (investment, period) -> units in service, from the decisions
        self.inv_rows = {}  # (investment, period) -> its row of the investments sheet
        self.product_recs = []  # (process, period, record): the processing sheet's co-product and reagent rows
        self.product_rows = defaultdict(list)  # (process, commodity, p) -> its co-product / reagent rows
        self.discarded = defaultdict(float)  # (n, c, p) -> tonnes discarded (disposal sheet)
        self.discard_rows = defaultdict(list)  # (n, c, p) -> disposal rows
        self.charge_lines = {}  # contract v2: charge kind -> money (present value) of the scenario's plan
        self.free = {}  # cost line -> (lo, hi): what the plan leaves open on the line (a budget's split ...)

    def add(self, family: str, message: str, amount: float | None = None, inputs: Iterable[tuple] = (),
            solution: Iterable[tuple] = ()) -> None:
        """Record one violation of ``family`` (see `Violation`); another scenario's message starts with its name."""
        if not self.primary:
            message = f"scenario {self.case.scenario}: {message}"
        self.report.violations.append(Violation(family, message, amount, tuple(inputs), tuple(solution)))

    def count(self, what: str, n: int = 1) -> None:
        """Count ``n`` more checked items of kind ``what`` (shown in the report's last lines)."""
        self.report.counts[what] = self.report.counts.get(what, 0) + n
