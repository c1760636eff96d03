"""Constraint family of the contract v2 charges: budgets on subsidies and premiums.

Charges without a budget need no rows: their money is a coefficient on the tonnes they count (`charges`
module).  Notation: ch charge, p period.
"""
from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from corridor.formulation.charges import charge_terms

if TYPE_CHECKING:
    from corridor.formulation.build import Formulation
    from corridor.formulation.case_data import CaseData


def charge_budgets(f: Formulation, d: CaseData) -> None:
    """Charge_Paid[ch,p]:  ChargePaid[ch,p] <= sum of the tonnes charge ch counts in p        [t]
    Charge_Budget[ch]:   sum_p per_t(ch) * ChargePaid[ch,p] <= budget(ch)                  [money, nominal]

    Indexed over the subsidies and premiums with a budget (and their periods); per disruption scenario.  The
    money received is per_t * discount(p) * ChargePaid[ch,p] (a negative cost): tonnes beyond the budget get
    nothing.  Budgets are nominal, not discounted (the contract's reading).
    """
    paid = f.col("ChargePaid")
    if not paid:
        return
    blk, bud = f.spec.block("Charge_Paid"), f.spec.block("Charge_Budget")
    by_charge = defaultdict(list)
    for (i, p), j in sorted(paid.items()):
        by_charge[i].append((p, j))
    rows, budgets = [], []
    for i, cols in by_charge.items():
        ch = d.charges[i]
        terms = defaultdict(lambda: ([], []))
        for p, j, a in charge_terms(f, d, ch):
            terms[p][0].append(j)
            terms[p][1].append(-a)
        for p, j in cols:
            js, coefs = terms.get(p, ([], []))
            rows.append(((i, p), [j] + js, [1.0] + coefs, -float("inf"), 0.0))
        budgets.append((i, [j for _p, j in cols], [ch.per_t] * len(cols), -float("inf"), ch.budget))
    f.spec.add_rows(blk, rows)
    f.spec.add_rows(bud, budgets)
