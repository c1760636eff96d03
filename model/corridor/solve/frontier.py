"""The cost-security frontier: an epsilon-constraint sweep of max_security steps on one `SecureSolver` (one HiGHS
instance with the security rows), the points sharing the run's `TimeBudget`.  See docs/security.md."""
from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from corridor.solve.budget import TimeBudget
from corridor.solve.result import MESSAGES, SolveResult
from corridor.solve.secure import SecureSolver, cap_at, least_cost_at
from corridor.solve.steps import Step, not_computed

if TYPE_CHECKING:
    from corridor.formulation.build import Formulation


def frontier_plans(f: Formulation, settings: dict, points: int = 5, tee: bool = False,
                   timer: TimeBudget | None = None) -> tuple[SecureSolver, list]:
    """Epsilon-constraint sweep from the min-cost plan to the most secure plan (the least metric, at the least
    cost that reaches it): ``points`` budgets evenly spaced between their costs; at each inner budget, minimise
    the metric within the budget, then the cost at that metric.  The time budget is shared by the points:
    those not yet computed share what remains evenly (point 1, then point N, then the inner points), and a
    point's later solves get what its first left of its share; a point with no time left is not computed.
    Returns [(budget, SolveResult, x)] in order of rising budget."""
    ss = SecureSolver(f, settings, tee, timer)
    n = max(2, points)
    left = [n]

    def share():
        """The time of the next point and a callable giving what is left of it."""
        end = ss.timer.elapsed() + ss.timer.share(left[0])
        left[0] -= 1
        return lambda: end - ss.timer.elapsed()

    rest = share()
    first, x = ss.run("cost", seconds=rest(), name="point 1: least cost")
    if first is None or not first.has_plan:
        return ss, [(None, first or not_computed("point 1 " + _skip(ss)), None)]
    c0, lo, x_lo = first.objective, first, x
    rest = share()
    best, xb = ss.run("metric", seconds=rest(), name=f"point {n}: least metric")
    if best is None or not best.has_plan:
        return ss, [(c0, lo, x_lo)] + [(None, not_computed(f"point {i + 1} {_skip(ss)}"), None) for i in range(1, n)]
    hi, x_hi = least_cost_at(ss, ss.metric_of(xb), seconds=rest, name=f"point {n}: least cost at that metric")
    if hi is None or not hi.has_plan:
        hi, x_hi = _uncosted(ss, best, hi), xb
        hi.objective = ss.cost_of(xb)
    c1 = ss.cost_of(x_hi)
    out = [(c0, lo, x_lo)]
    proven = (lo, x_lo) if lo.status == "optimal" else None  # the last point proven the least cost at its metric
    for i in range(1, n - 1):
        b = c0 + (c1 - c0) * i / (n - 1)
        rest = share()
        if out[-1][2] is not None:  # the plan of the last budget below: it fits this one (point N's does not)
            ss.last_x = out[-1][2]
        res, x = ss.run("metric", budget=b, seconds=rest(), name=f"point {i + 1}: least metric within {b:,.6g}")
        if res is None:
            out.append((b, not_computed(f"point {i + 1} {_skip(ss)}"), None))
            continue
        if res.has_plan and reaches(ss, proven, res):  # that point's plan: nothing at this metric costs less
            res, x = _kept(ss, proven[0], res, i + 1), proven[1]
        elif res.has_plan:
            res2, x2 = least_cost_at(ss, ss.metric_of(x), b, seconds=rest,
                                     name=f"point {i + 1}: least cost at that metric")
            if res2 is not None and res2.has_plan:
                res, x = res2, x2
                proven = (res2, x2) if res2.status == "optimal" else proven
            else:
                res = _uncosted(ss, res, res2)
        out.append((b, res, x))
    out.append((c1, hi, x_hi))
    return ss, out


def reaches(ss: SecureSolver, proven: tuple[SolveResult, list] | None, res: SolveResult) -> bool:
    """True when the metric step ``res`` is proven and the plan of ``proven`` (an earlier point: the least cost at
    its metric within a lower budget, or the min-cost plan) already reaches its least metric.  Then that plan is
    the least cost at this metric within this budget too: a cheaper plan reaching it would fit the lower budget
    and reach that point's metric at less cost, which that point's proof rules out."""
    return (proven is not None and res.status == "optimal" and res.objective is not None
            and ss.metric_of(proven[1]) <= cap_at(res.objective, loose=True))


def _kept(ss, earlier, res, point):
    """The SolveResult of a frontier point whose plan is an earlier point's (`reaches`): that plan's cost, proven
    by the earlier point's least-cost step and this point's metric step; the least-cost step is not solved."""
    ss.steps.append(Step(f"point {point}: least cost at that metric", "cost", "optimal", earlier.objective,
                         earlier.objective, 0.0, 0.0, 0.0, "not solved: the plan of a lower budget reaches this "
                         "point's least metric, and nothing reaching it costs less"))
    return dataclasses.replace(earlier, seconds=res.seconds, stats=dict(earlier.stats), message=(
        f"{MESSAGES['optimal']}: the plan of a lower budget reaches this budget's least metric "
        f"({res.objective:.6g}, proven), so nothing that reaches it costs less"))


def _uncosted(ss, res, level):
    """A frontier point's metric step ``res`` whose least-cost step ``level`` gave no plan (None: not computed)."""
    if level is None:
        res.status, res.proven_optimal = "time_limit_with_plan", False
        res.message = (f"the least cost at this metric was not computed ({ss.timer.describe()} was spent): the plan "
                       "may cost more than this metric needs")
    return res


def _skip(ss):
    return f"not computed: {ss.timer.describe()} was spent"


__all__ = ["frontier_plans", "reaches"]
