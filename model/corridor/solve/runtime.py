"""HiGHS's process-wide state, owned in one place: its thread pools, its banner, and how a solve is run.

Thread pools.  HiGHS keeps one task scheduler per calling thread.  The first solve on a thread starts it
with that solve's ``threads`` option and keeps it for the life of the thread; since highspy 1.16 a later
solve on the same thread that asks for another count fails (``kError``, model status "Not Set").  Every
corridor solve therefore runs on a fresh thread of its own (`run`): its scheduler starts with the solve's
own ``threads`` and is shut down when the solve ends.  Any sequence of solves in one process, with
``threads`` blank, 1, 2 or more, on any path (direct, persistent re-solve, security steps, pareto, study
workers, bench), gets the pool it asked for and the same answer it would get alone.  A Pyomo solve is run
the same way (`on_fresh_thread`): on its own, Pyomo's HiGHS interface fails as soon as the count changes.

A count that cannot be honoured is said, never failed: more threads than the cores this process may use
(`available_cores`) are clipped to that number, with a warning (`thread_option`) that the run reports and
writes on its summary sheet.

Banner and log.  HiGHS prints its version banner to the C-level stdout when the first instance of a process
is made.  `new_highs` makes every instance; the first one's banner is captured and sent to the
``corridor.highs`` logger (debug), so that commands print only what they mean to print.  HiGHS never logs to
the console (``log_to_console`` off): a solve run with ``tee`` sends each line of its log to the same logger
(info) through HiGHS's logging callback (`HighsLog`), so ``corridor -v`` shows it on stderr and stdout
keeps only what the command prints.

Interrupts.  `run` waits for the solve in the calling thread; Ctrl-C there asks HiGHS to stop (its
interrupt callback, where highspy has one), waits until it has, and raises `KeyboardInterrupt`.
"""
from __future__ import annotations

import logging
import math
import os
import sys
import tempfile
import threading
from collections.abc import Callable
from typing import TypeVar

import highspy

log = logging.getLogger("corridor.highs")

_LOCK = threading.Lock()
_BANNER_DONE = False

_T = TypeVar("_T")


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the OS tells it, else the CPU count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def thread_option(requested: int | str | None) -> tuple[int, str]:
    """The ``threads`` option to give HiGHS for a solve that asks for ``requested`` threads, and a warning
    ("" when none): blank, None or 0 is HiGHS's own default (0); more than `available_cores` is clipped."""
    if requested in (None, "", 0):
        return 0, ""
    n = int(requested)
    cores = available_cores()
    if n > cores:
        return cores, (f"threads = {n} is more than the {cores} core{'s' if cores != 1 else ''} this process may "
                       f"use; the solver ran with {cores}")
    return n, ""


def new_highs() -> highspy.Highs:
    """A new ``highspy.Highs`` with its output off.  The version banner that HiGHS prints when a process makes
    its first instance is captured and logged (debug) instead of reaching the terminal."""
    global _BANNER_DONE
    if _BANNER_DONE:
        h = highspy.Highs()
    else:
        with _LOCK:
            if _BANNER_DONE:
                h = highspy.Highs()
            else:
                h, text = _capturing_stdout(highspy.Highs)
                _BANNER_DONE = True
                for line in text.splitlines():
                    if line.strip():
                        log.debug("%s", line)
    h.setOptionValue("log_to_console", False)  # never the C-level stdout: a tee'd log goes to `HighsLog`
    h.setOptionValue("output_flag", False)
    return h


class HighsLog:
    """HiGHS's logging callback: the text of each log event, cut into lines, each sent to the
    ``corridor.highs`` logger (info; HiGHS's warnings and errors at their own level).  HiGHS calls it from its
    solve thread; a line it sends in pieces is kept until its end arrives."""

    def __init__(self, logger: logging.Logger = log):
        self.logger, self.pending = logger, ""

    def __call__(self, event: object) -> None:
        """One log event (``event.message``: text that may hold several lines or part of one)."""
        text = self.pending + str(getattr(event, "message", "") or "")
        *lines, self.pending = text.split("\n")
        for line in lines:
            self._emit(line)

    def flush(self) -> None:
        """Send a last line that HiGHS did not end."""
        if self.pending:
            self._emit(self.pending)
            self.pending = ""

    def _emit(self, line: str) -> None:
        if not line.strip():
            return
        level = logging.WARNING if line.startswith("WARNING") else logging.ERROR if line.startswith("ERROR") \
            else logging.INFO
        self.logger.log(level, "%s", line.rstrip())


def tee_log(h: highspy.Highs) -> bool:
    """Send the log of ``h`` to the ``corridor.highs`` logger (`HighsLog`), once per instance; False when this
    highspy has no logging callback (the log is then not shown: never on stdout)."""
    if getattr(h, "corridor_log", None) is not None:
        return True
    sink = HighsLog()
    try:
        if hasattr(h, "cbLogging"):  # highspy 1.8 and later
            h.cbLogging.subscribe(sink)
        else:
            h.setCallback(lambda kind, message, data_out, data_in, user: sink(_Message(message)), None)
            h.startCallback(highspy.cb.HighsCallbackType.kCallbackLogging)
    except Exception:  # noqa: BLE001 - a highspy without callbacks: no log, the solve still runs
        return False
    h.corridor_log = sink
    return True


class _Message:
    def __init__(self, message):
        self.message = message


def _capturing_stdout(make):
    """``(make(), what it wrote to the C-level stdout)``; stdout is left as it was, whatever happens."""
    try:
        fd = sys.__stdout__.fileno() if sys.__stdout__ is not None else 1
        saved = os.dup(fd)
    except (OSError, ValueError, AttributeError):  # no real stdout (embedded, redirected to an object)
        return make(), ""
    with tempfile.TemporaryFile(mode="w+b") as tmp:
        try:
            sys.__stdout__.flush()
        except (OSError, ValueError, AttributeError):
            pass
        os.dup2(tmp.fileno(), fd)
        try:
            obj = make()
        finally:
            os.dup2(saved, fd)
            os.close(saved)
        tmp.seek(0)
        text = tmp.read().decode("utf-8", "replace")
    return obj, text


def configure(h: highspy.Highs, settings: dict | None, tee: bool = False) -> list:
    """Set the run options of ``settings`` on ``h`` (time limit, relative gap, threads; log to the terminal
    with ``tee``); return the warnings about settings that could not be honoured."""
    settings = settings or {}
    h.setOptionValue("log_to_console", False)
    if tee:
        tee = tee_log(h)
    h.setOptionValue("output_flag", bool(tee))
    if settings.get("time_limit_s"):
        set_time_limit(h, float(settings["time_limit_s"]))
    if settings.get("mip_rel_gap") is not None:
        h.setOptionValue("mip_rel_gap", float(settings["mip_rel_gap"]))
    threads, warning = thread_option(settings.get("threads"))
    h.setOptionValue("threads", threads)
    return [warning] if warning else []


def set_time_limit(h: highspy.Highs, seconds: float | None) -> None:
    """Let the next run of ``h`` take at most ``seconds`` (None or inf: no limit).  HiGHS counts ``time_limit``
    against the instance's run time summed over all its runs, so on an instance that has run before (a
    security step, a probe, a study scenario re-solved in place) the limit is that run time plus ``seconds``;
    setting ``seconds`` alone would leave the run what the earlier runs did not use, or nothing."""
    if seconds is None or math.isinf(seconds):
        h.setOptionValue("time_limit", highspy.kHighsInf)
    else:
        h.setOptionValue("time_limit", h.getRunTime() + max(float(seconds), 0.0))


def run(h: highspy.Highs) -> highspy.HighsStatus:
    """Run ``h`` on a fresh thread (see the module docstring) and return HiGHS's status.  Ctrl-C while waiting
    cancels the solve (it stops at HiGHS's next check) and raises `KeyboardInterrupt` once it has stopped."""
    interruptible = _enable_interrupt(h)
    try:
        return on_fresh_thread(h.run, cancel=h.cancelSolve if interruptible else None)
    finally:
        if interruptible:
            _disable_interrupt(h)
        sink = getattr(h, "corridor_log", None)
        if sink is not None:
            sink.flush()


def on_fresh_thread(fn: Callable[[], _T], cancel: Callable[[], object] | None = None) -> _T:
    """``fn()`` run on a new thread whose HiGHS scheduler ends with it (so it starts with the ``threads`` its
    own solve asks for); the calling thread waits.  An exception of ``fn`` is raised here.  Ctrl-C while
    waiting calls ``cancel()`` (when given), waits for ``fn`` to return and raises `KeyboardInterrupt`."""
    box: dict = {}
    done = threading.Event()

    def target():
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
            box["error"] = exc
        finally:
            reset = getattr(highspy.Highs, "resetThreadScheduler", None)
            if reset is not None:
                reset(False)  # this thread's pool ends with it
            done.set()

    worker = threading.Thread(target=target, name="corridor-highs", daemon=True)
    worker.start()
    try:
        while not done.wait(0.1):
            pass
    except KeyboardInterrupt:
        # cancel again until the worker returns: a cancel that arrives before HiGHS has started its run (a loaded
        # machine widens that window) is reset by the run's start and would let the solve go on to its limit
        if cancel is not None:
            cancel()
            while not done.wait(0.2):
                cancel()
        done.wait()
        raise
    if "error" in box:
        raise box["error"]
    return box["value"]


def _enable_interrupt(h) -> bool:
    """Let `highspy.Highs.cancelSolve` stop a running solve (highspy 1.8 and later); False where it cannot."""
    if not hasattr(type(h), "HandleUserInterrupt"):
        return False
    try:
        h.HandleUserInterrupt = True
        return True
    except Exception:  # noqa: BLE001 - an older or different highspy: no interrupt, the solve still runs
        return False


def _disable_interrupt(h) -> None:
    try:
        h.HandleUserInterrupt = False
    except Exception:  # noqa: BLE001
        pass


__all__ = ["HighsLog", "available_cores", "configure", "new_highs", "on_fresh_thread", "run", "set_time_limit",
           "tee_log", "thread_option"]
