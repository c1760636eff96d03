"""Solve a built model with HiGHS through Pyomo and report honestly what the solver proved."""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import pyomo.environ as pyo

from .highs_runtime import on_fresh_thread, thread_option


@dataclass
class SolveResult:
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


def outcome(kind, termination, has_plan, objective, bound, seconds) -> SolveResult:
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
    if status in ("infeasible", "unbounded"):
        bound = None
    return SolveResult(status, str(termination), has_plan, proven, objective, bound, gap, seconds, message)


def solve(target, settings=None, tee=False) -> SolveResult:
    """Solve a `Formulation` (HiGHS through its own fast hand-over) or a ConcreteModel (HiGHS through Pyomo's
    persistent ``highs`` interface).  Either way the result carries the plan's column values in ``x``."""
    from .build import Formulation
    from .highs_direct import solve_spec

    if isinstance(target, Formulation):
        return solve_spec(target.spec, settings if settings is not None else target.d.settings, tee)
    res = solve_pyomo(target, settings, tee)
    if res.has_plan:
        res.x = [v.value if v.value is not None else 0.0 for v in target._columns]
    return res


def solve_pyomo(m, settings=None, tee=False) -> SolveResult:
    """Solve with HiGHS (time limit, relative gap and threads from ``settings``); load the plan if any.

    The returned status is never a silent "optimal": it says whether optimality was proven, or the time
    limit stopped the search with or without a plan, or the model is infeasible / unbounded.
    """
    from pyomo.contrib.solver.common.factory import SolverFactory
    from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition as TC

    settings = settings if settings is not None else m._formulation.d.settings
    if next(m.component_data_objects(pyo.Var, active=True, descend_into=True), None) is None:
        for c in m.component_data_objects(pyo.Constraint, active=True):
            body = pyo.value(c.body)
            if (c.has_lb() and body < pyo.value(c.lower) - 1e-9) or (c.has_ub() and body > pyo.value(c.upper) + 1e-9):
                return outcome("infeasible", "empty_row_infeasible", False, None, None, 0.0)
        value = float(pyo.value(next(m.component_data_objects(pyo.Objective, active=True)).expr))
        return SolveResult("optimal", "nothing_to_decide", True, True, value, value, 0.0, 0.0,
                           "proven optimal: no flow is possible, the plan is empty")
    opt = SolverFactory("highs")
    kwargs = {"tee": tee, "load_solutions": False, "raise_exception_on_nonoptimal_result": False,
              "time_limit": float(settings.get("time_limit_s") or 600.0), "rel_gap": settings.get("mip_rel_gap")}
    threads, warning = thread_option(settings.get("threads"))
    if threads:
        kwargs["threads"] = threads
    t0 = time.perf_counter()
    try:
        res = on_fresh_thread(lambda: opt.solve(m, **kwargs))
    except Exception as exc:  # solver crashed or the interface refused the model
        return SolveResult("error", type(exc).__name__, False, False, None, None, None,
                           time.perf_counter() - t0, f"the solver failed: {exc}")
    seconds = time.perf_counter() - t0
    tc = res.termination_condition
    has_plan = res.solution_status in (SolutionStatus.feasible, SolutionStatus.optimal)
    if has_plan:
        res.solution_loader.load_vars()
    kind = {TC.convergenceCriteriaSatisfied: "optimal", TC.maxTimeLimit: "time_limit",
            TC.provenInfeasible: "infeasible", TC.locallyInfeasible: "infeasible", TC.unbounded: "unbounded",
            TC.infeasibleOrUnbounded: "infeasible_or_unbounded"}.get(tc, "other")
    out = outcome(kind, tc.name, has_plan, res.incumbent_objective, res.objective_bound, seconds)
    out.warnings = [warning] if warning else []
    return out
