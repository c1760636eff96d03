"""The whole path the CLI runs: read -> validate -> build -> solve -> extract/write, timed per stage."""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from corridor.diagnose.explain import explain_infeasible
from corridor.diagnose.numerics import numeric_warnings
from corridor.formulation.build import Formulation, formulate
from corridor.io.files import OutputError, output_lock, same_file
from corridor.io.issues import Issue
from corridor.io.maps import map_path
from corridor.io.reader import read_workbook
from corridor.io.targets import check_target
from corridor.io.validate import Inputs, read_inputs, validate
from corridor.io.writer import write_solution
from corridor.perf import StageClock
from corridor.results.extract import cost_breakdown, extract, scenario_sheets
from corridor.results.metrics import plan_metric, security_tables
from corridor.results.n1 import corridor_n1
from corridor.results.network import map_table
from corridor.solve.budget import TimeBudget
from corridor.solve.dispatch import solve
from corridor.solve.highs import ModelRefused
from corridor.solve.pyomo import build_model
from corridor.solve.result import outcome
from corridor.solve.secure import solve_secure

if TYPE_CHECKING:
    from corridor.formulation.spec import LinearSpec
    from corridor.solve.result import SolveResult

CASES = Path(__file__).resolve().parent / "cases"  # the embedded cases, package data
DEFAULT_INPUT = CASES / "kazakhstan_rare_earths.xlsx"  # the default case (a copy of inputs/ in the repository)
STRATEGIC_INPUT = CASES / "kazakhstan_rare_earths_2027_2032.xlsx"  # the strategic case 2027-2032 (contract v2)


def output_dir() -> Path:
    """Where outputs go when no path is given: ``outputs/`` under the current folder (where the user is,
    never inside the installed package)."""
    return Path.cwd() / "outputs"


def default_output(input_path: str | Path) -> Path:
    """The default solution path of ``input_path``: ``./outputs/<input stem>-solution.xlsx``."""
    return output_dir() / f"{Path(input_path).stem}-solution.xlsx"


@dataclass
class RunReport:
    """What one run did: the solver's result, cost lines, seconds per stage, model size, warnings, the
    solution tables, the security results and, when no plan exists, the explanation."""

    input_path: Path | None  # None for a case built in code
    output_path: Path | None
    result: object = None
    costs: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)
    stats: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)
    tables: dict = field(default_factory=dict)
    security: dict = field(default_factory=dict)
    explanation: object = None  # explain.Explanation when no plan satisfies the hard constraints
    not_computed: list = field(default_factory=list)  # what the run's time limit left out or unproven, in words
    map_path: Path | None = None  # the plan's map written beside the solution (`corridor.io.maps`)
    settings: dict = field(default_factory=dict)  # the solver settings used (`solver_settings`)



def run(input_path: str | Path | Mapping | Inputs | None = None, output_path: str | Path | None = None,
        write: bool = True, tee: bool = False, via: str = "direct", security: bool = True,
        force: bool = False, settings: dict | None = None,
        on_stage: Callable[[str], object] | None = None) -> RunReport:
    """Solve ``input_path`` (default: the embedded Kazakhstan case) and write the solution workbook.

    ``settings``: values that replace the workbook's settings once it is valid (the command line's
    ``--time-limit``, ``--gap``, ``--threads``: ``time_limit_s``, ``mip_rel_gap``, ``threads``, already checked
    against the settings' ranges).  ``on_stage(name)`` is called as each stage starts (read, validate, build,
    solve ...: a progress display).

    ``input_path`` may also be a case built in code, as `read_inputs` takes it (``{sheet: DataFrame or list
    of row dicts}``), or validated `Inputs`; such a case has no default output, so give ``output_path`` or
    ``write=False`` (a notebook: ``report = run(case, write=False)``, then ``report.tables`` holds the
    solution's sheets as DataFrames and `corridor.plan_map_png(report.tables)` draws its map).

    Before anything is read the output is checked (`targets.check_target`): never the input, never a folder,
    device or pipe, never a file that is not an earlier solution (unless ``force``); a link is written
    through.  Once the input is valid the output is locked (`files.output_lock`), so a second run on the
    same output is refused until this one ends.  See `_run` for the stages and the arguments.
    """
    if isinstance(input_path, (Mapping, Inputs)):
        return _run_in_memory(input_path, output_path, write, tee, via, security, force, settings, on_stage)
    input_path = Path(input_path) if input_path else DEFAULT_INPUT
    output_path = Path(output_path) if output_path is not None else default_output(input_path)
    if write and same_file(input_path, output_path):
        raise OutputError(f"refusing to write the solution over the input workbook {output_path}")
    if write:
        output_path = check_target(output_path, "solution", force)
        check_target(map_path(output_path), "png", force)  # its map beside it: never a picture of someone else's
    with contextlib.ExitStack() as stack:
        def lock():
            if write:
                stack.enter_context(output_lock(output_path))
        return _run(input_path, output_path, write, tee, via, security, lock, settings, on_stage)


def _run_in_memory(case, output_path, write, tee, via, security, force, settings=None, on_stage=None) -> RunReport:
    """`run` of a case given in code (a mapping of tables, or `Inputs`): validated, then solved as a workbook's
    (``settings`` replace its settings in a copy: the caller's `Inputs` are left as they were)."""
    if write and output_path is None:
        raise ValueError("a case built in code has no default output: give output_path, or write=False")
    clock = StageClock(on_stage=on_stage)
    with clock.stage("validate"):
        inputs = case if isinstance(case, Inputs) else read_inputs(case)
    inputs = replace(inputs, settings={**inputs.settings, **(settings or {})})
    if not write:
        return solve_inputs(inputs, inputs.path, None, False, tee, via, security, clock)
    if inputs.path is not None and same_file(inputs.path, output_path):
        raise OutputError(f"refusing to write the solution over the input workbook {output_path}")
    output_path = check_target(Path(output_path), "solution", force)
    check_target(map_path(output_path), "png", force)
    with output_lock(output_path):
        return solve_inputs(inputs, inputs.path, output_path, True, tee, via, security, clock)


def _run(input_path, output_path, write, tee, via, security, lock, settings=None, on_stage=None) -> RunReport:
    """Solve ``input_path`` and write the solution workbook to ``output_path`` (``lock()`` is called once the
    input is valid, before anything is built).

    ``via``: ``direct`` hands the formulation to HiGHS in one call (fast); ``pyomo`` builds the Pyomo
    ConcreteModel and solves it through Pyomo's persistent HiGHS interface (``max_security`` always solves
    on the direct path).  ``security``: add the `security` and `scenarios` sheets (metrics and corridor
    N-1 re-solves) unless the workbook's ``security_report`` is ``no``.  Raises `InputError` (nothing
    written) when the input is invalid.  The report carries the solver's result; callers decide what an
    unproven or missing plan means for them.
    """
    clock = StageClock(on_stage=on_stage)
    with clock.stage("read"):
        raw = read_workbook(input_path)
    with clock.stage("validate"):
        inputs = validate(raw)
    del raw
    inputs.settings.update(settings or {})
    lock()  # from here on a second run on the same output is refused
    return solve_inputs(inputs, input_path, output_path, write, tee, via, security, clock)


def solve_inputs(inputs: Inputs, input_path: Path | None, output_path: Path | None, write: bool = True,
                 tee: bool = False, via: str = "direct", security: bool = True, clock: StageClock | None = None,
                 solve_spec: Callable[[LinearSpec, dict], SolveResult] | None = None) -> RunReport:
    """Build, solve, extract and (``write``) write the plan of validated ``inputs`` (the rest of `_run`; a
    planning study calls it for each scenario's edited inputs).  ``solve_spec(spec, settings)``: solves the
    formulation's `LinearSpec` instead of the default solver call (a study worker's persistent model); it is
    used on the direct path for min_cost only.

    ``time_limit_s`` bounds the whole run from the start of its first solve (`corridor.solve.budget`): the
    security steps and the corridor N-1 re-solves share it, and the report says what it left out."""
    clock = clock or StageClock()
    settings = inputs.settings
    timer = TimeBudget.of(settings)
    secure = settings["objective"] == "max_security"
    with clock.stage("build"):
        f = formulate(inputs)  # its disruption scenarios, if any, make a two-stage model
        target = build_model(f) if via == "pyomo" and not secure else f
        plan_view(f).d.warnings.extend(numeric_warnings(f))  # reported, and on the summary sheet
    stats = f.spec.stats()
    info = {}
    with clock.stage("solve"):
        timer.start()
        try:
            if secure:
                result, info = solve_secure(f, settings, tee=tee, timer=timer)
                stats = f.spec.stats()
            elif solve_spec is not None and target is f:
                result = solve_spec(f.spec, timer.settings(settings))
            else:
                result = solve(target, timer.settings(settings), tee=tee)
        except ModelRefused as exc:  # said as the run's outcome, never a traceback
            result = outcome("other", "model refused", False, None, None, 0.0)
            result.message = str(exc)
    if settings["objective"] == "max_margin":  # the solver minimised cost - revenue: report the margin
        result.objective = None if result.objective is None else -result.objective
        result.bound = None if result.bound is None else -result.bound
    if "handover_s" in result.stats:  # report the hand-over as its own stage, before the solve
        solve_s = clock.seconds.pop("solve")
        clock.seconds["handover"] = result.stats["handover_s"]
        clock.seconds["solve"] = solve_s - result.stats["handover_s"]
    solver_warnings = [Issue("settings", None, "threads", w, "warning") for w in dict.fromkeys(result.warnings)]
    warnings = list(inputs.warnings) + [w for v in f.views.values() for w in v.d.warnings] + solver_warnings
    report = RunReport(input_path, output_path if write and result.has_plan else None, result,
                       stats=stats, warnings=list(dict.fromkeys(warnings)))
    report.security = info
    report.settings = solver_settings(settings)
    report.not_computed = [f"security step not computed ({timer.describe()} was spent): {s}"
                           for s in info.get("not_computed", ())]
    if result.status == "infeasible" and not (secure and info.get("min_cost") is not None):
        # which input rows conflict (max_security: a budget below the min cost says so itself)
        with clock.stage("explain"):
            report.explanation = explain_infeasible(f, settings)
    report.costs = cost_breakdown(f, result.x) if result.has_plan else {}
    if result.has_plan:
        with clock.stage("extract"):
            view = plan_view(f)
            sheets = {}
            if security and settings.get("security_report") == "yes":  # N-1 re-solves: what the plan left
                n1 = corridor_n1(f, result.x, settings, timer)
                report.not_computed += n1.incomplete()
                sheets = security_tables(f, result.x, settings, n1)
            elif secure:  # the plan's own metric, for the summary
                sheets = security_tables(f, result.x, settings)
            if secure:  # the plan's own value, from its flows (the security sheet), never a solver variable
                info["metric_optimised_value"] = info.get("metric_value")
                info["metric_value"] = plan_metric(sheets["security"], info["security_metric"])
            extra = summary_rows(f, settings, info, view) + [("not_computed", w) for w in report.not_computed]
            report.tables = extract(view, result, dict(clock.seconds), stats, report.costs, extra)
            report.tables["network"] = map_table(view, report.tables["route_flows"])  # what the map draws
            if f.two_stage:  # every scenario's plan, the plan sheets' own first
                report.tables.update(scenario_sheets(f, result.x, view.name, report.tables))
            if security and settings.get("security_report") == "yes":
                report.tables.update(sheets)
        if write:
            with clock.stage("write"):
                write_solution(report.tables, output_path, input_path=input_path)
            drawn = map_path(output_path)
            report.map_path = drawn if drawn.exists() else None
    report.seconds = clock.seconds
    return report


def solver_settings(settings: dict) -> dict:
    """The solver settings a run used (the workbook's, or the command line's that replaced them): time limit
    (seconds), relative gap and threads (None: the solver's default)."""
    return {"time_limit_s": settings.get("time_limit_s"), "mip_rel_gap": settings.get("mip_rel_gap"),
            "threads": settings.get("threads") or None}


def plan_view(f: Formulation) -> Formulation:
    """The scenario the plan sheets show: the base (no disruption) if it has any probability, else the most
    probable scenario."""
    if "base" in f.views:
        return f.views["base"]
    return max(f.views.values(), key=lambda v: v.probability)


def summary_rows(f: Formulation, settings: dict, info: dict, view: Formulation) -> list:
    """Rows of the summary sheet that describe the objective and the scenarios behind the plan sheets."""
    rows = [("objective_kind", settings["objective"]),
            ("objective_sense", "maximise" if settings["objective"] == "max_margin" else "minimise"),
            ("scenarios", len(f.views)), ("plan_sheets_scenario", view.name)]
    if settings["objective"] == "max_security":
        proven = info.get("metric_proven")
        rows += [("security_metric", info.get("security_metric")), ("security_metric_value", info.get("metric_value")),
                 ("security_metric_bound", info.get("metric_bound")), ("security_metric_gap", info.get("metric_gap")),
                 ("security_plan", "the most secure within the cost budget (proven)" if proven else
                  "NOT proven the most secure within the cost budget (see message and security_metric_gap)"),
                 ("cost_budget", info.get("cost_budget")), ("min_cost_optimum", info.get("min_cost")),
                 ("security_sequence", info.get("sequence"))]
        opt, own = info.get("metric_optimised_value"), info.get("metric_value")
        if opt is not None and own is not None and abs(opt - own) > 1e-6:  # the model traces tags exactly
            rows.append(("security_metric_model_value", opt))
        if info.get("stopped_step"):
            rows.append(("security_stopped_step", info["stopped_step"]))
        rows += [(f"security_step_{i + 1}", line) for i, line in enumerate(info.get("steps", ()))]
        if info.get("free_metric_step"):  # the unbudgeted step, when it was not tried
            rows.append(("security_free_metric_step", info["free_metric_step"]))
    if f.two_stage:
        rows += [("objective_note", "expected cost over the scenarios (plan sheets: one scenario, cost sheet: "
                                    "expected values)")]
    return rows
