"""Solve a built model with HiGHS through Pyomo and report honestly what the solver proved."""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import pyomo.environ as pyo


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
        value = float(pyo.value(next(m.component_data_objects(pyo.Objective, active=True)).expr))
        return SolveResult("optimal", "nothing_to_decide", True, True, value, value, 0.0, 0.0,
                           "proven optimal: no flow is possible, the plan is empty")
    opt = SolverFactory("highs")
    kwargs = {"tee": tee, "load_solutions": False, "raise_exception_on_nonoptimal_result": False,
              "time_limit": float(settings.get("time_limit_s") or 600.0), "rel_gap": settings.get("mip_rel_gap")}
    if settings.get("threads"):
        kwargs["threads"] = int(settings["threads"])
    t0 = time.perf_counter()
    try:
        res = opt.solve(m, **kwargs)
    except Exception as exc:  # solver crashed or the interface refused the model
        return SolveResult("error", type(exc).__name__, False, False, None, None, None,
                           time.perf_counter() - t0, f"the solver failed: {exc}")
    seconds = time.perf_counter() - t0
    tc = res.termination_condition
    has_plan = res.solution_status in (SolutionStatus.feasible, SolutionStatus.optimal)
    if has_plan:
        res.solution_loader.load_vars()
    obj = res.incumbent_objective if has_plan else None
    bound = res.objective_bound
    if bound is not None and (math.isinf(bound) or math.isnan(bound)):
        bound = None
    proven = tc == TC.convergenceCriteriaSatisfied and has_plan
    gap = None
    if obj is not None and bound is not None:
        gap = abs(obj - bound) / max(1e-10, abs(obj)) if obj != bound else 0.0
    elif proven:
        gap = 0.0
    if proven:
        status, msg = "optimal", "proven optimal within the relative gap"
    elif tc == TC.maxTimeLimit:
        status = "time_limit_with_plan" if has_plan else "time_limit_no_plan"
        msg = ("stopped by the time limit with a plan: NOT proven optimal" if has_plan
               else "stopped by the time limit before any plan was found")
    elif tc in (TC.provenInfeasible, TC.locallyInfeasible):
        status, msg = "infeasible", "no plan satisfies every hard constraint"
    elif tc == TC.unbounded:
        status, msg = "unbounded", "the cost can fall without limit (a cost or capacity is missing)"
    elif tc == TC.infeasibleOrUnbounded:
        status, msg = "infeasible", "the model is infeasible or unbounded"
    else:
        status = "stopped_with_plan" if has_plan else "error"
        msg = f"the solver stopped: {tc.name}" + (" with a plan that is NOT proven optimal" if has_plan else "")
    return SolveResult(status, tc.name, has_plan, proven, obj, bound, gap, seconds, msg)
