"""Constraint family of joint production (contract v2 ``site_products``): reagents a process consumes.

Co-products need no rows of their own: they enter `flow.node_balance` with their yield on the Process
columns.  Notation as in `flow`: s process, k tag, p period, c commodity.
"""
from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from corridor.formulation.build import Formulation
    from corridor.formulation.case_data import CaseData


def coproduct_split(f: Formulation, d: CaseData) -> None:
    """Coproduct_Split[s,k_in,c,p]:  sum_k CoSplit[s,k_in,k,p] = yield_{s,c} * sum_{k_out} Process[s,k_in,k_out,p]  [t]

    Indexed over (process, input tag, co-product, period) where the co-product made from that input may carry
    several earmarks (end use or destination the input does not carry): each tonne is earmarked on its own,
    as the output's tonnes are by the choice of Process column.  With one earmark the node balance takes
    yield * Process directly.
    """
    split = defaultdict(list)
    for (s, ki, k, p), j in f.col("CoSplit").items():
        split[(s, ki, p)].append((k, j))
    procs = defaultdict(list)
    for (s, ki, _ko, p), j in f.col("Process").items():
        procs[(s, ki, p)].append(j)
    rows = []
    for (s, ki, p), cols in sorted(split.items()):
        for c, y, ks in d.co_options[(s, ki)]:
            js = [j for k, j in cols if k in ks]
            if len(ks) > 1 and js:
                ps = procs.get((s, ki, p), [])
                rows.append(((s, ki, c, p), js + ps, [1.0] * len(js) + [-y] * len(ps), 0.0, 0.0))
    f.spec.add_rows(f.spec.block("Coproduct_Split"), rows)


def reagent_use(f: Formulation, d: CaseData) -> None:
    """Reagent_Use[s,c,p]:  sum_k ReagentUse[s,k,p] = |yield_{s,c}| * sum Process[s,.,.,p]      [t reagent]

    Indexed over (process, reagent, period) where the reagent has several tags at the site node (with one tag
    the node balance takes |yield| * Process directly) and the process can run in the period.  The tonnes
    come out of the node balance of the site node; reagents are supplied there or shipped in like any
    commodity.
    """
    use = defaultdict(list)
    for (s, k, p), j in f.col("ReagentUse").items():
        use[(s, p)].append((k, j))
    procs = defaultdict(list)
    for (s, _ki, _ko, p), j in f.col("Process").items():
        procs[(s, p)].append(j)
    tag_of = {k: c for (s, c), ks in d.reagent_tags.items() for k in ks}
    blk = f.spec.block("Reagent_Use")
    rows = []
    for (s, p), uses in sorted(use.items()):
        for c, a in d.reagents[s]:
            js = [j for k, j in uses if tag_of.get(k) == c]
            if js:
                ps = procs.get((s, p), [])
                rows.append(((s, c, p), js + ps, [1.0] * len(js) + [-a] * len(ps), 0.0, 0.0))
    f.spec.add_rows(blk, rows)
