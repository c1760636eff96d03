"""One step of a run's solve sequence (a security step, a frontier point's solve), as the run's report says
it: what it minimised, how it ended and with what gap, in its own units; or that it was not computed."""
from __future__ import annotations

from dataclasses import dataclass

from corridor.solve.result import SolveResult

NOT_COMPUTED = "not_computed"  # the status of a step (or frontier point) that no time remained for


@dataclass
class Step:
    """A solve of a sequence: ``objective`` cost or metric; ``value``, ``bound`` and ``gap`` in its own units
    (money, or a share of demand); ``allotted_s``: the time limit it was given."""

    name: str
    objective: str
    status: str
    value: float | None = None
    bound: float | None = None
    gap: float | None = None
    seconds: float = 0.0
    allotted_s: float | None = None
    note: str = ""

    def line(self) -> str:
        """The step in one line, for the summary sheet and the terminal."""
        if self.status == NOT_COMPUTED:
            return f"{self.name}: not computed" + (f" ({self.note})" if self.note else "")
        gap = "unknown" if self.gap is None else f"{100 * self.gap:.4g}%"
        value = "none" if self.value is None else f"{self.value:.9g}"
        bound = "none" if self.bound is None else f"{self.bound:.9g}"
        return (f"{self.name}: {self.status}, {self.objective} {value}, bound {bound}, gap {gap}, "
                f"{self.seconds:.2f} s" + (f" ({self.note})" if self.note else ""))


def not_computed(message: str) -> SolveResult:
    """The result of a solve that was not run (no time remained): no plan, status `NOT_COMPUTED`."""
    return SolveResult(NOT_COMPUTED, "not run", False, False, None, None, None, 0.0, message)


__all__ = ["NOT_COMPUTED", "Step", "not_computed"]
