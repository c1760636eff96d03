"""Constraint family of the investments (contract v2): how many units may be built, and which alternatives
exclude each other.  What the units add to capacity is written in the capacity rows of their targets
(`flow.supply_limits`, `flow.site_processing`, `flow.leg_capacity`, `flow.storage_limits`)."""
from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from corridor.formulation.build import Formulation
    from corridor.formulation.case_data import CaseData


def investment_limits(f: Formulation, d: CaseData) -> None:
    """Investment_Units[i]:       sum_a Build[i,a] <= max_units(i)                              [units]
    Investment_Choice[i]:      sum_a Build[i,a] <= max_units(i) * Chosen[i]                 (groups with
                                                                                            max_units > 1)
    Investment_Exclusive[g]:   sum_{i in g} sum_a Build[i,a] <= 1   (every max_units 1), else
                               sum_{i in g} Chosen[i] <= 1

    ``Build[i,a]`` (integer, 0..max_units) are the units of investment i decided in period a; the units in
    service in p are sum_{a: a + lead_periods <= p} Build[i,a] (in a cyclic horizon one decision, in service
    in every period).  Investment_Units is written where i can be decided in two periods or more (else the
    bound sits on the variable); Investment_Exclusive over each ``exclusive_group`` of two rows or more:
    at most one of its alternatives is ever built.  First-stage with disruptions: decided once for all.
    """
    build, chosen = f.col("Build"), f.col("Chosen")
    by_inv = defaultdict(list)
    for (i, a), j in build.items():
        by_inv[i].append(j)
    blk = f.spec.block("Investment_Units")
    for i in sorted(by_inv):
        js, units = by_inv[i], d.investments[i].max_units
        if i in chosen:
            f.spec.add_row(f.spec.block("Investment_Choice"), i, js + [chosen[i]], [1.0] * len(js) + [-units],
                           hi=0.0)
        elif len(js) > 1:
            f.spec.add_row(blk, i, js, [1.0] * len(js), hi=units)
    groups = defaultdict(list)
    for i, inv in d.investments.items():
        if inv.group and by_inv.get(i):
            groups[inv.group].append(i)
    blk = f.spec.block("Investment_Exclusive")
    for g in sorted(groups):
        members = groups[g]
        if len(members) < 2:
            continue
        if any(i in chosen for i in members):
            cols = [chosen[i] for i in members]
        else:
            cols = [j for i in members for j in by_inv[i]]
        f.spec.add_row(blk, g, cols, [1.0] * len(cols), hi=1.0)


def chosen_keys(d: CaseData) -> list:
    """Investments that need a ``Chosen`` binary: members of an exclusive group of two or more rows where some
    member may build more than one unit (with single units the units themselves are the choice)."""
    groups = defaultdict(list)
    for i, inv in d.investments.items():
        if inv.group and inv.decisions:
            groups[inv.group].append(i)
    out = []
    for members in groups.values():
        if len(members) > 1 and any(d.investments[i].max_units > 1 for i in members):
            out.extend(members)
    return sorted(out)


__all__ = ["chosen_keys", "investment_limits"]
