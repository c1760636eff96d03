"""The solution sheets of investments (contract v2): per investment and period, the units decided and in
service, the capacity they add, their capex and fixed cost, and who pays; the totals per payer; and the
capacity in service per period and investment (the data of a native chart).

Money on these sheets is nominal (what is paid in the period, before discounting) beside the period's
``discount_factor``; the ``payers`` sheet gives both the nominal totals and the present values that enter
the objective (the ``capex`` and ``investment_fixed`` lines of the ``costs`` sheet).
"""
from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import pandas as pd

from corridor.formulation.investments import in_service

if TYPE_CHECKING:
    from corridor.formulation.case_data import CaseData

COLUMNS = ["investment", "target_type", "target", "commodity", "input_commodity", "period", "decided_units",
           "in_service_units", "capacity_added_t", "capex", "fixed_cost", "discount_factor", "payer"]


def built_units(plan: object) -> dict:
    """{(investment, decision period): units} of a solved plan (`extract.Plan`), rounded to whole units."""
    return {key: float(round(v)) for key, v in plan.items("Build")}


def added_capacity(d: CaseData, units: dict, kind: str, key: object, p: str) -> float:
    """What the units in service in ``p`` add to a target, before its capacity factor (t)."""
    return sum(units.get((i, p), 0.0) * d.investments[i].capacity_t for i in d.invested.get((kind, key), ()))


def investment_tables(plan: object, d: CaseData) -> dict:
    """``{"investments": ..., "payers": ...}`` of a solved plan (empty dict without investments)."""
    if not d.investments:
        return {}
    decided = built_units(plan)
    serving = in_service(d, decided)
    rows = []
    pv = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])  # payer -> capex PV, fixed PV, capex nominal, fixed nominal
    for i, inv in d.investments.items():
        rec = next(r for r in d.inputs.tables["investments"] if r["investment"] == i)
        for p in d.periods:
            units, now = decided.get((i, p), 0.0), serving.get((i, p), 0.0)
            capex = units * inv.capex
            fixed = now * inv.fixed_per_year * d.cal.days[p] / 365.0
            disc = d.cal.discount[p]
            rows.append({"investment": i, "target_type": inv.kind, "target": rec["target"],
                         "commodity": rec.get("commodity"), "input_commodity": rec.get("input_commodity"),
                         "period": p, "decided_units": units, "in_service_units": now,
                         "capacity_added_t": now * inv.capacity_t, "capex": capex, "fixed_cost": fixed,
                         "discount_factor": disc, "payer": inv.payer})
            acc = pv[inv.payer or "(no payer)"]
            acc[0] += capex * disc
            acc[1] += fixed * disc
            acc[2] += capex
            acc[3] += fixed
    payers = pd.DataFrame([{"payer": payer, "capex_pv": a[0], "fixed_cost_pv": a[1], "total_pv": a[0] + a[1],
                            "capex_nominal": a[2], "fixed_cost_nominal": a[3]} for payer, a in sorted(pv.items())],
                          columns=["payer", "capex_pv", "fixed_cost_pv", "total_pv", "capex_nominal",
                                   "fixed_cost_nominal"])
    table = pd.DataFrame(rows, columns=COLUMNS)
    wide = table.pivot_table(index="period", columns="investment", values="capacity_added_t", aggfunc="sum",
                             sort=False).reindex(index=d.periods, columns=list(d.investments)).fillna(0.0)
    wide = wide.reset_index()
    wide.columns.name = None
    return {"investments": table, "payers": payers, "capacity_in_service": wide}


def in_service_by_period(plan: object, d: CaseData) -> dict:
    """{(investment, period): units in service} of a solved plan."""
    return in_service(d, built_units(plan)) if d.investments else {}


__all__ = ["COLUMNS", "added_capacity", "built_units", "in_service_by_period", "investment_tables"]
