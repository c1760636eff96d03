"""Corridor N-1 of a solved plan: for each corridor closed alone in the base scenario, the most tonnes still
deliverable with the plan's first-stage decisions fixed (an operations-only re-solve); the `corridor_n1` rows
of the `security` sheet.

The re-solves share what the run's `TimeBudget` left after the plan was found (`corridor.solve.budget`): the
corridors not yet re-solved share what remains evenly, on the wall clock (building a re-solve's model counts),
so a corridor done early leaves its time to the next.  Once nothing remains the other corridors are not
re-solved, and `CorridorN1` says which.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from corridor.formulation.build import FIRST_STAGE, Formulation, formulate
from corridor.formulation.case_data import prepare
from corridor.formulation.disruptions import apply_disruptions
from corridor.formulation.families.security import demand_tonnes
from corridor.solve.budget import TimeBudget
from corridor.solve.highs import run_highs, to_highs

DETAIL = "base scenario with this corridor closed all horizon, first-stage decisions fixed (re-solve)"


@dataclass
class CorridorN1:
    """The corridor N-1 re-solves of a plan: ``shares`` {corridor: share of demand deliverable, None when not
    known}, ``notes`` {corridor: what limited its re-solve}, ``skipped``: corridors not re-solved (no time
    remained), ``limit``: the time limit in words."""

    corridors: list
    shares: dict = field(default_factory=dict)
    notes: dict = field(default_factory=dict)
    skipped: list = field(default_factory=list)
    limit: str = ""

    def rows(self) -> Iterator[tuple[str, float | None, str]]:
        """(corridor, share or None, detail) of every corridor, re-solved or not, in order."""
        for c in self.corridors:
            if c in self.skipped:
                yield c, None, f"not re-solved: {self.limit} was spent before this corridor's turn"
            else:
                yield c, self.shares.get(c), DETAIL + (f"; {self.notes[c]}" if c in self.notes else "")

    def incomplete(self) -> list[str]:
        """What the run's report must say was not computed, or not proven (empty when every re-solve was)."""
        out = []
        if self.skipped:
            out.append(f"corridor N-1 rows for {len(self.skipped)} of {len(self.corridors)} corridors not "
                       f"re-solved ({self.limit} was spent): {', '.join(self.skipped)}")
        if self.notes:
            out.append("corridor N-1 re-solves stopped at their share of the time: "
                       + "; ".join(f"{c} ({n})" for c, n in self.notes.items()))
        return out


def corridor_n1(f: Formulation, x: Sequence[float], settings: dict, timer: TimeBudget | None = None) -> CorridorN1:
    """The corridor N-1 re-solves of the plan ``x`` within ``timer`` (default: ``time_limit_s`` from now)."""
    timer = (timer or TimeBudget.of(settings)).start()
    base = f.base_inputs or f.d.inputs
    corridors = sorted({r["corridor"] for r in base.tables["routes"]})
    out = CorridorN1(corridors, limit=timer.describe())
    D, _ = demand_tonnes(f.d)
    for i, corridor in enumerate(corridors):
        if timer.spent:
            out.skipped = corridors[i:]
            break
        row = {"_row": 0, "target_type": "corridor", "target": corridor, "month": None, "period": None,
               "capacity_factor": 0.0, "cost_factor": 1.0, "granted": None}
        sc = apply_disruptions(base, f"without {corridor}", 1.0, [row])
        g = formulate(prepare(dataclasses.replace(sc.inputs, tables={**sc.inputs.tables, "disruptions": []})))
        spec = g.spec
        for name in FIRST_STAGE:
            chosen = f.spec.col.get(name, {})
            for key, j in spec.col.get(name, {}).items():
                v = float(round(x[chosen[key]])) if key in chosen else 0.0
                spec.lb[j] = spec.ub[j] = v
        n = spec.n_cols
        if n == 0 or not spec.col.get("Deliver"):
            out.shares[corridor] = 0.0
            continue
        h = to_highs(spec, settings)
        allot = timer.set_on(h, timer.share(len(corridors) - i))
        c = np.zeros(n)
        c[list(spec.col["Deliver"].values())] = -1.0
        h.changeColsCost(n, np.arange(n, dtype=np.int32), c)
        h.changeObjectiveOffset(0.0)
        res, xs = run_highs(h, spec)
        if res.has_plan:
            out.shares[corridor] = sum(xs[j] for j in spec.col["Deliver"].values()) / D if D else 0.0
            if not res.proven_optimal:
                out.notes[corridor] = f"{res.status} after {allot:.3g} s: at least this share"
        else:
            out.shares[corridor] = 0.0 if res.status == "infeasible" else None
            if res.status != "infeasible":
                out.notes[corridor] = f"{res.status} after {allot:.3g} s: not known"
    return out


__all__ = ["CorridorN1", "corridor_n1"]
