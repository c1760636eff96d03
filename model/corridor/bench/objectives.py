"""The objectives a benchmark times beside min cost: each ``max_security`` metric (`solve.secure.solve_secure`)
and the cost-security frontier (`solve.frontier.frontier_plans`), on the same formulation users solve.

Each builds its own HiGHS instance from the formulation (the security rows added, the hand-over inside), so
the whole call is timed as the job's ``solve`` stage; the record says how many solves (steps) it took, how
many were proven optimal, and the plan's own metric.  `bench.report` divides its seconds by the min-cost
solve of the same instance in the same run (``x_min_cost``) and reports the issue's targets on that ratio.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from corridor.io.schema import SECURITY_METRICS
from corridor.solve.frontier import frontier_plans
from corridor.solve.secure import solve_secure

if TYPE_CHECKING:
    from corridor.formulation.build import Formulation

MIN_COST = "min_cost"
FRONTIER = "frontier"  # frontierN: an N-point frontier of the workbook's security_metric
DEFAULT_FRONTIER = f"{FRONTIER}5"
ALL = (MIN_COST, *SECURITY_METRICS, DEFAULT_FRONTIER)  # what ``--objectives all`` (and the default case) times
MAX_POINTS = 20


def frontier_points(objective: str) -> int | None:
    """The number of points of a ``frontierN`` objective; None for any other objective."""
    m = re.fullmatch(rf"{FRONTIER}(\d+)", objective)
    return int(m.group(1)) if m else None


def parse_objectives(text: str | Iterable[str]) -> list:
    """The objectives named in ``text`` (comma-separated, or a list; ``all`` = `ALL`), in order, without repeats,
    with min cost first (always timed: the ratios are taken against it).  ValueError for an unknown name."""
    names = [s.strip() for s in (text.split(",") if isinstance(text, str) else text) if s.strip()]
    out = [MIN_COST]
    for name in names:
        expanded = ALL if name == "all" else (name,)
        for obj in expanded:
            n = frontier_points(obj)
            if obj not in ALL and not (n is not None and 2 <= n <= MAX_POINTS):
                raise ValueError(f"unknown objective {obj!r} for --objectives (allowed: {', '.join(ALL[:-1])}, "
                                 f"frontierN with N from 2 to {MAX_POINTS}, or all)")
            if obj not in out:
                out.append(obj)
    return out


def objective_settings(settings: dict, objective: str) -> dict:
    """The settings a run of ``objective`` (a security metric or ``frontierN``) solves with: ``max_security`` and
    its metric.  The model must be built with them too: the metric decides what the formulation tracks (every
    transit country for ``max_dependence``, `formulation.provenance`)."""
    n = frontier_points(objective)
    metric = (settings.get("security_metric") or SECURITY_METRICS[0]) if n else objective
    return {**settings, "objective": "max_security", "security_metric": metric}


def solve_objective(f: Formulation, settings: dict, objective: str,
                    stage: Callable[[str], AbstractContextManager]) -> dict:
    """Solve ``f`` (built with `objective_settings`) for ``objective`` (a security metric or ``frontierN``), the
    whole call timed as the ``solve`` stage; return the record's fields: status, objective (the plan's expected
    cost), bound, gap, the plan's metric, its gap, the steps (solves) and how many were proven optimal, and each
    step in one line."""
    n = frontier_points(objective)
    run = objective_settings(settings, objective)
    metric = run["security_metric"]
    if n:
        with stage("solve"):
            ss, points = frontier_plans(f, run, points=n)
        return _frontier_record(ss, points, metric, n)
    with stage("solve"):
        res, info = solve_secure(f, run)
    solves = info.get("solves", [])
    return {"security_metric": metric, "status": res.status, "objective": res.objective, "bound": res.bound,
            "gap": res.gap, "termination": res.termination, "metric_value": info.get("metric_value"),
            "metric_bound": info.get("metric_bound"), "metric_gap": info.get("metric_gap"),
            "metric_proven": info.get("metric_proven"), "cost_budget": info.get("cost_budget"),
            "min_cost": info.get("min_cost"), "steps": len(solves) + len(info.get("not_computed", [])),
            "steps_proven": sum(s[3] == "optimal" for s in solves), "stopped_step": info.get("stopped_step"),
            "steps_detail": " | ".join(info.get("steps", [])), "note": "" if res.proven_optimal else res.message}


def _frontier_record(ss, points, metric, n):
    statuses = [res.status for _b, res, _x in points]
    last = next(((res, x) for _b, res, x in reversed(points) if x is not None), (None, None))
    gaps = [res.gap for _b, res, _x in points if res.gap is not None]
    stopped = next((s for s in statuses if s != "optimal"), None)
    return {"security_metric": metric, "status": stopped or "optimal", "points": n,
            "points_computed": sum(x is not None for _b, _r, x in points),
            "points_proven": statuses.count("optimal"),
            "objective": None if last[1] is None else ss.cost_of(last[1]),
            "metric_value": None if last[1] is None else ss.metric_of(last[1]),
            "gap": max(gaps) if gaps else None, "steps": len(ss.steps),
            "steps_proven": sum(s.status == "optimal" for s in ss.steps),
            "steps_detail": " | ".join(s.line() for s in ss.steps),
            "note": "" if stopped is None else f"{len(points) - statuses.count('optimal')} point(s) not proven"}


__all__ = ["ALL", "DEFAULT_FRONTIER", "FRONTIER", "MAX_POINTS", "MIN_COST", "frontier_points", "objective_settings",
           "parse_objectives", "solve_objective"]
