"""corridor: how a landlocked producer gets a strategic commodity to its buyers, and what to build so it can
(a mixed-integer program on HiGHS, driven from Excel).

The public face of the package: every name in ``__all__``, resolved when first used, so that ``import
corridor`` imports nothing heavy (no Pyomo, no pandas).  The same path the CLI uses::

    import corridor
    inputs = corridor.read_inputs("inputs/kazakhstan_rare_earths.xlsx")  # read + validate (InputError lists all)
    inputs = corridor.read_inputs({"periods": periods_df, "nodes": nodes_df, ...})  # or a case built in code
    f = corridor.formulate(inputs)            # the formulation as plain arrays (f.spec)
    result = corridor.solve(f)                # SolveResult: status, objective, bound, gap, plan
    tables = corridor.extract(f, result)      # {sheet: pandas.DataFrame}
    corridor.write_solution(tables, "outputs/my-plan.xlsx")  # atomic write
    report = corridor.run("inputs/kazakhstan_rare_earths.xlsx", "outputs/plan.xlsx")  # all of it, timed

In a notebook, nothing needs to be written: ``report = corridor.run(case, write=False)`` takes a path, the
mapping `read_inputs` takes or `Inputs`; ``report.tables`` is the solution as ``{sheet: DataFrame}``
(``costs``, ``route_flows``, ``network`` ...), ``report.costs`` the cost lines, and
``corridor.plan_map_png(report.tables)`` the plan's map as PNG bytes (``IPython.display.Image(...)``).
See docs/examples/build_a_case.ipynb.

``corridor.build_model(inputs)`` gives the Pyomo ``ConcreteModel`` of the same formulation (Pyomo tooling,
Pyomo's persistent solvers); ``corridor.solve`` takes either.
"""
from __future__ import annotations

import importlib

__version__ = "0.2.0"

_WHERE = {  # public name -> the module that owns it
    "Issue": "corridor.io.issues", "InputError": "corridor.io.issues",
    "read_workbook": "corridor.io.reader",
    "Inputs": "corridor.io.validate", "read_inputs": "corridor.io.validate", "validate": "corridor.io.validate",
    "write_solution": "corridor.io.writer", "write_template": "corridor.io.template",
    "plan_map_png": "corridor.io.maps",
    "prepare": "corridor.formulation.case_data",
    "Formulation": "corridor.formulation.build", "formulate": "corridor.formulation.build",
    "LinearSpec": "corridor.formulation.spec",
    "FAMILIES": "corridor.formulation.families",
    "SolveResult": "corridor.solve.result",
    "solve": "corridor.solve.dispatch",
    "build_model": "corridor.solve.pyomo",
    "extract": "corridor.results.extract",
    "explain_infeasible": "corridor.diagnose.explain",
    "check": "corridor.check.checker",
    "run": "corridor.pipeline", "RunReport": "corridor.pipeline", "DEFAULT_INPUT": "corridor.pipeline",
    "STRATEGIC_INPUT": "corridor.pipeline",
    "run_study": "corridor.studies.runner",
}

__all__ = ["__version__", *_WHERE]


def __getattr__(name: str):
    """Import the module that owns ``name`` on first use (PEP 562)."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'corridor' has no attribute '{name}'")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list:
    return sorted(__all__)
