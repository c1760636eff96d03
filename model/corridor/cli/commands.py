"""The commands that read one workbook and write one file: solve, validate, template, export, docs, check.

Each command imports the layers it runs when it runs (the one place in corridor where imports sit inside
functions): ``corridor --help``, ``--version`` and a mistyped command answer at once, without loading
openpyxl, pandas, HiGHS or Pyomo.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from corridor.cli.codes import (
    EXIT_INPUT,
    EXIT_NO_PLAN,
    EXIT_NOT_PROVEN,
    EXIT_OK,
    EXIT_OUTPUT,
    EXIT_STOPPED_NO_PLAN,
    EXIT_VIOLATIONS,
    invalid,
    print_issues,
    record,
    refused,
    wrote,
)
from corridor.cli.terminal import overrides, stage_progress, verbosity
from corridor.io.issues import InputError, Issue


def money(x: float) -> str:
    """An amount of money as the terminal shows it: ``396,337,133`` (never ``-0`` for an amount that rounds to 0)."""
    text = f"{x:,.0f}"
    return "0" if text == "-0" else text


def not_an_input(path: str | Path | None, role: str = "input") -> InputError | None:
    """An `InputError` when ``path`` is one of corridor's own outputs given where an input workbook belongs."""
    from corridor.io.targets import input_problem

    if path is None:
        return None
    problem = input_problem(path)
    return InputError([Issue("", None, "", f"{problem}; give the {role} workbook")]) if problem else None


def read_valid(path: str | Path) -> object | None:
    """Validated inputs of ``path``, or None after printing every problem."""
    from corridor.io.validate import read_inputs

    wrong = not_an_input(path)
    try:
        if wrong:
            raise wrong
        return read_inputs(path)
    except InputError as e:
        print(f"{path}: not valid", file=sys.stderr)
        print_issues(e.issues)
        record(valid=False, issues=[str(i) for i in e.issues])
        return None


def cmd_solve(args: argparse.Namespace) -> int:
    """``corridor solve``: validate, build, solve and write the solution workbook; print what was found."""
    from corridor.io.files import OutputError
    from corridor.pipeline import run

    bar, on_stage = stage_progress(args)
    try:
        wrong = not_an_input(args.input)
        if wrong:
            raise wrong
        with bar:
            rep = run(args.input, args.output, tee=verbosity(args) > 0, force=args.force,
                      settings=overrides(args), on_stage=on_stage)
    except InputError as e:
        return invalid(args.input or "default case", e)
    except (OutputError, OSError) as e:
        return refused("the solution", e)
    for w in rep.warnings:
        print(f"  {w}")
    r = rep.result
    record_run(rep)
    cur = rep.tables["summary"].set_index("item")["value"].get("currency", "") if rep.tables else ""
    print(f"input      {rep.input_path}")
    print(f"status     {r.status}: {r.message}")
    if not r.has_plan and rep.explanation is not None:
        for line in rep.explanation.lines(limit=60):
            print(line)
    if r.has_plan:
        summary = rep.tables["summary"].set_index("item")["value"]
        what = "margin   " if summary.get("objective_sense") == "maximise" else "objective"
        print(f"{what}  {money(r.objective)} {cur}")
        if r.bound is not None:
            print(f"bound      {money(r.bound)} {cur}   gap {100 * (r.gap or 0):.4f}%")
        for k, v in rep.costs.items():
            print(f"  {k:<18}{money(v):>20}")
    if rep.security.get("security_metric"):
        s = rep.security
        if s.get("metric_value") is not None:
            print(f"security   {s['security_metric']} {s['metric_value']:.6g} (share of demand), within the cost "
                  f"budget {money(s['cost_budget'])} {cur}" + (f" (min-cost optimum {money(s['min_cost'])})"
                                                                  if s.get("min_cost") is not None else ""))
            if not s.get("metric_proven"):
                gap = s.get("metric_gap")
                print(f"           NOT proven the most secure: bound {s.get('metric_bound')}, gap "
                      + ("unknown" if gap is None else f"{100 * gap:.4f}%"))
        if s.get("stopped_step"):
            print(f"stopped    {s['stopped_step']}")
    for line in rep.not_computed:
        print(f"not done   {line}")
    if "security" in rep.tables:
        tot = rep.tables["security"]
        tot = tot[tot.scope == "total"].set_index("metric")["value"]
        print(f"scenarios  {len(rep.tables['scenarios'])}: expected shortfall "
              f"{100 * tot['expected_shortfall_share']:.2f}% of demand, worst case "
              f"{100 * tot['worst_case_shortfall_share']:.2f}%, CVaR {100 * tot['cvar_shortfall_share']:.2f}%")
    print("settings   " + ", ".join(f"{k} {v}" for k, v in rep.settings.items()))
    print("model      " + ", ".join(f"{k} {v:,}" for k, v in rep.stats.items()))
    print("seconds    " + ", ".join(f"{k} {v:.2f}" for k, v in rep.seconds.items()))
    if rep.output_path:
        wrote(rep.output_path)
        if rep.map_path:
            wrote(rep.map_path)
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


def record_run(rep: object) -> None:
    """What ``corridor solve --json`` says of a run: status, objective, bound, gap, cost lines, the solver
    settings used, model size, seconds per stage, warnings and the security results."""
    r = rep.result
    summary = rep.tables["summary"].set_index("item")["value"] if rep.tables else {}
    record(input=str(rep.input_path), status=r.status, message=r.message, proven_optimal=r.proven_optimal,
           has_plan=r.has_plan, objective=r.objective, bound=r.bound, gap=r.gap,
           currency=summary.get("currency", "") if len(summary) else "", costs=dict(rep.costs),
           settings=dict(rep.settings), model=dict(rep.stats), stage_seconds=dict(rep.seconds),
           warnings=[str(w) for w in rep.warnings], not_computed=list(rep.not_computed),
           security={k: v for k, v in rep.security.items() if isinstance(v, (str, int, float, bool, type(None)))})


def cmd_validate(args: argparse.Namespace) -> int:
    """``corridor validate``: every input error at once, or the sheets' row counts when the workbook is valid."""
    inputs = read_valid(args.input)
    if inputs is None:
        return EXIT_INPUT
    for w in inputs.warnings:
        print(f"  {w}")
    counts = ", ".join(f"{k} {len(v)}" for k, v in inputs.tables.items() if v)
    print(f"{args.input}: valid ({counts})")
    record(valid=True, rows={k: len(v) for k, v in inputs.tables.items() if v},
           warnings=[str(w) for w in inputs.warnings])
    return EXIT_OK


def cmd_template(args: argparse.Namespace) -> int:
    """``corridor template``: an empty input workbook generated from the schema (dropdowns from ``--from``)."""
    from corridor.io.files import OutputError, same_file
    from corridor.io.targets import check_target
    from corridor.io.template import write_template

    try:
        if args.from_input and same_file(args.from_input, args.output):
            raise OutputError("refusing to write the template over its --from input")
        target = check_target(args.output, "template", args.force, option="the output")
    except OutputError as e:
        return refused("the template", e)
    src = None
    if args.from_input:
        src = read_valid(args.from_input)
        if src is None:
            return EXIT_INPUT
    path = write_template(target, src)
    wrote(path)
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    """``corridor export``: the model as MPS or LP, with readable names, for any solver."""
    from corridor.formulation.build import formulate
    from corridor.io.files import OutputError, same_file
    from corridor.io.targets import check_target
    from corridor.pipeline import output_dir
    from corridor.solve.highs import write_model

    out = Path(args.output) if args.output is not None else output_dir() / f"{Path(args.input).stem}.{args.format}"
    try:
        if out.suffix.lower() != f".{args.format}":
            raise OutputError(f"{out} must end in .{args.format} (the format asked for)")
        if same_file(args.input, out):
            raise OutputError("refusing to write over the input")
        out = check_target(out, "model", args.force)
    except OutputError as e:
        return refused("the model", e)
    inputs = read_valid(args.input)
    if inputs is None:
        return EXIT_INPUT
    f = formulate(inputs)  # with its disruption scenarios, if any (the model `corridor solve` minimises)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.stem}.tmp{out.suffix}")
    try:
        write_model(f.spec, tmp, f.d.settings)
    except RuntimeError as e:  # HiGHS refused the model: say so, never a traceback
        tmp.unlink(missing_ok=True)
        print(f"corridor: the solver refused the model, nothing was written: {e}", file=sys.stderr)
        return EXIT_STOPPED_NO_PLAN
    tmp.replace(out)
    print("model      " + ", ".join(f"{k} {v:,}" for k, v in f.spec.stats().items()))
    record(model=f.spec.stats(), format=args.format)
    wrote(out)
    return EXIT_OK


def cmd_docs(args: argparse.Namespace) -> int:
    """Print or write the input reference (from the schema), or refresh the family table of a formulation
    document (``--formulation``, from the family registry) in place."""
    from corridor.formulation.families import DOCS_END, DOCS_START, families_markdown
    from corridor.io.files import OutputError, atomic_write_text
    from corridor.io.targets import check_target
    from corridor.io.template import inputs_markdown

    if args.formulation:
        path = Path(args.formulation)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as e:
            return refused(str(path), e)
        if DOCS_START not in text or DOCS_END not in text:
            print(f"corridor: {path} has no family table markers ({DOCS_START} ... {DOCS_END})", file=sys.stderr)
            return EXIT_INPUT
        head, rest = text.split(DOCS_START, 1)
        tail = rest.split(DOCS_END, 1)[1]
        atomic_write_text(path, head + DOCS_START + "\n" + families_markdown() + DOCS_END + tail)
        wrote(path)
        return EXIT_OK
    text = inputs_markdown()
    if args.output is None:
        print(text)
        return EXIT_OK
    try:
        target = check_target(args.output, "docs", args.force)
    except OutputError as e:
        return refused("the input reference", e)
    atomic_write_text(target, text)
    wrote(target)
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    """``corridor check``: verify a solution workbook against its input; the solution is never written."""
    from corridor.check.checker import SolutionError, check, format_report
    from corridor.io.targets import input_problem, kind_of

    if input_problem(args.input) and Path(args.solution).is_file() and kind_of(args.solution)[0] is None:
        print(f"corridor: {args.input} is {kind_of(args.input)[1]} and {args.solution} is not: the arguments look "
              "swapped; the order is `corridor check INPUT.xlsx SOLUTION.xlsx`", file=sys.stderr)
        return EXIT_INPUT
    try:
        wrong = not_an_input(args.input)
        if wrong:
            raise wrong
        report = check(args.input, args.solution)
    except InputError as e:
        return invalid(args.input, e)
    except SolutionError as e:
        print(f"corridor: cannot check {args.solution}: {e}", file=sys.stderr)
        record(error=f"cannot check {args.solution}: {e}")
        return EXIT_INPUT
    for line in format_report(report):
        print(line)
    record(ok_plan=report.ok, violations=[str(v) for v in report.violations], objective=report.objective,
           total=report.total, costs=dict(report.costs), currency=report.currency, checked=list(report.checked))
    return EXIT_OK if report.ok else EXIT_VIOLATIONS


__all__ = ["cmd_check", "cmd_docs", "cmd_export", "cmd_solve", "cmd_template", "cmd_validate", "money",
           "not_an_input", "read_valid", "record_run", "EXIT_OUTPUT"]
