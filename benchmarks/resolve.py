"""Benchmark: re-solving numbers-only scenarios on a live HiGHS model vs rebuilding it.

    python benchmarks/resolve.py [--repeat N] [--gen-size s] [--gen-time-limit S] [--threads N]
                                 [--highs-option NAME=VALUE ...]

For each scenario (a numeric edit of the base inputs) three paths are timed, wall clock, each starting
from validated `Inputs` already edited (the edit itself is the planner's, the same for every path):

- ``rebuild``: ``formulate`` + ``to_highs`` + ``run_highs`` (what a worker does today);
- ``reuse+start``: ``formulate`` + `PersistentModel.solve` (differences applied in place) with the base plan
  as a MIP start;
- ``reuse``: the same without a start.

Each reuse path keeps one `PersistentModel` per repetition, built on the base before the clock starts (the
worker already holds it) and carried from scenario to scenario, as a study worker would.  The order of the
paths rotates between repetitions; medians over the repetitions are reported as a markdown table with the
speed-ups (rebuild / reuse), the model-handling seconds alone (``formulate``, ``to_highs`` on the rebuild
path, ``apply`` = structure check + in-place changes on the reuse path), whether the base plan is feasible for
the scenario (so HiGHS accepts it as a MIP start) and the largest relative objective difference between the
paths.  ``reused`` compares with the live model, i.e. with the *previous* scenario in the list; ``same
structure as base`` compares with the base spec.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

PATHS = ("rebuild", "reuse+start", "reuse")


def scenarios(inputs, sweep=True) -> list:
    """``[(label, edited Inputs)]``: demand x1.3, ferry capacity x2, Russian freight x0.5 and (``sweep``) the
    ferry capacity at 0.5x, 1x, 1.5x, 2x of the base."""
    from corridor.solve.persistent import scaled
    out = [("demand x1.3", scaled(inputs, "demand", "quantity_t", 1.3)),
           ("ferry capacity x2", scaled(inputs, "legs", "capacity_t", 2.0, mode="ferry")),
           ("RU freight x0.5", scaled(inputs, "legs", "cost_per_t", 0.5, country="RU"))]
    if sweep:
        out += [(f"ferry sweep {k:g}x", scaled(inputs, "legs", "capacity_t", k, mode="ferry"))
                for k in (0.5, 1.0, 1.5, 2.0)]
    return out


def rebuild(inputs, settings, options):
    """The rebuild path: formulate, hand over, solve; (SolveResult, formulate s, hand-over s, total s)."""
    from corridor.formulation.build import formulate
    from corridor.solve.highs import run_highs, to_highs
    from corridor.solve.persistent import set_options
    t0 = time.perf_counter()
    spec = formulate(inputs).spec
    t1 = time.perf_counter()
    h = to_highs(spec, settings)
    set_options(h, options)
    t2 = time.perf_counter()
    res, _x = run_highs(h, spec)
    return res, t1 - t0, t2 - t1, time.perf_counter() - t0


def reuse(pm, inputs, settings, start):
    """The reuse path on the live ``pm``: formulate, apply the differences (or rebuild), solve;
    (SolveResult, formulate s, apply s, total s)."""
    from corridor.formulation.build import formulate
    t0 = time.perf_counter()
    spec = formulate(inputs).spec
    t1 = time.perf_counter()
    res, _x, _reused = pm.solve(spec, settings, start=start)
    return res, t1 - t0, res.stats["apply_s"], time.perf_counter() - t0


def bench_instance(name, inputs, settings, options, repeat, sweep, progress) -> list:
    """Time every path on every scenario of ``inputs``; one summary dict per scenario."""
    from corridor.formulation.build import formulate
    from corridor.solve.highs import run_highs, to_highs
    from corridor.solve.persistent import PersistentModel, same_structure, set_options, start_violation
    base = formulate(inputs).spec
    t0 = time.perf_counter()
    h = to_highs(base, settings)
    set_options(h, options)
    base_res, x_base = run_highs(h, base)
    progress(f"{name}: base {base.stats()} {base_res.status} objective {fmt(base_res.objective)} "
             f"in {time.perf_counter() - t0:.2f}s")
    cases = scenarios(inputs, sweep)
    specs = {label: formulate(inp).spec for label, inp in cases}
    runs = {(label, p): [] for label, _ in cases for p in PATHS}
    for rep in range(repeat):
        live = {p: PersistentModel(base, settings, options=options) for p in PATHS[1:]}
        order = PATHS[rep % 3:] + PATHS[:rep % 3]
        for label, inp in cases:
            for p in order:
                if p == "rebuild":
                    out = rebuild(inp, settings, options)
                else:
                    out = reuse(live[p], inp, settings, x_base if p == "reuse+start" else None)
                runs[(label, p)].append(out)
                progress(f"  rep {rep + 1} {label:<20} {p:<12} {out[0].status:<22} {fmt(out[0].objective)} "
                         f"{out[3]:.2f}s reused={out[0].stats.get('reused', False)}")
    rows = []
    for label, _inp in cases:
        spec = specs[label]
        med = {p: statistics.median(r[3] for r in runs[(label, p)]) for p in PATHS}
        prep = {p: statistics.median(r[2] for r in runs[(label, p)]) for p in PATHS}
        form = statistics.median(r[1] for p in PATHS for r in runs[(label, p)])
        objs = [r[0].objective for p in PATHS for r in runs[(label, p)]]
        ref = runs[(label, "rebuild")][0][0].objective
        rel = max(abs(o - ref) / max(1.0, abs(ref)) for o in objs) if None not in objs else float("nan")
        statuses = sorted({r[0].status for p in PATHS for r in runs[(label, p)]})
        reused = all(r[0].stats["reused"] for p in PATHS[1:] for r in runs[(label, p)])
        rows.append({"instance": name, "scenario": label, "same_structure": same_structure(base, spec),
                     "reused": reused, "formulate": form, "start_ok": start_violation(spec, x_base) <= 1e-6,
                     "median": med, "prep": prep, "objective": ref, "rel_diff": rel, "status": "/".join(statuses)})
    return rows


def fmt(value) -> str:
    """An objective for the table (``-`` when there is no plan)."""
    return "-" if value is None else f"{value:,.2f}"


def yes(flag) -> str:
    """A flag as yes/no in the table."""
    return "yes" if flag else "no"


def table(rows, repeat) -> str:
    """The markdown table of the summaries (medians over ``repeat`` runs)."""
    head = ("| instance | scenario | same structure as base | reused | base plan feasible as is | rebuild s "
            "| reuse+start s | reuse s | speed-up +start | speed-up no start | formulate s | to_highs s "
            "| apply s | objective (rebuild) | max rel diff | status |")
    caption = (f"Medians over {repeat} runs (wall seconds; formulate, hand-over and solve included on every "
               "path; reused: same structure as the previous scenario's live model).")
    lines = [caption, "", head,
             "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        m, p = r["median"], r["prep"]
        lines.append(
            f"| {r['instance']} | {r['scenario']} | {yes(r['same_structure'])} | {yes(r['reused'])} | "
            f"{yes(r['start_ok'])} | {m['rebuild']:.2f} | {m['reuse+start']:.2f} | {m['reuse']:.2f} | "
            f"{m['rebuild'] / m['reuse+start']:.2f}x | {m['rebuild'] / m['reuse']:.2f}x | {r['formulate']:.3f} | "
            f"{p['rebuild']:.4f} | {p['reuse']:.4f} | {fmt(r['objective'])} | {r['rel_diff']:.1e} | "
            f"{r['status']} |")
    for inst in dict.fromkeys(r["instance"] for r in rows):
        tot = {k: sum(r["median"][k] for r in rows if r["instance"] == inst) for k in PATHS}
        lines.append(f"| {inst} | **all scenarios** | | | | {tot['rebuild']:.2f} | {tot['reuse+start']:.2f} | "
                     f"{tot['reuse']:.2f} | {tot['rebuild'] / tot['reuse+start']:.2f}x | "
                     f"{tot['rebuild'] / tot['reuse']:.2f}x | | | | | | |")
    return "\n".join(lines)


def parse_option(text) -> tuple:
    """``NAME=VALUE`` -> (name, bool | int | float | str) for `set_options`."""
    name, _, value = text.partition("=")
    low = value.strip().lower()
    if low in ("true", "false", "on", "off", "yes", "no"):
        return name.strip(), low in ("true", "on", "yes")
    for kind in (int, float):
        try:
            return name.strip(), kind(value)
        except ValueError:
            pass
    return name.strip(), value


def main(argv=None):
    """Parse the arguments, run the default case and a generated instance, print the table."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="repetitions per scenario and path (medians)")
    ap.add_argument("--gen-size", default="s", help="generated instance size (xs, s, m, l or n); 'none' to skip")
    ap.add_argument("--gen-seed", type=int, default=1)
    ap.add_argument("--gen-time-limit", type=float, default=None, help="time limit (s) for the generated instance")
    ap.add_argument("--gen-sweep", action="store_true", help="also run the ferry sweep on the generated instance")
    ap.add_argument("--no-default", action="store_true", help="skip the default case")
    ap.add_argument("--threads", type=int, default=None, help="HiGHS threads on every path (default: workbook's)")
    ap.add_argument("--highs-option", action="append", default=[], metavar="NAME=VALUE",
                    help="extra HiGHS option on every path (repeatable), e.g. mip_heuristic_run_rins=false")
    ap.add_argument("--quiet", action="store_true", help="print the table only")
    args = ap.parse_args(argv)
    options = dict(parse_option(o) for o in args.highs_option)
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    try:  # an unknown option or size is a usage error before anything is solved, not a traceback later
        import highspy

        from corridor.bench.generator import size_n
        from corridor.solve.persistent import set_options
        set_options(highspy.Highs(), options)
        if args.gen_size != "none":
            size_n(args.gen_size)
    except (RuntimeError, ValueError) as exc:
        ap.error(str(exc))
    from corridor.bench.generator import generate_inputs
    from corridor.io.validate import read_inputs
    from corridor.pipeline import DEFAULT_INPUT

    def progress(msg):
        """Progress lines on stderr (the table alone goes to stdout)."""
        if not args.quiet:
            print(msg, file=sys.stderr, flush=True)

    rows = []
    if not args.no_default:
        inputs = read_inputs(DEFAULT_INPUT)
        settings = dict(inputs.settings, **({"threads": args.threads} if args.threads else {}))
        rows += bench_instance("default", inputs, settings, options, args.repeat, True, progress)
    if args.gen_size != "none":
        size = int(args.gen_size) if args.gen_size.isdigit() else args.gen_size
        inputs = generate_inputs(size, args.gen_seed)
        settings = dict(inputs.settings, **({"threads": args.threads} if args.threads else {}))
        if args.gen_time_limit:
            settings["time_limit_s"] = args.gen_time_limit
        name = f"gen-{args.gen_size}" + (f" (limit {args.gen_time_limit:g}s)" if args.gen_time_limit else "")
        rows += bench_instance(name, inputs, settings, options, args.repeat, args.gen_sweep, progress)
    if options:
        print(f"HiGHS options on every path: {options}\n")
    print(table(rows, args.repeat))


if __name__ == "__main__":
    main()
