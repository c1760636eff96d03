"""Solution sheets of the contract v2 charges: what each charge counted and paid, and the totals per payer."""
from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import pandas as pd

from corridor.formulation.charges import charge_terms

if TYPE_CHECKING:
    from corridor.formulation.case_data import CaseData

CHARGE_COLUMNS = ["charge", "kind", "payer", "target_type", "target", "per_t", "counted_t", "paid_t", "amount",
                  "amount_pv", "budget", "budget_used"]


def charge_tables(m: object, d: CaseData) -> dict:
    """``{"charges": ..., "charge_payers": ...}`` of a solved plan ``m`` (a `extract.Plan`; empty without charges).

    counted_t: the tonnes the charge counts; paid_t: those it is paid on (a budget may stop a subsidy);
    amount: nominal money (positive: a cost; negative: money received); amount_pv: discounted, as in the cost
    lines; budget_used: the share of a budget paid out.  charge_payers: per payer the sums of amount and amount_pv
    (the charges' effect on the plan's cost) and pays / pays_pv, what the payer pays (a tariff's importer and a
    subsidy's government alike pay per_t times the tonnes paid on: always >= 0)."""
    if not d.charges:
        return {}
    x, disc = m.x, d.cal.discount
    paid = defaultdict(float)
    for (i, p), j in m.f.col("ChargePaid").items():
        paid[(i, p)] += x[j] or 0.0
    rows = []
    for i, ch in sorted(d.charges.items()):
        by_p = defaultdict(float)
        for p, j, a in charge_terms(m.f, d, ch):
            by_p[p] += a * (x[j] or 0.0)
        counted = sum(by_p.values())
        if ch.capped:
            by_p = {p: paid[(i, p)] for p in ch.periods if (i, p) in paid}
        tonnes = sum(by_p.values())
        amount = ch.sign * ch.per_t * tonnes
        pv = ch.sign * ch.per_t * sum(t * disc[p] for p, t in by_p.items())
        rows.append({"charge": i, "kind": ch.kind, "payer": ch.payer, "target_type": ch.target_type,
                     "target": ch.target, "per_t": ch.per_t, "counted_t": counted, "paid_t": tonnes, "amount": amount,
                     "amount_pv": pv, "budget": ch.budget,
                     "budget_used": (abs(amount) / ch.budget if ch.budget else None) if ch.capped else None})
    table = pd.DataFrame(rows, columns=CHARGE_COLUMNS)
    payers = (table.assign(payer=table.payer.replace("", "(no payer)"), pays=table.amount.abs(),
                           pays_pv=table.amount_pv.abs())
              .groupby("payer", as_index=False)[["amount", "amount_pv", "pays", "pays_pv"]].sum())
    return {"charges": table, "charge_payers": payers}
