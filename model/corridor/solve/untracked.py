"""The min-cost step of a model that tracks more provenance than cost needs, solved on the plain model.

``security_metric = max_dependence`` tags every tonne with every transit country, processing country and
export corridor it depends on (`corridor.formulation.provenance`): on the default case the model is 63%
larger (107,901 nonzeros against 66,129) and its min-cost MIP about three times slower, although its
min-cost plans are the plain model's with their flows split by tag.  So the min-cost step of such a run is
solved on the plain model (the same workbook with a metric that tracks nothing more), and its routes, sites,
licences and builds (every integer column, matched by block and key) are handed to the tracked model as the
step's start, whose flows are re-solved there as an LP (`start.reoptimised`).

Why the plain bound proves the tracked step: the tracked model refines the plain one (each tracked plan's
flows, summed over tags, are a plain plan of the same cost: the tags add no cost and the policies read the
same tags), so its least cost is at least the plain model's proven bound.  When the tracked start costs no
more than that bound allows (within ``mip_rel_gap``), it is the tracked min-cost optimum, with no search; when
it does not (a case where the claim would fail), the step is an ordinary search from that start.
"""
from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np

from corridor.formulation.build import formulate
from corridor.solve.budget import TimeBudget
from corridor.solve.highs import run_highs, to_highs
from corridor.solve.result import SolveResult

if TYPE_CHECKING:
    from corridor.formulation.build import Formulation

TRACKING_METRICS = ("max_dependence",)  # the metrics whose model tags what the plain model does not
PLAIN_METRIC = "expected_shortfall"  # a metric whose model tags nothing beyond the rules' own needs
PLAIN_SHARE = 0.9  # of the time that remains, at most, for the plain model's solve


def plain_min_cost(f: Formulation, settings: dict, timer: TimeBudget) -> tuple[SolveResult, np.ndarray] | None:
    """(the plain model's min-cost result, its integer columns placed in ``f``'s columns: a start for ``f``'s
    min-cost step, continuous columns 0) when ``f`` was built for a tracking metric (`TRACKING_METRICS`) and the
    plain model has a plan; None otherwise (the step is then solved on ``f`` itself).  The build and the solve
    count against ``timer``; the solve gets at most `PLAIN_SHARE` of what remains, so that a plan it stopped
    with still reaches the tagged model."""
    if settings.get("security_metric") not in TRACKING_METRICS:
        return None
    inputs = f.base_inputs or f.d.inputs
    plain_settings = {**inputs.settings, **settings, "security_metric": PLAIN_METRIC}
    g = formulate(dataclasses.replace(inputs, settings=plain_settings))
    x0 = np.zeros(f.spec.n_cols)
    keep = []
    for name, vb in f.spec.var_blocks.items():
        if not vb.integer or not vb.keys:
            continue
        theirs = g.spec.col.get(name)
        if theirs is None or any(k not in theirs for k in vb.keys):
            return None  # the models differ in more than tags: no start from the plain model
        keep.append((np.arange(vb.start, vb.start + len(vb.keys)), np.array([theirs[k] for k in vb.keys])))
    h = to_highs(g.spec, plain_settings)
    timer.set_on(h, PLAIN_SHARE * timer.remaining())  # the rest: the tagged step's LP, even when this one stops
    res, x = run_highs(h, g.spec)
    if x is None or not res.has_plan:
        return None
    xs = np.asarray(x, dtype=np.float64)
    for mine, theirs in keep:
        x0[mine] = xs[theirs]
    return res, x0


__all__ = ["PLAIN_METRIC", "PLAIN_SHARE", "TRACKING_METRICS", "plain_min_cost"]
