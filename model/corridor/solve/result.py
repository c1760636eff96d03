"""Solve a built model with HiGHS through Pyomo and report honestly what the solver proved."""
from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass
class SolveResult:
    """What a solve proved: status, the solver's own termination, whether there is a plan and whether it is
    proven optimal, objective, bound, gap, seconds, message, statistics and the plan's column values."""

    status: str  # optimal | time_limit_with_plan | time_limit_no_plan | infeasible | unbounded | error
    termination: str  # the solver's own termination condition
    has_plan: bool
    proven_optimal: bool
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float
    message: str = ""
    stats: dict = field(default_factory=dict)
    x: list | None = None  # column values of the plan (spec order), when there is one
    warnings: list = field(default_factory=list)  # settings the solver could not honour (e.g. threads clipped)


MESSAGES = {
    "optimal": "proven optimal within the relative gap",
    "time_limit_with_plan": "stopped by the time limit with a plan: NOT proven optimal",
    "time_limit_no_plan": "stopped by the time limit before any plan was found",
    "infeasible": "no plan satisfies every hard constraint",
    "infeasible_or_unbounded": "the model is infeasible or unbounded",
    "unbounded": "the cost can fall without limit (a cost or capacity is missing)",
}


def outcome(kind: str, termination: str, has_plan: bool, objective: float | None, bound: float | None,
            seconds: float) -> SolveResult:
    """The one place a solver's ending becomes a status, a message and a gap.

    ``kind``: ``optimal`` (the solver proved optimality), ``time_limit``, ``infeasible``,
    ``infeasible_or_unbounded``, ``unbounded`` or ``other``; ``termination`` is the solver's own word.
    """
    objective = objective if has_plan else None
    if bound is not None and (math.isinf(bound) or math.isnan(bound) or abs(bound) >= 1e30):
        bound = None
    proven = kind == "optimal" and has_plan
    if proven:
        status = "optimal"
    elif kind == "time_limit":
        status = "time_limit_with_plan" if has_plan else "time_limit_no_plan"
    elif kind in ("infeasible", "unbounded"):
        status = kind
    elif kind == "infeasible_or_unbounded":
        status = "infeasible"
    else:
        status = "stopped_with_plan" if has_plan else "error"
    message = MESSAGES.get(status if kind != "infeasible_or_unbounded" else kind) or (
        f"the solver stopped: {termination}" + (" with a plan that is NOT proven optimal" if has_plan else ""))
    gap = None
    if objective is not None and bound is not None:
        gap = 0.0 if objective == bound else abs(objective - bound) / max(1e-10, abs(objective))
    elif proven:
        gap = 0.0
    if proven and gap is not None and gap >= 1e-4:  # the relative gap allowed it: say how far from the bound
        message += f" (gap {100 * gap:.2g}%: the best plan may cost up to that much less)"
    if status in ("infeasible", "unbounded"):
        bound = None
    return SolveResult(status, str(termination), has_plan, proven, objective, bound, gap, seconds, message)



