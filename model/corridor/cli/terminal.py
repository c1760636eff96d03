"""How the command line behaves at a terminal: the options every command shares, logging, ``--quiet``,
``--json``, the solver overrides and the usage error's own exit code.

- ``-v`` shows the ``corridor`` loggers on stderr at info (HiGHS's log of each solve, through
  ``corridor.highs``), ``-vv`` at debug (HiGHS's banner, the starting plan's steps); off by default.
- ``-q/--quiet`` prints nothing on stdout and only errors on stderr; the exit code is the same.
- ``--json`` prints one JSON object on stdout and nothing else (`Summary`: the command, its exit code, its
  seconds, the files it wrote and what the command recorded: status, objective, bound, gap, cost lines ...).
- ``--time-limit``, ``--gap`` and ``--threads`` replace the workbook's ``time_limit_s``, ``mip_rel_gap`` and
  ``threads`` settings, checked against the same ranges as the settings sheet (`corridor.io.schema`).
- A usage error exits with `EXIT_USAGE` (64), not argparse's 2, which stays "the input is not valid".
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import math
import sys
import time
from collections.abc import Callable, Iterator
from typing import NoReturn

from tqdm import tqdm

from corridor.cli.codes import EXIT_USAGE, Summary
from corridor.io.progress import Progress
from corridor.io.schema import MAX_GAP, SETTINGS

OVERRIDES = {"time_limit": "time_limit_s", "gap": "mip_rel_gap", "threads": "threads"}  # option -> setting
LOGGER = "corridor"  # every logger of the package is under this one


class Parser(argparse.ArgumentParser):
    """argparse with its usage error on `EXIT_USAGE` (the usage and the message on stderr, as argparse says
    them); every sub-command's parser is one too."""

    def error(self, message: str) -> NoReturn:
        """Print the usage and ``message`` and exit with `EXIT_USAGE`."""
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def seconds_above_zero(text: str) -> float:
    """An argparse type: a finite number of seconds above 0 (a time limit), else a usage error."""
    try:
        x = float(text)
    except ValueError:
        x = math.nan
    if not math.isfinite(x) or x <= 0:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds above 0 (settings: time_limit_s)")
    return x


def _gap(text: str) -> float:
    try:
        x = float(text.strip().rstrip("%")) / (100 if text.strip().endswith("%") else 1)
    except ValueError:
        x = math.nan
    lo, hi = SETTINGS["mip_rel_gap"][2]
    if not math.isfinite(x) or not lo <= x <= hi:
        raise argparse.ArgumentTypeError(f"'{text}' is not a relative gap from {lo:g} to {MAX_GAP:g} (a share: "
                                         "0.01 or 1% is a gap of 1%; settings: mip_rel_gap)")
    return x


def _threads(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    lo = SETTINGS["threads"][2][0]
    if n < lo:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of threads >= {lo} (settings: threads)")
    return n


def add_terminal_options(p: argparse.ArgumentParser, top: bool = False) -> None:
    """``-v``, ``-q`` and ``--json`` on ``p``.  On a sub-command they default to nothing set, so that the same
    option given before the command (``corridor -q solve``) is kept."""
    keep = {} if top else {"default": argparse.SUPPRESS}
    p.add_argument("-v", "--verbose", action="count", help="show the log on stderr: -v the solver's log, -vv "
                                                           "debug", **({"default": 0} if top else keep))
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors (the exit code is the "
                                                              "same)", **keep)
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout and nothing else", **keep)


def add_solver_options(p: argparse.ArgumentParser, gap_threads: bool = True) -> None:
    """``--time-limit S`` (and ``--gap G``, ``--threads N``): override the workbook's settings."""
    p.add_argument("--time-limit", type=seconds_above_zero, metavar="S",
                   help="solver seconds, above 0 (overrides settings time_limit_s)")
    if gap_threads:
        p.add_argument("--gap", type=_gap, metavar="G", help=f"relative MIP gap, 0..{MAX_GAP:g} (0.01 or 1%% = 1%%; "
                                                             "overrides settings mip_rel_gap)")
        p.add_argument("--threads", type=_threads, metavar="N", help="solver threads, >= 1 (overrides settings "
                                                                     "threads)")


def overrides(args: argparse.Namespace) -> dict:
    """The settings the command line replaces: ``{time_limit_s: 0.5, mip_rel_gap: 0.2, threads: 1}``, only
    those given."""
    return {key: getattr(args, opt) for opt, key in OVERRIDES.items() if getattr(args, opt, None) is not None}


def verbosity(args: argparse.Namespace) -> int:
    """0 (default), 1 (``-v``) or 2 (``-vv``); 0 with ``--quiet`` (``--json`` keeps it: the log is on stderr)."""
    return 0 if getattr(args, "quiet", False) else min(2, int(getattr(args, "verbose", 0) or 0))


def quiet(args: argparse.Namespace) -> bool:
    """True when stdout carries nothing but the JSON object (``--json``) or nothing at all (``--quiet``)."""
    return bool(getattr(args, "quiet", False) or getattr(args, "json", False))


def log_level(args: argparse.Namespace) -> int:
    """The level of the ``corridor`` loggers: errors with ``-q``, else warnings, info (``-v``) or debug
    (``-vv``)."""
    if getattr(args, "quiet", False):
        return logging.ERROR
    return (logging.WARNING, logging.INFO, logging.DEBUG)[verbosity(args)]


class _ProgressSafe(logging.StreamHandler):
    """A stderr handler that clears a progress bar before a log line and draws it again after (`tqdm.write`)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            tqdm.write(self.format(record), file=sys.stderr)
        except Exception:  # noqa: BLE001 - logging never fails the command
            self.handleError(record)


_HANDLER: list = []  # the handler `setup_logging` added (one at a time: `main` may run many times in a process)


def setup_logging(level: int) -> None:
    """Send the ``corridor`` loggers at ``level`` and above to stderr (warnings and above without ``-v``)."""
    logger = logging.getLogger(LOGGER)
    for h in _HANDLER:
        logger.removeHandler(h)
    _HANDLER.clear()
    handler = _ProgressSafe()
    handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(level)
    _HANDLER.append(handler)


def progress(args: argparse.Namespace, desc: str, total: int | None = None) -> Progress:
    """A progress bar (`corridor.io.progress.Progress`) on stderr, drawn at a terminal (or forced) and never
    with ``--quiet`` or ``--json``."""
    return Progress(desc, total, sys.stderr, enabled=False if quiet(args) else None)


def stage_progress(args: argparse.Namespace) -> tuple[Progress, Callable[[str], None]]:
    """A spinner for a command's stages and the callback that names the stage now running."""
    bar = progress(args, f"corridor {args.command}")
    return bar, lambda stage: bar.describe(f"corridor {args.command}: {stage}")


@contextlib.contextmanager
def terminal(args: argparse.Namespace) -> Iterator[Summary]:
    """Run one command the way its options ask: logging set up, stdout swallowed with ``--quiet`` or
    ``--json`` (the JSON object is printed by `finish`), `Summary.current` set for the command."""
    setup_logging(log_level(args))
    summary = Summary(args.command)
    summary.t0 = time.perf_counter()
    Summary.current = summary
    try:
        if quiet(args):
            with contextlib.redirect_stdout(io.StringIO()):
                yield summary
        else:
            yield summary
    finally:
        Summary.current = None


def finish(args: argparse.Namespace, summary: Summary, code: int) -> None:
    """With ``--json``: print the command's one JSON object (command, exit code, seconds, files, fields)."""
    if not getattr(args, "json", False):
        return
    out = {"command": summary.command, "exit_code": code, "ok": code == 0,
           "seconds": round(time.perf_counter() - summary.t0, 3), "files": summary.files, **summary.data}
    print(json.dumps(plain(out)), flush=True)


def plain(x: object) -> object:
    """``x`` as JSON can hold it: numpy numbers as numbers, NaN and infinities as null, paths as text."""
    if isinstance(x, dict):
        return {str(k): plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [plain(v) for v in x]
    if hasattr(x, "item") and not isinstance(x, (str, bytes)):  # a numpy scalar
        x = x.item()
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if x is None or isinstance(x, (bool, int, str)):
        return x
    return str(x)


__all__ = ["LOGGER", "OVERRIDES", "Parser", "add_solver_options", "add_terminal_options", "finish", "log_level",
           "overrides", "plain", "progress", "quiet", "seconds_above_zero", "setup_logging", "stage_progress",
           "terminal", "verbosity"]
