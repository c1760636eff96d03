"""One run's time: ``settings.time_limit_s`` bounds the whole run, not each solve.

A `TimeBudget` starts at the run's first solve and is shared by every solve of the run: the steps of
``objective = max_security``, the points of the cost-security frontier and the corridor N-1 re-solves that
fill the ``security`` sheet.  How it is split (docs/security.md, "Time limit"):

- security steps: each step gets all the time that remains; a step starts only while time remains;
- frontier points: the points not yet computed share what remains evenly (a point that finishes early
  leaves its time to the next ones); a point's second solve gets what its first left of the point's share;
- corridor N-1 re-solves: the corridors not yet re-solved share what the plan left evenly, on the wall
  clock (the re-solve's model build counts); once nothing remains the rest are not re-solved, and said so.

A blank or zero ``time_limit_s`` means no limit.  What the budget stopped or skipped is recorded in
words (`not_computed`) for the run's report.
"""
from __future__ import annotations

import math
import time

import highspy

from corridor.solve import runtime


def now() -> float:
    """The clock of every budget (seconds, monotonic)."""
    return time.perf_counter()


class TimeBudget:
    """``limit_s`` seconds from `start` (None: no limit), shared by a run's solves."""

    def __init__(self, limit_s: float | None):
        self.limit = float(limit_s) if limit_s else None
        self.t0: float | None = None
        self.not_computed: list[str] = []  # what the budget left out, in words, for the run's report

    @classmethod
    def of(cls, settings: dict | None) -> TimeBudget:
        """The budget of a run with these settings (``time_limit_s``)."""
        return cls((settings or {}).get("time_limit_s"))

    def start(self) -> TimeBudget:
        """Start the clock (once: later calls keep the first start)."""
        if self.t0 is None:
            self.t0 = now()
        return self

    def elapsed(self) -> float:
        """Seconds since `start` (0 before it)."""
        return 0.0 if self.t0 is None else now() - self.t0

    def remaining(self) -> float:
        """Seconds left (``inf`` without a limit; <= 0 once spent)."""
        return math.inf if self.limit is None else self.limit - self.elapsed()

    @property
    def spent(self) -> bool:
        """True once no time remains."""
        return self.remaining() <= 0.0

    def share(self, parts: int) -> float:
        """An even share of what remains among ``parts`` solves still to run (``inf`` without a limit)."""
        return self.remaining() / max(1, parts)

    def settings(self, settings: dict, seconds: float | None = None) -> dict:
        """``settings`` with ``time_limit_s`` set to ``seconds`` (default: all that remains), never beyond the
        budget."""
        allot = self.remaining() if seconds is None else min(seconds, self.remaining())
        return {**settings, "time_limit_s": None if math.isinf(allot) else max(allot, 1e-6)}

    def set_on(self, h: highspy.Highs, seconds: float | None = None) -> float:
        """Give HiGHS instance ``h`` a time limit of ``seconds`` (default: all that remains), never beyond the
        budget; return the seconds given (``inf``: no limit)."""
        allot = self.remaining() if seconds is None else min(seconds, self.remaining())
        runtime.set_time_limit(h, allot)
        return allot

    def describe(self) -> str:
        """``time_limit_s = N`` in words, for messages."""
        return "no time limit" if self.limit is None else f"the run's time limit of {self.limit:g} s"


__all__ = ["TimeBudget", "now"]
