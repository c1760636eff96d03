"""Exit codes of the command line, and what every command prints for an input it cannot use."""
from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import TextIO

from corridor.io.issues import InputError, Issue

EXIT_OK, EXIT_INPUT, EXIT_NO_PLAN, EXIT_OUTPUT = 0, 2, 3, 4
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
    return EXIT_INPUT


def refused(what: str, error: Exception) -> int:
    """Report an output that cannot be written (nothing was) and return its exit code."""
    print(f"corridor: could not write {what}: {error}", file=sys.stderr)
    return EXIT_OUTPUT
