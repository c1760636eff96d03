"""A `LinearSpec` -> a `SolveResult` that says honestly what the solver proved.

`runtime` (HiGHS's process-wide state: thread pools, banner, interrupts), `highs` (the arrays handed to HiGHS
in one call), `pyomo` (the Pyomo emitter and path), `persistent` (re-solve in place), `secure` (the solve
sequence of max_security and of the frontier), `dispatch` (`solve`), `result` (SolveResult, outcome).
"""
