"""Command line: corridor solve | validate | template | export | bench | pareto | docs | check | study | sweep.

`main` parses the arguments (every option checked: a blank ``-o``, a time limit that is not a positive number,
a frontier of more points than is meaningful are usage errors, exit 64: `EXIT_USAGE`) and runs one command of
`corridor.cli.commands` or `corridor.cli.runs`; ``-v``, ``-q``, ``--json`` and the solver overrides are
`corridor.cli.terminal`'s.  Ctrl-C and SIGTERM stop any command cleanly: a running solve
is cancelled, study workers end with their parent, locks are released, nothing half-written is left, and the
exit code is 130 (Ctrl-C) or 143 (SIGTERM); `corridor.cli.codes` lists every exit code.
"""
from __future__ import annotations

import argparse
import platform
import signal
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

from corridor import __version__
from corridor.cli.codes import (
    EXIT_INPUT,
    EXIT_INTERRUPTED,
    EXIT_NO_PLAN,
    EXIT_NOT_PROVEN,
    EXIT_OK,
    EXIT_OUTPUT,
    EXIT_SCENARIO_FAILED,
    EXIT_STOPPED_NO_PLAN,
    EXIT_TERMINATED,
    EXIT_USAGE,
    EXIT_VIOLATIONS,
    INTERRUPTED,
    Terminated,
)
from corridor.cli.commands import cmd_check, cmd_docs, cmd_export, cmd_solve, cmd_template, cmd_validate
from corridor.cli.runs import cmd_bench, cmd_pareto, cmd_study
from corridor.cli.terminal import (
    Parser,
    add_solver_options,
    add_terminal_options,
    finish,
    seconds_above_zero,
    terminal,
)

MAX_POINTS = 101  # a frontier of more points than this is no clearer, only slower (2 solves a point)
METRICS = ("expected_shortfall", "cvar_shortfall", "worst_case_shortfall", "max_dependence")
EXIT_CODES = """exit codes (every command):
  0    done: a plan proven optimal, a valid workbook, a file written
  1    bench: a published optimum not reproduced, or a run failed
  2    an input workbook (or file) is not valid or cannot be read; nothing is written
  3    no plan exists (infeasible or unbounded); nothing is written
  4    the output cannot be written (not corridor's own file without --force, locked, not writable)
  5    a plan is written but NOT proven optimal (the time limit stopped the solver)
  6    the solver stopped before it found any plan; nothing is written
  7    check: the solution breaks at least one rule of its input
  8    study / sweep: at least one run has no plan (the others are written)
  64   usage error: the command line is wrong (unknown command or option, a value out of range)
  130  Ctrl-C; 143 SIGTERM: stopped cleanly, nothing half-written

-q prints only errors, --json one JSON object on stdout; progress is drawn on stderr at a terminal
(CORRIDOR_PROGRESS=1 forces it, 0 turns it off)."""


def _positive_int(text):
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number >= 1")
    return n


def _points(text):
    n = _positive_int(text)
    if n < 2:
        raise argparse.ArgumentTypeError("a frontier needs at least 2 points (its two ends)")
    if n > MAX_POINTS:
        raise argparse.ArgumentTypeError(f"{n} points: at most {MAX_POINTS} (each point is two solves)")
    return n


def _workers(text):
    try:
        n = int(text)
    except ValueError:
        n = -1
    if n < 0:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number >= 0")
    return n


def _name(text):
    if not text.strip():
        raise argparse.ArgumentTypeError("needs a file name (it is blank)")
    return text


def _force(parser):
    parser.add_argument("--force", action="store_true", help="replace an existing file that is not an earlier "
                                                             "output of this command")


def _study_options(parser):
    parser.add_argument("--workers", type=_workers, help="worker processes (default: one per core; 0: solve in "
                                                         "this process)")
    parser.add_argument("--dask", metavar="SCHEDULER_ADDRESS", help="send the runs to this Dask distributed "
                                                                   "scheduler (pip install 'corridor[dask]')")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the model for every run (no in-place "
                                                               "re-solve; for measuring)")
    _force(parser)


class _Version(argparse.Action):
    """``--version``: print `version_text` on one line (argparse's own action wraps it) and exit 0."""

    def __init__(self, option_strings, dest, **kw):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kw)

    def __call__(self, parser, namespace, values, option_string=None):
        print(version_text())
        parser.exit(0)


def version_text() -> str:
    """``corridor X (Python Y; HiGHS Z, Pyomo W, ...)``: what a bug report needs (installed versions, read
    from the package metadata without importing the packages)."""
    parts = []
    for dist in ("highspy", "pyomo", "pandas", "openpyxl", "numpy"):
        try:
            parts.append(f"{dist} {version(dist)}")
        except PackageNotFoundError:
            parts.append(f"{dist} not installed")
    return f"corridor {__version__} (Python {platform.python_version()}; {', '.join(parts)})"


def parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    p = Parser(prog="corridor", description="Export-corridor optimisation driven from Excel.", epilog=EXIT_CODES,
               formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action=_Version, help="show the versions of corridor, Python and its solvers")
    add_terminal_options(p, top=True)
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("solve", help="solve a workbook (default: the embedded Kazakhstan case)")
    s.add_argument("input", nargs="?", type=_name, help="input workbook (.xlsx)")
    s.add_argument("-o", "--output", type=_name, help="solution workbook (default: outputs/<input>-solution.xlsx)")
    add_solver_options(s)
    _force(s)
    s.set_defaults(func=cmd_solve)
    v = sub.add_parser("validate", help="report every input error at once")
    v.add_argument("input", type=_name)
    v.set_defaults(func=cmd_validate)
    t = sub.add_parser("template", help="write an empty input workbook with a README sheet and dropdowns")
    t.add_argument("output", type=_name)
    t.add_argument("--from", dest="from_input", type=_name,
                   help="fill the template with the rows and settings of this workbook")
    _force(t)
    t.set_defaults(func=cmd_template)
    x = sub.add_parser("export", help="write the model as MPS or LP for any solver")
    x.add_argument("input", type=_name)
    x.add_argument("--format", choices=("mps", "lp"), default="mps")
    x.add_argument("-o", "--output", type=_name, help="default: outputs/<input>.<format>")
    _force(x)
    x.set_defaults(func=cmd_export)
    b = sub.add_parser("bench", help="benchmark: reference problems and scaled instances, per stage and solver")
    b.add_argument("--reference", action="store_true", help="solve every published reference problem")
    b.add_argument("--sizes", help="comma-separated generated sizes: xs, s, m, l, or none (default all, unless "
                                   "--reference)")
    b.add_argument("--solvers", default="highs", help="comma-separated: highs, appsi_highs, highs_mps, cbc, glpk, "
                                                      "scip (absent ones are skipped with a note)")
    b.add_argument("--cases", default="default,strategic",
                   help="comma-separated embedded cases to time too: default, strategic, or none (default both)")
    b.add_argument("--objectives", help="comma-separated objectives to time on the cases besides min cost (always "
                                        "timed): expected_shortfall, cvar_shortfall, worst_case_shortfall, "
                                        "max_dependence (max_security with that metric), frontierN (an N-point "
                                        "frontier), or all (every metric and frontier5); default: all on the "
                                        "default case, min_cost on the strategic case; min_cost only when "
                                        "--sizes or --reference is given")
    b.add_argument("--repeat", type=_positive_int, default=1)
    b.add_argument("--seed", type=int, default=1)
    b.add_argument("--time-limit", type=seconds_above_zero,
                   help="solver seconds per run, above 0 (default: the instance's setting)")
    b.add_argument("--in-memory", action="store_true", help="build generated instances in memory (no workbook)")
    b.add_argument("--external", type=_name, help="folder of the reference problems (default: shared/external "
                                                  "beside this folder or the source checkout)")
    b.add_argument("-o", "--output", type=_name, help="results folder (default outputs/bench)")
    _force(b)
    b.set_defaults(func=cmd_bench)
    q = sub.add_parser("pareto", help="cost-security frontier: N plans from the min-cost to the most secure")
    q.add_argument("input", type=_name)
    q.add_argument("--points", type=_points, default=5, help=f"number of points (2..{MAX_POINTS}, default 5)")
    q.add_argument("--metric", choices=METRICS, help="default: the workbook's security_metric")
    q.add_argument("-o", "--output", type=_name, help="frontier workbook (default outputs/<input>-pareto.xlsx); "
                                                      "the PNG is written beside it")
    add_solver_options(q)
    _force(q)
    q.set_defaults(func=cmd_pareto)
    d = sub.add_parser("docs", help="print (or write) the input reference generated from the schema")
    d.add_argument("-o", "--output", type=_name, help="a Markdown file (.md)")
    d.add_argument("--formulation", metavar="FILE", type=_name,
                   help="refresh the constraint-family table of FILE (e.g. docs/formulation.md) from the registry")
    _force(d)
    d.set_defaults(func=cmd_docs)
    c = sub.add_parser("check", help="verify a solution workbook against its input: every violation with its rows")
    c.add_argument("input", type=_name, help="input workbook (.xlsx)")
    c.add_argument("solution", type=_name, help="solution workbook (.xlsx), as written by corridor solve or edited "
                                                "by hand")
    c.set_defaults(func=cmd_check)
    st = sub.add_parser("study", help="solve the base and the scenarios of the scenarios sheet in parallel; "
                                      "write each plan and comparison.xlsx")
    st.add_argument("input", type=_name, help="input workbook (.xlsx) with a scenarios sheet")
    pick = st.add_mutually_exclusive_group()
    pick.add_argument("--scenarios", help="comma-separated scenario names (default: all)")
    pick.add_argument("--all", action="store_true", help="every scenario of the sheet (the default)")
    st.add_argument("-o", "--output", type=_name, help="folder for the plans and comparison.xlsx (default "
                                                       "outputs/<input>-study)")
    add_solver_options(st)
    _study_options(st)
    st.set_defaults(func=cmd_study)
    sw = sub.add_parser("sweep", help="one-parameter sensitivity: solve the workbook with one column set to each "
                                      "value; comparison.xlsx with line charts")
    sw.add_argument("input", type=_name, help="input workbook (.xlsx)")
    sw.add_argument("--set", required=True, metavar="SHEET:KEY:COLUMN",
                    help="what to vary, e.g. legs:FERRY-AKTAU-BAKU:capacity_t or demand:*:quantity_t")
    sw.add_argument("--values", required=True, help="comma-separated: 0.5x,1x,2x (multiply), +100, +30%%, or "
                                                     "absolute values")
    sw.add_argument("-o", "--output", type=_name, help="folder (default outputs/<input>-sweep)")
    add_solver_options(sw)
    _study_options(sw)
    sw.set_defaults(func=cmd_study)
    for command in sub.choices.values():
        add_terminal_options(command)
    return p


def _terminate(signum, frame):
    raise Terminated()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line on ``argv`` (default: the process's arguments); return the exit code (a usage
    error exits with `EXIT_USAGE` from argparse).  ``-q``, ``--json`` and ``-v`` are handled here
    (`corridor.cli.terminal`): the JSON object is printed once the command has its exit code."""
    args = parser().parse_args(argv)
    with terminal(args) as summary:
        code = _run(args)
    finish(args, summary, code)
    return code


def _run(args):
    """The command of ``args``, with its signals, interrupts and unwritable outputs turned into exit codes."""
    previous = previous_int = None
    try:
        previous = signal.signal(signal.SIGTERM, _terminate)
        # Ctrl-C (SIGINT) interrupts even when the parent process ignored it: a child inherits an ignored SIGINT
        # (a test runner's worker, a shell's background job), and Python then never raises KeyboardInterrupt
        previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)
    except ValueError:  # not the main thread (an embedding program): the signals keep their own handling
        previous = previous_int = None
    try:
        return args.func(args)
    except Terminated:
        print(f"corridor: terminated (SIGTERM) during `corridor {args.command}`; {INTERRUPTED}", file=sys.stderr)
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        print(f"\ncorridor: interrupted (Ctrl-C) during `corridor {args.command}`; {INTERRUPTED}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as e:  # a folder that cannot be created, a file that cannot be written ...
        print(f"corridor: {e.strerror or e}: {e.filename or ''}", file=sys.stderr)
        return EXIT_OUTPUT
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        if previous_int is not None:
            signal.signal(signal.SIGINT, previous_int)


__all__ = ["EXIT_CODES", "EXIT_INPUT", "EXIT_INTERRUPTED", "EXIT_NOT_PROVEN", "EXIT_NO_PLAN", "EXIT_OK",
           "EXIT_OUTPUT", "EXIT_SCENARIO_FAILED", "EXIT_STOPPED_NO_PLAN", "EXIT_TERMINATED", "EXIT_USAGE",
           "EXIT_VIOLATIONS", "main", "parser", "version_text"]
