"""The commands that solve many times: bench, pareto, study and sweep (imports per command, as in
`corridor.cli.commands`)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from corridor.cli.codes import (
    EXIT_BENCH_MISMATCH,
    EXIT_INPUT,
    EXIT_NO_PLAN,
    EXIT_NOT_PROVEN,
    EXIT_OK,
    EXIT_SCENARIO_FAILED,
    EXIT_USAGE,
    invalid,
    record,
    record_file,
    refused,
    wrote,
)
from corridor.cli.commands import not_an_input, read_valid
from corridor.cli.terminal import log_level, overrides, progress, quiet, verbosity
from corridor.io.issues import InputError


def cmd_bench(args: argparse.Namespace) -> int:
    """``corridor bench``: the benchmark of reference problems and scaled instances."""
    from corridor.bench.objectives import parse_objectives
    from corridor.bench.reference import default_external
    from corridor.bench.report import outputs_of, write_outputs
    from corridor.bench.runner import CASES, SOLVERS, plan_jobs, run_jobs
    from corridor.io.files import OutputError
    from corridor.io.targets import check_target
    from corridor.pipeline import output_dir

    sizes = [s for s in (args.sizes or "").split(",") if s]
    solvers = [s for s in args.solvers.split(",") if s]
    unknown = [s for s in solvers if s not in SOLVERS]
    if unknown:
        print(f"corridor: unknown solver(s) {', '.join(unknown)}; known: {', '.join(SOLVERS)}", file=sys.stderr)
        return EXIT_USAGE
    external = Path(args.external) if args.external else default_external()
    if args.reference and (external is None or not external.is_dir()):
        where = f"at {external}" if external is not None else "(no shared/external beside this folder)"
        print(f"corridor: reference problems not found {where}; give --external FOLDER (the test suite's "
              "subset is tests/data in the repository)", file=sys.stderr)
        return EXIT_INPUT
    cases = [c.strip() for c in args.cases.split(",") if c.strip() and c.strip() != "none"]
    unknown = [c for c in cases if c not in CASES]
    if unknown:
        print(f"corridor: unknown case {unknown[0]!r} for --cases (allowed: {', '.join(CASES)} or none)",
              file=sys.stderr)
        return EXIT_USAGE
    try:
        objectives = None if args.objectives is None else parse_objectives(args.objectives)
    except ValueError as e:
        print(f"corridor: {e}", file=sys.stderr)
        return EXIT_USAGE
    if objectives is None and ((sizes and sizes != ["none"]) or args.reference):
        objectives = ["min_cost"]  # a run of the scaled or reference instances times the cases as before
    if not sizes and not args.reference:
        sizes = ["xs", "s", "m", "l"]
    sizes = [s for s in sizes if s != "none"]  # --sizes none: the cases (and --reference) only
    out = Path(args.output) if args.output is not None else output_dir() / "bench"
    try:
        if not str(out).strip():
            raise OutputError("-o needs a folder name (it is blank)")
        if out.exists() and not out.is_dir():
            raise OutputError(f"{out} is a file, not a folder")
        for path, kind in outputs_of(out):
            if path.exists():
                check_target(path, kind, args.force)
    except OutputError as e:
        return refused("the benchmark", e)
    try:
        jobs = plan_jobs(out, sizes=sizes, reference=args.reference, external=external, solvers=solvers,
                         cases=cases, repeat=args.repeat, seed=args.seed, time_limit=args.time_limit,
                         in_memory=args.in_memory, objectives=objectives)
    except ValueError as e:
        print(f"corridor: {e}", file=sys.stderr)
        return EXIT_INPUT
    if not jobs:
        print("corridor: nothing to time (--sizes none, --cases none and no --reference)", file=sys.stderr)
        return EXIT_USAGE
    with progress(args, "corridor bench", len(jobs)) as bar:
        def line(text):
            with bar.outside():
                print(text, flush=True)
            bar.advance()
        records = run_jobs(jobs, progress=line)
    res = write_outputs(records, out)
    for r, ratio in zip(records, res["frame"]["x_min_cost"]):
        if ratio == ratio:  # not NaN: a highs record with a min-cost solve of its instance to compare with
            r["x_min_cost"] = float(ratio)
    print(res["targets"].to_string(index=False))
    for p in [res["workbook"], res["csv"], *res["charts"]]:
        wrote(p)
    bad = [r for r in records if r.get("status") == "error"
           or (r.get("reference_optimum") is not None and r.get("status") != "skipped" and r.get("match") != "yes")]
    for r in bad:
        print(f"MISMATCH or ERROR: {r['instance']} {r['solver']} {r.get('objective_kind', '')}: {r.get('status')} "
              f"{r.get('objective')} "
              f"(published {r.get('reference_optimum')}) {r.get('note', '')}", file=sys.stderr)
    keep = ("instance", "solver", "objective_kind", "status", "objective", "metric_value", "s_solve", "x_min_cost",
            "steps", "steps_proven", "reference_optimum", "match", "nonzeros", "note")
    record(runs=[{k: r.get(k) for k in keep if k in r} for r in records],
           mismatches=[f"{r['instance']} {r['solver']}" for r in bad])
    return EXIT_BENCH_MISMATCH if bad else EXIT_OK


def cmd_pareto(args: argparse.Namespace) -> int:
    """``corridor pareto``: the cost-security frontier, as a workbook with a native chart and a PNG."""
    from corridor.io.files import OutputError, output_lock
    from corridor.io.targets import check_target
    from corridor.pipeline import output_dir
    from corridor.studies.pareto import frontier, write_pareto

    out = Path(args.output) if args.output is not None else output_dir() / f"{Path(args.input).stem}-pareto.xlsx"
    try:
        out = check_target(out, "pareto", args.force)
        check_target(out.with_suffix(".png"), "png", args.force)
    except OutputError as e:
        return refused("the frontier", e)
    inputs = read_valid(args.input)
    if inputs is None:
        return EXIT_INPUT
    inputs.settings.update(overrides(args))
    try:
        with output_lock(out), progress(args, f"corridor pareto: {args.points} points") as bar:
            # held through the sweep: a second frontier run on this output is refused; the spinner's clock
            # moves while the points are solved
            table, ss, settings = frontier(inputs, args.points, args.metric, tee=verbosity(args) > 0)
            bar.describe("corridor pareto: writing")
            if "expected_cost" not in table or table["expected_cost"].isna().all():
                print(f"corridor: no plan at any point: {table['status'].iloc[0]}", file=sys.stderr)
                return EXIT_NO_PLAN
            paths = write_pareto(table, out, settings, ss.solves, input_path=args.input)
    except (OutputError, OSError) as e:
        return refused("the frontier", e)
    metric = settings["security_metric"]
    show = table[["point", "status", "expected_cost", f"optimised:{metric}", "routes_used", "sites_open"]]
    print(show.to_string(index=False))
    for _, r in table[table["status"] != "optimal"].iterrows():
        print(f"point {r['point']}: {r['note']}")
    for p in paths:
        wrote(p)
    record(metric=metric, points=table.to_dict(orient="records"))
    return EXIT_OK


def cmd_study(args: argparse.Namespace) -> int:
    """``corridor study`` / ``corridor sweep``: the base and each scenario solved in worker processes."""
    from corridor.io.files import OutputError
    from corridor.studies.runner import run_study

    names = None
    if getattr(args, "scenarios", None):
        names = [n.strip() for n in args.scenarios.split(",") if n.strip()]
    sweep = (args.set, [v for v in args.values.split(",")]) if args.command == "sweep" else None
    try:
        wrong = not_an_input(args.input)
        if wrong:
            raise wrong
        rep = run_study(args.input, names=names, workers=args.workers, out_dir=args.output, dask=args.dask,
                        sweep=sweep, reuse=not args.rebuild, log=lambda line: print(line, flush=True),
                        progress=None if quiet(args) else sys.stderr, force=args.force, settings=overrides(args),
                        log_level=log_level(args))
    except InputError as e:
        return invalid(args.input, e)
    except (OutputError, OSError) as e:
        return refused("the study", e)
    failed = [r for r in rep.results if not r.has_plan]
    unproven = [r for r in rep.results if r.has_plan and r.status != "optimal"]
    print(f"runs       {len(rep.results)} ({len(rep.results) - len(failed)} with a plan) on {rep.workers} "
          f"worker{'s' if rep.workers != 1 else ''}, {rep.seconds:.1f} s")
    wrote(rep.comparison)
    if rep.maps:
        wrote(rep.maps)
    print(f"plans in   {rep.out_dir}")
    record(folder=str(rep.out_dir), workers=rep.workers, run_seconds=rep.seconds,
           runs=[{"name": r.name, "status": r.status, "objective": r.objective, "gap": getattr(r, "gap", None),
                  "seconds": r.seconds, "output": None if r.output is None else str(r.output),
                  "message": r.message} for r in rep.results])
    for r in rep.results:
        if r.output is not None and Path(r.output).exists():
            record_file(r.output)
    if failed:
        print("corridor: no plan for " + ", ".join(f"{r.name} ({r.status})" for r in failed) + "; the other runs "
              "are written and compared", file=sys.stderr)
        return EXIT_SCENARIO_FAILED
    if unproven:
        print("corridor: NOT proven optimal: " + ", ".join(r.name for r in unproven), file=sys.stderr)
        return EXIT_NOT_PROVEN
    return EXIT_OK


__all__ = ["cmd_bench", "cmd_pareto", "cmd_study"]
