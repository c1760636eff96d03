"""The Pyomo path: a `LinearSpec` emitted as a Pyomo ``ConcreteModel`` (one ``Var`` per variable block, one
``Constraint`` per row block, one ``Expression`` per cost line, with the names of the docs) and solved
through Pyomo's HiGHS interface.  The product's own path hands the same arrays to HiGHS directly
(`corridor.solve.highs`); both give the same plan.  This is the only module that imports Pyomo.
"""
from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pyomo.environ as pyo
from pyomo.contrib.solver.common.factory import SolverFactory
from pyomo.contrib.solver.common.results import SolutionStatus
from pyomo.contrib.solver.common.results import TerminationCondition as TC
from pyomo.core.expr.numeric_expr import LinearExpression

from corridor.formulation.build import Formulation, formulate
from corridor.formulation.spec import INF, LinearSpec
from corridor.perf import paused_gc
from corridor.solve.result import SolveResult, outcome
from corridor.solve.runtime import on_fresh_thread, thread_option

if TYPE_CHECKING:
    from corridor.formulation.case_data import CaseData
    from corridor.io.validate import Inputs


def to_pyomo(spec: LinearSpec, name: str = "corridor") -> pyo.ConcreteModel:
    """Emit ``spec`` as a Pyomo ConcreteModel: Var per variable block, Constraint per row block, Expression
    per cost line (named ``<Line>Cost`` as in the docs), ``TotalCost`` and ``Total_Cost_Objective``."""
    m = pyo.ConcreteModel(name=name)
    columns = [None] * spec.n_cols
    lb, ub = spec.lb, spec.ub
    for vb in spec.var_blocks.values():
        dims = len(vb.keys[0]) if vb.keys and isinstance(vb.keys[0], tuple) else 1
        index = pyo.Set(initialize=vb.keys, dimen=dims, ordered=True)
        m.add_component(vb.name.upper() + "_INDEX", index)
        s = vb.start
        var = pyo.Var(index, within=pyo.Binary if vb.integer else pyo.NonNegativeReals,
                      bounds=lambda _m, *k, _c=spec.col[vb.name]: _bounds(lb, ub, _c[k if len(k) > 1 else k[0]]),
                      doc=vb.doc)
        m.add_component(vb.name, var)
        for i, key in enumerate(vb.keys):
            columns[s + i] = var[key]
    ip, ix, dv = spec.indptr, spec.indices, spec.data
    for rb in spec.row_blocks.values():
        if not rb.keys:
            continue
        dims = len(rb.keys[0]) if isinstance(rb.keys[0], tuple) else 1
        pos = dict(zip(rb.keys, rb.rows()))

        def rule(_m, *k, _pos=pos):
            r = _pos[k if len(k) > 1 else k[0]]
            a, b = ip[r], ip[r + 1]
            expr = LinearExpression(constant=0.0, linear_coefs=list(dv[a:b]),
                                    linear_vars=[columns[j] for j in ix[a:b]])
            lo, hi = spec.row_lo[r], spec.row_hi[r]
            if lo == hi:
                return expr == lo
            return (None if lo == -INF else lo, expr, None if hi == INF else hi)

        m.add_component(rb.name + "_INDEX", pyo.Set(initialize=rb.keys, dimen=dims, ordered=True))
        m.add_component(rb.name, pyo.Constraint(m.component(rb.name + "_INDEX"), rule=rule, doc=rb.doc))
    for name, entries in spec.exprs.items():
        keys = list(entries)
        dims = len(keys[0]) if keys and isinstance(keys[0], tuple) else 1

        def erule(_m, *k, _e=entries):
            cols, coefs, constant = _e[k if len(k) > 1 else k[0]]
            return LinearExpression(constant=constant, linear_coefs=coefs, linear_vars=[columns[j] for j in cols])

        m.add_component(name + "_INDEX", pyo.Set(initialize=keys, dimen=dims, ordered=True))
        m.add_component(name, pyo.Expression(m.component(name + "_INDEX"), rule=erule))
    total = 0.0
    for line in spec.cost_order:
        cols, coefs = spec.costs[line]
        expr = LinearExpression(constant=spec.cost_constants.get(line, 0.0), linear_coefs=list(coefs),
                                linear_vars=[columns[j] for j in cols])
        comp = pyo.Expression(expr=expr)
        m.add_component(cost_component(line), comp)
        total = total + comp
    m.TotalCost = pyo.Expression(expr=total)
    m.Total_Cost_Objective = pyo.Objective(expr=m.TotalCost, sense=pyo.minimize)
    m._columns = columns
    return m


def _bounds(lb, ub, j):
    lo, hi = lb[j], ub[j]
    return (None if lo == -INF else lo, None if hi == INF else hi)


def cost_component(line: str) -> str:
    """Cost line name -> Pyomo Expression name: ``route_fixed`` -> ``RouteFixedCost``."""
    if line == "shortfall_penalty":
        return "ShortfallCost"
    return "".join(p.capitalize() for p in line.split("_")) + "Cost"


def build_model(data: Formulation | CaseData | Inputs) -> pyo.ConcreteModel:
    """Return the Pyomo ConcreteModel of ``data``: a `Formulation`, a `CaseData`, or validated `Inputs`."""
    f = data if isinstance(data, Formulation) else formulate(data)
    with paused_gc():
        m = to_pyomo(f.spec)
    m._case = f.d  # (not `_data`: Pyomo blocks keep their own `_data`)
    m._formulation = f
    return m


def solve_pyomo(m: pyo.ConcreteModel, settings: dict | None = None, tee: bool = False) -> SolveResult:
    """Solve with HiGHS (time limit, relative gap and threads from ``settings``); load the plan if any.

    The returned status is never a silent "optimal": it says whether optimality was proven, or the time
    limit stopped the search with or without a plan, or the model is infeasible / unbounded.
    """
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
