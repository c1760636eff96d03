"""corridor: how a landlocked producer gets a strategic commodity to its buyers (MIP on Pyomo + HiGHS).

Python API (the same path the CLI uses)::

    from model import read_inputs, build_model, solve, extract, write_solution
    inputs = read_inputs("inputs/kazakhstan_rare_earths.xlsx")   # read + validate (InputError lists problems)
    m = build_model(inputs)                                        # ConcreteModel
    result = solve(m)                                              # SolveResult: status, objective, bound, gap
    tables = extract(m, result)                                    # dict of pandas DataFrames
    write_solution(tables, "outputs/plan.xlsx")                    # atomic write
"""
__version__ = "0.2.0"

from .reader import InputError, Issue, read_workbook
from .validate import Inputs, read_inputs, validate
from .data import prepare
from .build import build_model, formulate
from .solve import SolveResult, solve

__all__ = ["__version__", "InputError", "Issue", "Inputs", "read_workbook", "validate", "read_inputs", "prepare",
           "build_model", "formulate", "solve", "SolveResult", "extract", "write_solution"]


def extract(m, result):
    from .extract import extract as _extract
    return _extract(m, result)


def write_solution(tables, path, **kw):
    from .writer import write_solution as _write
    return _write(tables, path, **kw)
