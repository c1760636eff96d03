"""The whole path the CLI runs: read -> validate -> build -> solve -> extract/write, timed per stage."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from .reader import read_workbook

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INPUT = PACKAGE_ROOT / "inputs" / "kazakhstan_rare_earths.xlsx"
DEFAULT_OUTPUT_DIR = PACKAGE_ROOT / "outputs"


def default_output(input_path) -> Path:
    return DEFAULT_OUTPUT_DIR / f"{Path(input_path).stem}-solution.xlsx"


@dataclass
class RunReport:
    input_path: Path
    output_path: Path | None
    result: object = None
    costs: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)
    stats: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)
    tables: dict = field(default_factory=dict)


class StageClock:
    """Times named stages: ``with clock.stage("build"): ...`` records ``seconds[name]``; with ``memory``
    set it also records the process's peak resident memory (MB) reached by the end of each stage."""

    def __init__(self, memory=False):
        self.seconds, self.peak_mb, self.memory = {}, {}, memory

    def stage(self, name):
        clock = self

        class _S:
            def __enter__(self):
                self.t = time.perf_counter()

            def __exit__(self, *exc):
                clock.seconds[name] = time.perf_counter() - self.t
                if clock.memory:
                    clock.peak_mb[name] = peak_rss_mb()

        return _S()


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run(input_path=None, output_path=None, write=True, tee=False, via="direct") -> RunReport:
    """Solve ``input_path`` (default: the embedded Kazakhstan case) and write the solution workbook.

    ``via``: ``direct`` hands the formulation to HiGHS in one call (fast); ``pyomo`` builds the Pyomo
    ConcreteModel and solves it through Pyomo's persistent HiGHS interface.  Raises `InputError` (nothing
    written) when the input is invalid.  The report carries the solver's result; callers decide what an
    unproven or missing plan means for them.
    """
    from .build import build_model, formulate
    from .data import prepare
    from .extract import cost_breakdown, extract
    from .solve import solve
    from .validate import validate
    from .writer import write_solution

    input_path = Path(input_path) if input_path else DEFAULT_INPUT
    output_path = Path(output_path) if output_path else default_output(input_path)
    clock = StageClock()
    with clock.stage("read"):
        raw = read_workbook(input_path)
    with clock.stage("validate"):
        inputs = validate(raw)
    del raw
    with clock.stage("build"):
        data = prepare(inputs)
        target = build_model(data) if via == "pyomo" else formulate(data)
    f = getattr(target, "_formulation", target)
    stats = f.spec.stats()
    with clock.stage("solve"):
        result = solve(target, data.settings, tee=tee)
    if "handover_s" in result.stats:  # report the hand-over as its own stage, before the solve
        solve_s = clock.seconds.pop("solve")
        clock.seconds["handover"] = result.stats["handover_s"]
        clock.seconds["solve"] = solve_s - result.stats["handover_s"]
    report = RunReport(input_path, output_path if write and result.has_plan else None, result,
                       stats=stats, warnings=list(inputs.warnings) + list(data.warnings))
    report.costs = cost_breakdown(f, result.x) if result.has_plan else {}
    if result.has_plan:
        with clock.stage("extract"):
            report.tables = extract(f, result, dict(clock.seconds), stats, report.costs)
        if write:
            with clock.stage("write"):
                write_solution(report.tables, output_path, input_path=input_path)
    report.seconds = clock.seconds
    return report
