"""`solve(target)`: a `Formulation` goes to HiGHS through corridor's own hand-over, a Pyomo ``ConcreteModel``
(`corridor.solve.pyomo.build_model`) through Pyomo's HiGHS interface; either way the result carries the
plan's column values in ``x``."""
from __future__ import annotations

from typing import TYPE_CHECKING

from corridor.formulation.build import Formulation
from corridor.solve.highs import solve_spec
from corridor.solve.pyomo import solve_pyomo
from corridor.solve.result import SolveResult

if TYPE_CHECKING:
    import pyomo.environ as pyo


def solve(target: Formulation | pyo.ConcreteModel, settings: dict | None = None, tee: bool = False) -> SolveResult:
    """Solve a `Formulation` (HiGHS through its own fast hand-over) or a ConcreteModel (HiGHS through Pyomo's
    persistent ``highs`` interface).  Either way the result carries the plan's column values in ``x``."""
    if isinstance(target, Formulation):
        return solve_spec(target.spec, settings if settings is not None else target.d.settings, tee)
    res = solve_pyomo(target, settings, tee)
    if res.has_plan:
        res.x = [v.value if v.value is not None else 0.0 for v in target._columns]
    return res
