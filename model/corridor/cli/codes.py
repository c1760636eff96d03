"""Exit codes of the command line, and what every command prints for an input it cannot use."""
from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import TextIO

from corridor.io.issues import InputError, Issue

EXIT_OK, EXIT_INPUT, EXIT_NO_PLAN, EXIT_OUTPUT = 0, 2, 3, 4
# 64 (EX_USAGE of sysexits.h): the command line itself is wrong (an unknown command or option, an option's value
# out of range, an unknown solver or case name); 2 stays "a workbook or file given is not valid", so a script tells
# a typing mistake from bad data
EXIT_USAGE = 64
EXIT_BENCH_MISMATCH = 1  # corridor bench: a published optimum is not reproduced, or a run failed
# 5: a plan was written but the solver stopped (time limit ...) before proving it optimal;
# 6: the solver stopped (time limit, error) before it found any plan: nothing was written.
EXIT_NOT_PROVEN, EXIT_STOPPED_NO_PLAN = 5, 6
EXIT_VIOLATIONS = 7  # corridor check: the plan breaks at least one rule of its input
EXIT_SCENARIO_FAILED = 8  # corridor study / sweep: at least one scenario has no plan (the others are written)
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT): stopped cleanly, nothing half-written
EXIT_TERMINATED = 143  # SIGTERM (128 + 15): stopped cleanly, workers ended, locks released

INTERRUPTED = ("files are written only when complete, so no partial file was left and any earlier output is "
               "intact")


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread like Ctrl-C so that every clean-up for an interrupt also runs."""


def print_issues(issues: Iterable[Issue], out: TextIO | None = None) -> None:
    """Print every issue, then how many errors there were."""
    out = out or sys.stderr
    issues = list(issues)
    for i in issues:
        print(f"  {i}", file=out)
    errors = [i for i in issues if i.severity == "error"]
    if errors:
        print(f"{len(errors)} error(s) in the input; nothing was written.", file=out)


def invalid(what: str, error: InputError) -> int:
    """Report an input that is not valid (every problem) and return its exit code."""
    print(f"corridor: the input {what} is not valid:", file=sys.stderr)
    print_issues(error.issues)
    record(issues=[str(i) for i in error.issues])
    return EXIT_INPUT


def record(**fields: object) -> None:
    """Add ``fields`` to what ``--json`` prints for the running command (`Summary`); nothing without one."""
    if Summary.current is not None:
        Summary.current.data.update(fields)


def wrote(path: object) -> None:
    """Print ``written    PATH`` and add the path to the files that ``--json`` lists."""
    print(f"written    {path}")
    record_file(path)


def record_file(path: object) -> None:
    """Add ``path`` to the files that ``--json`` lists (without printing it: a study's plans)."""
    if Summary.current is not None:
        Summary.current.files.append(str(path))


class Summary:
    """What ``--json`` prints about one command: its fields (`record`) and the files it wrote (`wrote`).
    ``Summary.current`` is the running command's (set by `corridor.cli.main`; None outside the command line)."""

    current: Summary | None = None

    def __init__(self, command: str):
        self.command, self.data, self.files = command, {}, []


def refused(what: str, error: Exception) -> int:
    """Report an output that cannot be written (nothing was) and return its exit code."""
    print(f"corridor: could not write {what}: {error}", file=sys.stderr)
    record(error=f"could not write {what}: {error}")
    return EXIT_OUTPUT
