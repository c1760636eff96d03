"""The starting plan for large MIPs (`corridor.solve.start`): feasible, costed as its own cost lines say, passed
to HiGHS, and skipped on small models.  No timing is asserted."""
from __future__ import annotations

import math

import pytest

from corridor.bench.generator import generate_inputs
from corridor.formulation.build import formulate
from corridor.solve import start
from corridor.solve.highs import solve_spec, to_highs
from corridor.solve.persistent import start_violation


@pytest.fixture(scope="module")
def spec():
    """A small generated case (gen-s: fixed-cost routes, minimum volumes, candidate sites, licences, a count
    of routes into a market)."""
    return formulate(generate_inputs("s", 1)).spec


def test_the_start_is_feasible_and_costs_what_its_cost_lines_say(spec):
    x, info = start.lp_start(to_highs(spec, {}), spec, 120)
    assert x is not None, info
    assert info["source"] == "LP relaxation"
    assert start_violation(spec, x) <= 1e-6  # bounds, rows and integrality
    lines = sum(spec.cost_value(line, x) for line in spec.cost_order)
    assert math.isclose(lines, info["objective"], rel_tol=1e-6)


def test_the_start_is_passed_to_highs_and_the_summary_says_where_it_came_from(spec):
    forced = solve_spec(spec, {"heuristic_start": True, "time_limit_s": 120, "mip_rel_gap": 1e-4})
    assert forced.has_plan
    assert "starting plan: the LP relaxation" in forced.stats["start"]
    assert forced.stats["start"] in forced.message
    x, info = start.lp_start(to_highs(spec, {}), spec, 120)
    assert forced.objective <= info["objective"] * (1 + 1e-9)  # never worse than its start


def test_small_models_skip_it(spec):
    assert not start.wanted(spec, {})
    assert start.wanted(spec, {"heuristic_start": True})
    assert not start.wanted(spec, {"heuristic_start": "no"})
    res = solve_spec(spec, {"time_limit_s": 2})  # the start is decided before the solve: its end does not matter
    assert "start" not in res.stats and res.status in ("optimal", "time_limit_with_plan", "time_limit_no_plan")
