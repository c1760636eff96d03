"""Command line: corridor solve | validate | template | export | bench | pareto | docs | check | study | sweep.

Each command imports the layers it runs when it runs (the one place in corridor where imports sit inside
functions): ``corridor --help``, ``--version`` and a mistyped command answer at once, without loading
openpyxl, pandas, HiGHS or Pyomo.
"""
from __future__ import annotations

import argparse
import platform
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from corridor import __version__
from corridor.io.issues import InputError

EXIT_OK, EXIT_INPUT, EXIT_NO_PLAN, EXIT_OUTPUT = 0, 2, 3, 4
# 5: a plan was written but the solver stopped (time limit ...) before proving it optimal;
# 6: the solver stopped (time limit, error) before it found any plan: nothing was written.
EXIT_NOT_PROVEN, EXIT_STOPPED_NO_PLAN = 5, 6
EXIT_VIOLATIONS = 7  # corridor check: the plan breaks at least one rule of its input
EXIT_SCENARIO_FAILED = 8  # corridor study / sweep: at least one scenario has no plan (the others are written)


def _print_issues(issues, out=None):
    out = out or sys.stderr
    errors = [i for i in issues if i.severity == "error"]
    for i in issues:
        print(f"  {i}", file=out)
    if errors:
        print(f"{len(errors)} error(s) in the input; nothing was written.", file=out)


def _invalid(what, error) -> int:
    """Report an input that is not valid (every problem) and return its exit code."""
    print(f"corridor: the input {what} is not valid:", file=sys.stderr)
    _print_issues(error.issues)
    return EXIT_INPUT


def _money(x):
    return f"{x:,.0f}"


def cmd_solve(args: argparse.Namespace) -> int:
    """``corridor solve``: validate, build, solve and write the solution workbook; print what was found."""
    from corridor.io.files import OutputError
    from corridor.pipeline import run


    try:
        rep = run(args.input, args.output, tee=args.verbose)
    except InputError as e:
        return _invalid(args.input or "default case", e)
    except (OutputError, OSError) as e:
        print(f"corridor: could not write the solution: {e}", file=sys.stderr)
        return EXIT_OUTPUT
    for w in rep.warnings:
        print(f"  {w}")
    r = rep.result
    cur = rep.tables["summary"].set_index("item")["value"].get("currency", "") if rep.tables else ""
    print(f"input      {rep.input_path}")
    print(f"status     {r.status}: {r.message}")
    if not r.has_plan and rep.explanation is not None:
        for line in rep.explanation.lines(limit=60):
            print(line)
    if r.has_plan:
        print(f"objective  {_money(r.objective)} {cur}")
        if r.bound is not None:
            print(f"bound      {_money(r.bound)} {cur}   gap {100 * (r.gap or 0):.4f}%")
        for k, v in rep.costs.items():
            print(f"  {k:<18}{_money(v):>20}")
    if rep.security.get("security_metric"):
        s = rep.security
        if s.get("metric_value") is not None:
            print(f"security   {s['security_metric']} {s['metric_value']:.6g} (share of demand), within the cost "
                  f"budget {_money(s['cost_budget'])} {cur}" + (f" (min-cost optimum {_money(s['min_cost'])})"
                                                                   if s.get("min_cost") is not None else ""))
    if "security" in rep.tables:
        tot = rep.tables["security"]
        tot = tot[tot.scope == "total"].set_index("metric")["value"]
        print(f"scenarios  {len(rep.tables['scenarios'])}: expected shortfall "
              f"{100 * tot['expected_shortfall_share']:.2f}% of demand, worst case "
              f"{100 * tot['worst_case_shortfall_share']:.2f}%, CVaR {100 * tot['cvar_shortfall_share']:.2f}%")
    print("model      " + ", ".join(f"{k} {v:,}" for k, v in rep.stats.items()))
    print("seconds    " + ", ".join(f"{k} {v:.2f}" for k, v in rep.seconds.items()))
    if rep.output_path:
        print(f"written    {rep.output_path}")
        if not r.proven_optimal:
            gap = f"{100 * r.gap:.4f}%" if r.gap is not None else "unknown"
            print(f"corridor: the plan written is NOT proven optimal ({r.status}, gap {gap}); raise "
                  "time_limit_s in settings to prove it", file=sys.stderr)
            return EXIT_NOT_PROVEN
        return EXIT_OK
    if r.status in ("infeasible", "unbounded"):
        print("no plan was found; nothing was written.", file=sys.stderr)
        return EXIT_NO_PLAN
    print(f"corridor: the solver stopped ({r.status}: {r.message}) before it found any plan; nothing was "
          "written. Raise time_limit_s in settings and run again.", file=sys.stderr)
    return EXIT_STOPPED_NO_PLAN


def _read_valid(path):
    """Validated inputs of ``path``, or None after printing every problem."""
    from corridor.io.validate import read_inputs


    try:
        return read_inputs(path)
    except InputError as e:
        print(f"{path}: not valid", file=sys.stderr)
        _print_issues(e.issues)
        return None


def cmd_validate(args: argparse.Namespace) -> int:
    """``corridor validate``: every input error at once, or the sheets' row counts when the workbook is valid."""
    inputs = _read_valid(args.input)
    if inputs is None:
        return EXIT_INPUT
    for w in inputs.warnings:
        print(f"  {w}")
    counts = ", ".join(f"{k} {len(v)}" for k, v in inputs.tables.items() if v)
    print(f"{args.input}: valid ({counts})")
    return EXIT_OK


def cmd_template(args: argparse.Namespace) -> int:
    """``corridor template``: an empty input workbook generated from the schema (dropdowns from ``--from``)."""
    from corridor.io.files import same_file
    from corridor.io.template import write_template


    src = None
    if args.from_input:
        if same_file(args.from_input, args.output):
            print("corridor: refusing to write the template over its --from input", file=sys.stderr)
            return EXIT_OUTPUT
        src = _read_valid(args.from_input)
        if src is None:
            return EXIT_INPUT
    path = write_template(args.output, src)
    print(f"written    {path}")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    """``corridor export``: the model as MPS or LP, with readable names, for any solver."""
    from corridor.formulation.build import formulate
    from corridor.io.files import same_file
    from corridor.pipeline import output_dir
    from corridor.solve.highs import write_model


    inputs = _read_valid(args.input)
    if inputs is None:
        return EXIT_INPUT
    out = Path(args.output) if args.output else output_dir() / f"{Path(args.input).stem}.{args.format}"
    if out.suffix.lower() != f".{args.format}":
        print(f"corridor: the output must end in .{args.format}", file=sys.stderr)
        return EXIT_OUTPUT
    if same_file(args.input, out):
        print("corridor: refusing to write over the input", file=sys.stderr)
        return EXIT_OUTPUT
    f = formulate(inputs)  # with its disruption scenarios, if any (the model `corridor solve` minimises)
    d = f.d
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.stem}.tmp{out.suffix}")
    write_model(f.spec, tmp, d.settings)
    tmp.replace(out)
    print("model      " + ", ".join(f"{k} {v:,}" for k, v in f.spec.stats().items()))
    print(f"written    {out}")
    return EXIT_OK


def cmd_bench(args: argparse.Namespace) -> int:
    """``corridor bench``: the benchmark of reference problems and scaled instances."""
    from corridor.bench.reference import default_external
    from corridor.bench.report import write_outputs
    from corridor.bench.runner import SOLVERS, plan_jobs, run_jobs
    from corridor.pipeline import output_dir


    sizes = [s for s in (args.sizes or "").split(",") if s]
    solvers = [s for s in args.solvers.split(",") if s]
    unknown = [s for s in solvers if s not in SOLVERS]
    if unknown:
        print(f"corridor: unknown solver(s) {', '.join(unknown)}; known: {', '.join(SOLVERS)}", file=sys.stderr)
        return EXIT_INPUT
    external = Path(args.external) if args.external else default_external()
    if args.reference and (external is None or not external.is_dir()):
        where = f"at {external}" if external is not None else "(no shared/external beside this folder)"
        print(f"corridor: reference problems not found {where}; give --external FOLDER (the test suite's "
              "subset is tests/data in the repository)", file=sys.stderr)
        return EXIT_INPUT
    if not sizes and not args.reference:
        sizes = ["xs", "s", "m", "l"]
    out = Path(args.output) if args.output else output_dir() / "bench"
    try:
        jobs = plan_jobs(out, sizes=sizes, reference=args.reference, external=external, solvers=solvers,
                         repeat=args.repeat, seed=args.seed, time_limit=args.time_limit, in_memory=args.in_memory)
    except ValueError as e:
        print(f"corridor: {e}", file=sys.stderr)
        return EXIT_INPUT
    records = run_jobs(jobs)
    res = write_outputs(records, out)
    print(res["targets"].to_string(index=False))
    print(f"written    {res['workbook']}\nwritten    {res['csv']}")
    for p in res["charts"]:
        print(f"written    {p}")
    bad = [r for r in records if r.get("status") == "error"
           or (r.get("reference_optimum") is not None and r.get("status") != "skipped" and r.get("match") != "yes")]
    for r in bad:
        print(f"MISMATCH or ERROR: {r['instance']} {r['solver']}: {r.get('status')} {r.get('objective')} "
              f"(published {r.get('reference_optimum')}) {r.get('note', '')}", file=sys.stderr)
    return 1 if bad else EXIT_OK


def cmd_pareto(args: argparse.Namespace) -> int:
    """``corridor pareto``: the cost-security frontier, as a workbook with a native chart and a PNG."""
    from corridor.io.files import OutputError, output_lock
    from corridor.pipeline import output_dir
    from corridor.studies.pareto import frontier, write_pareto


    inputs = _read_valid(args.input)
    if inputs is None:
        return EXIT_INPUT
    out = Path(args.output) if args.output else output_dir() / f"{Path(args.input).stem}-pareto.xlsx"
    try:
        with output_lock(out):  # held through the sweep: a second frontier run on this output is refused
            table, ss, settings = frontier(inputs, args.points, args.metric, tee=args.verbose)
            if "expected_cost" not in table or table["expected_cost"].isna().all():
                print(f"corridor: no plan at any point: {table['status'].iloc[0]}", file=sys.stderr)
                return EXIT_NO_PLAN
            paths = write_pareto(table, out, settings, ss.solves, input_path=args.input)
    except (OutputError, OSError) as e:
        print(f"corridor: could not write the frontier: {e}", file=sys.stderr)
        return EXIT_OUTPUT
    metric = settings["security_metric"]
    show = table[["point", "status", "expected_cost", f"optimised:{metric}", "routes_used", "sites_open"]]
    print(show.to_string(index=False))
    for p in paths:
        print(f"written    {p}")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    """Verify a solution workbook against its input (corridor/check/checker.py); the solution is never written."""
    from corridor.check.checker import SolutionError, check, format_report


    try:
        report = check(args.input, args.solution)
    except InputError as e:
        return _invalid(args.input, e)
    except SolutionError as e:
        print(f"corridor: cannot check {args.solution}: {e}", file=sys.stderr)
        return EXIT_INPUT
    for line in format_report(report):
        print(line)
    return EXIT_OK if report.ok else EXIT_VIOLATIONS


def cmd_study(args: argparse.Namespace) -> int:
    """Corridor study / corridor sweep: the base and each scenario solved in worker processes."""
    from corridor.io.files import OutputError
    from corridor.studies.runner import run_study


    names = None
    if getattr(args, "scenarios", None):
        names = [n.strip() for n in args.scenarios.split(",") if n.strip()]
    sweep = (args.set, [v for v in args.values.split(",")]) if args.command == "sweep" else None
    try:
        rep = run_study(args.input, names=names, workers=args.workers, out_dir=args.output, dask=args.dask,
                        sweep=sweep, reuse=not args.rebuild, log=lambda line: print(line, flush=True),
                        progress=sys.stderr)
    except InputError as e:
        return _invalid(args.input, e)
    except (OutputError, OSError) as e:
        print(f"corridor: could not write the study: {e}", file=sys.stderr)
        return EXIT_OUTPUT
    failed = [r for r in rep.results if not r.has_plan]
    unproven = [r for r in rep.results if r.has_plan and r.status != "optimal"]
    print(f"runs       {len(rep.results)} ({len(rep.results) - len(failed)} with a plan) on {rep.workers} "
          f"worker{'s' if rep.workers != 1 else ''}, {rep.seconds:.1f} s")
    print(f"written    {rep.comparison}")
    print(f"plans in   {rep.out_dir}")
    if failed:
        print("corridor: no plan for " + ", ".join(f"{r.name} ({r.status})" for r in failed) + "; the other runs "
              "are written and compared", file=sys.stderr)
        return EXIT_SCENARIO_FAILED
    if unproven:
        print("corridor: NOT proven optimal: " + ", ".join(r.name for r in unproven), file=sys.stderr)
        return EXIT_NOT_PROVEN
    return EXIT_OK


def _workers(text):
    try:
        n = int(text)
    except ValueError:
        n = -1
    if n < 0:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number >= 0")
    return n


def _study_options(parser):
    parser.add_argument("--workers", type=_workers, help="worker processes (default: one per core; 0: solve in "
                                                         "this process)")
    parser.add_argument("--dask", metavar="SCHEDULER_ADDRESS", help="send the runs to this Dask distributed "
                                                                   "scheduler (pip install 'corridor[dask]')")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the model for every run (no in-place "
                                                               "re-solve; for measuring)")


def cmd_docs(args: argparse.Namespace) -> int:
    """Print or write the input reference (from the schema), or refresh the family table of a formulation
    document (``--formulation``, from the family registry) in place."""
    from corridor.io.template import inputs_markdown

    if args.formulation:
        from corridor.formulation.families import DOCS_END, DOCS_START, families_markdown

        path = Path(args.formulation)
        text = path.read_text()
        if DOCS_START not in text or DOCS_END not in text:
            print(f"corridor: {path} has no family table markers ({DOCS_START} ... {DOCS_END})", file=sys.stderr)
            return EXIT_INPUT
        head, rest = text.split(DOCS_START, 1)
        tail = rest.split(DOCS_END, 1)[1]
        path.write_text(head + DOCS_START + "\n" + families_markdown() + DOCS_END + tail)
        print(f"written    {path}")
        return EXIT_OK
    text = inputs_markdown()
    if args.output:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(text)
        print(f"written    {args.output}")
    else:
        print(text)
    return EXIT_OK


def _positive_int(text):
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number >= 1")
    return n


def _at_least_two(text):
    n = _positive_int(text)
    if n < 2:
        raise argparse.ArgumentTypeError("a frontier needs at least 2 points (its two ends)")
    return n


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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line on ``argv`` (default: the process's arguments); return the exit code."""
    p = argparse.ArgumentParser(prog="corridor", description="Export-corridor optimisation driven from Excel.")
    p.add_argument("--version", action=_Version, help="show the versions of corridor, Python and its solvers")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("solve", help="solve a workbook (default: the embedded Kazakhstan case)")
    s.add_argument("input", nargs="?", help="input workbook (.xlsx)")
    s.add_argument("-o", "--output", help="solution workbook (default: outputs/<input>-solution.xlsx)")
    s.add_argument("-v", "--verbose", action="store_true", help="show the solver log")
    s.set_defaults(func=cmd_solve)
    v = sub.add_parser("validate", help="report every input error at once")
    v.add_argument("input")
    v.set_defaults(func=cmd_validate)
    t = sub.add_parser("template", help="write an empty input workbook with a README sheet and dropdowns")
    t.add_argument("output")
    t.add_argument("--from", dest="from_input", help="restrict id columns to the ids declared in this workbook")
    t.set_defaults(func=cmd_template)
    x = sub.add_parser("export", help="write the model as MPS or LP for any solver")
    x.add_argument("input")
    x.add_argument("--format", choices=("mps", "lp"), default="mps")
    x.add_argument("-o", "--output", help="default: outputs/<input>.<format>")
    x.set_defaults(func=cmd_export)
    b = sub.add_parser("bench", help="benchmark: reference problems and scaled instances, per stage and solver")
    b.add_argument("--reference", action="store_true", help="solve every published reference problem")
    b.add_argument("--sizes", help="comma-separated generated sizes: xs, s, m, l (default all, unless --reference)")
    b.add_argument("--solvers", default="highs", help="comma-separated: highs, appsi_highs, highs_mps, cbc, glpk, "
                                                      "scip (absent ones are skipped with a note)")
    b.add_argument("--repeat", type=_positive_int, default=1)
    b.add_argument("--seed", type=int, default=1)
    b.add_argument("--time-limit", type=float, help="solver seconds per run (default: the instance's setting)")
    b.add_argument("--in-memory", action="store_true", help="build generated instances in memory (no workbook)")
    b.add_argument("--external", help="folder of the reference problems (default: shared/external beside this folder "
                                         "or the source checkout)")
    b.add_argument("-o", "--output", help="results folder (default outputs/bench)")
    b.set_defaults(func=cmd_bench)
    q = sub.add_parser("pareto", help="cost-security frontier: N plans from the min-cost to the most secure")
    q.add_argument("input")
    q.add_argument("--points", type=_at_least_two, default=5, help="number of points (>= 2, default 5)")
    q.add_argument("--metric", choices=("expected_shortfall", "cvar_shortfall", "worst_case_shortfall",
                                        "max_dependence"), help="default: the workbook's security_metric")
    q.add_argument("-o", "--output", help="frontier workbook (default outputs/<input>-pareto.xlsx); the PNG "
                                          "is written beside it")
    q.add_argument("-v", "--verbose", action="store_true", help="show the solver log")
    q.set_defaults(func=cmd_pareto)
    d = sub.add_parser("docs", help="print (or write) the input reference generated from the schema")
    d.add_argument("-o", "--output")
    d.add_argument("--formulation", metavar="FILE", help="refresh the constraint-family table of FILE (e.g. "
                                                          "docs/formulation.md) from the family registry")
    d.set_defaults(func=cmd_docs)
    c = sub.add_parser("check", help="verify a solution workbook against its input: every violation with its rows")
    c.add_argument("input", help="input workbook (.xlsx)")
    c.add_argument("solution", help="solution workbook (.xlsx), as written by corridor solve or edited by hand")
    c.set_defaults(func=cmd_check)
    st = sub.add_parser("study", help="solve the base and the scenarios of the scenarios sheet in parallel; "
                                      "write each plan and comparison.xlsx")
    st.add_argument("input", help="input workbook (.xlsx) with a scenarios sheet")
    pick = st.add_mutually_exclusive_group()
    pick.add_argument("--scenarios", help="comma-separated scenario names (default: all)")
    pick.add_argument("--all", action="store_true", help="every scenario of the sheet (the default)")
    st.add_argument("-o", "--output", help="folder for the plans and comparison.xlsx (default "
                                           "outputs/<input>-study)")
    _study_options(st)
    st.set_defaults(func=cmd_study)
    sw = sub.add_parser("sweep", help="one-parameter sensitivity: solve the workbook with one column set to each "
                                      "value; comparison.xlsx with line charts")
    sw.add_argument("input", help="input workbook (.xlsx)")
    sw.add_argument("--set", required=True, metavar="SHEET:KEY:COLUMN",
                    help="what to vary, e.g. legs:FERRY-AKTAU-BAKU:capacity_t or demand:*:quantity_t")
    sw.add_argument("--values", required=True, help="comma-separated: 0.5x,1x,2x (multiply), +100, +30%%, or "
                                                     "absolute values")
    sw.add_argument("-o", "--output", help="folder (default outputs/<input>-sweep)")
    _study_options(sw)
    sw.set_defaults(func=cmd_study)
    args = p.parse_args(argv)
    try:
        return args.func(args)
    except OSError as e:  # a folder that cannot be created, a file that cannot be written ...
        print(f"corridor: {e.strerror or e}: {e.filename or ''}", file=sys.stderr)
        return EXIT_OUTPUT


if __name__ == "__main__":
    sys.exit(main())
