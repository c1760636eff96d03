"""The solution checker: `corridor check INPUT.xlsx SOLUTION.xlsx`.

Verifies a solution workbook (as `corridor solve` wrote it, or as a planner edited it by hand) against its
input workbook, with code written from the workbook contract (`shared/spec/workbook.md`) and the
project's documented interpretations (docs/formulation.md, docs/security.md), independently of the
optimisation model: it shares only the reading and validation of the input (`model.validate`).

Families, in the order they run (each documented in its own function):

- ``route``, ``leg capacity`` (`checker_flow`): route-periods (arrival, max/min volume with seasonal
  factors), shared leg capacities in the period each leg is used;
- ``site``, ``storage``, ``demand``, ``balance``, ``supply`` (`checker_flow`, `checker_balance`): processing
  capacity / availability / opening / minimum, stock only where allowed and within capacity, deliveries
  and shortfall, node balances per commodity (supply derived from them, within its capacity);
- ``provenance`` (`checker_tags`): the tag columns are consistent (tonnes of each tag balance at every
  node and period), so a hand edit cannot smuggle tonnes past a rule;
- ``licence``, ``policy`` (`checker_rules`): prohibited flows, licences held, quotas, policy shares and
  counts;
- ``cost`` (`checker_costs`): every cost line recomputed and compared with the solution.

``plan`` violations are cells of the solution that contradict the input or each other (an unknown id, a
reported figure that does not follow from the plan).  With disruption scenarios the plan sheets show one
scenario (summary item ``plan_sheets_scenario``); it is checked against that scenario's data.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from .checker_data import BASE, derive
from .checker_plan import SolutionError, read_plan

__all__ = ["CheckReport", "SolutionError", "Violation", "check", "format_report"]

ABS_T = 1e-4  # tonnes: what the solver's tolerances and the 1e-6 zeroing of the written plan can leave
REL = 1e-6


def slack(*values):
    """Tolerance for comparing tonnes of magnitude ``values``: 1e-4 t plus 1e-6 relative."""
    return ABS_T + REL * max([abs(v) for v in values if v is not None and v != float("inf")] or [0.0])


def money_slack(a, b):
    """Tolerance for comparing two amounts of money: 1e-6 relative plus 0.01 absolute."""
    return 1e-2 + REL * max(abs(a), abs(b))


def fmt(x):
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
    total: float | None = None  # recomputed total (expected total with scenarios)
    objective: float | None = None  # the solution's summary objective
    counts: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    currency: str = ""

    @property
    def ok(self):
        return not self.violations

    def by_family(self):
        out = defaultdict(list)
        for v in self.violations:
            out[v.family].append(v)
        return dict(out)


class Ctx:
    """What the families share while checking one plan: the effective input (``case``), the solution
    (``plan``), quantities read or derived from the plan, and the report being filled."""

    def __init__(self, case, plan, report):
        self.case, self.plan, self.report = case, plan, report
        self.flows = []  # route_flows rows that name a known route and period, with tonnes > 0
        self.input_t = {}  # (site, p) -> input tonnes processed
        self.proc_rows = defaultdict(list)  # (site, p) -> processing rows
        self.opened = {}  # candidate site -> opened?
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

    def add(self, family, message, amount=None, inputs=(), solution=()):
        self.report.violations.append(Violation(family, message, amount, tuple(inputs), tuple(solution)))

    def count(self, what, n=1):
        self.report.counts[what] = self.report.counts.get(what, 0) + n


def check(input_path, solution_path) -> CheckReport:
    """Check the plan in ``solution_path`` against ``input_path``.

    Raises `model.reader.InputError` when the input is not valid and `SolutionError` when the solution
    workbook cannot be read, is incomplete, holds no plan or shows a scenario the input does not define.
    """
    from . import checker_balance, checker_costs, checker_flow, checker_rules, checker_tags
    from .validate import read_inputs

    inputs = read_inputs(input_path)
    plan = read_plan(solution_path)
    scenario = plan.scenario
    has_scenarios = bool(inputs.tables.get("disruptions"))
    case = derive(inputs, scenario)
    if scenario not in case.probabilities:
        known = ", ".join(case.probabilities)
        raise SolutionError(f"the solution's plan sheets show scenario '{scenario}', which the input does not "
                            f"define (scenarios: {known})")
    report = CheckReport(str(input_path), str(solution_path), scenario, len(case.probabilities))
    report.currency = str(plan.summary.get("currency", ("",))[0] or inputs.settings.get("currency") or "")
    sha = str(plan.summary.get("input_sha256", (None,))[0] or "")
    if sha and inputs.sha256 and sha != inputs.sha256:
        report.notes.append(f"the solution was written for an input with SHA-256 {sha[:12]}..., this input has "
                            f"{inputs.sha256[:12]}...: checked against this input")
    if has_scenarios:
        report.notes.append(f"the plan sheets show scenario '{scenario}' (probability {fmt(case.probability)}); "
                            "they were checked against that scenario's data"
                            + (" (no disruption)" if scenario == BASE else " (its disruptions applied)"))
    ctx = Ctx(case, plan, report)
    for family in (checker_flow.check_route_flows, checker_flow.check_legs, checker_flow.check_sites,
                   checker_flow.check_storage, checker_flow.check_demand, checker_balance.check_balances,
                   checker_tags.check_provenance, checker_rules.check_licences, checker_rules.check_policies,
                   checker_costs.check_costs):
        family(ctx)
    report.notes.append("not checked: the report sheets derived from the plan (leg_use, corridor_shares, "
                        "corridor_periods, security) and the security metrics")
    return report


def format_report(report: CheckReport) -> list:
    """The lines `corridor check` prints: one per violation, the notes, then the summary line."""
    lines = [str(v) for v in report.violations]
    lines += [f"note: {n}" for n in report.notes]
    counts = ", ".join(f"{v} {k}" for k, v in report.counts.items())
    if counts:
        lines.append(f"checked: {counts}")
    cur = f" {report.currency}" if report.currency else ""
    if report.violations:
        fams = ", ".join(f"{k} {len(v)}" for k, v in report.by_family().items())
        n = len(report.violations)
        lines.append(f"{n} violation{'s' if n != 1 else ''} ({fams})")
    elif report.total is None:
        lines.append("no violation: the plan satisfies every rule of the input; its first-stage cost lines equal the "
                     "solution's (without a scenarios sheet the expected total cannot be recomputed)")
    else:
        what = "expected total cost" if report.scenarios > 1 else "total cost"
        lines.append(f"no violation: the plan satisfies every rule of the input; {what} {fmt(report.total)}{cur} "
                     f"equals the solution's objective {fmt(report.objective)}{cur}")
    return lines
