"""`corridor pareto`: the cost-security frontier of a workbook, written as a `pareto` sheet with a native
scatter chart and a PNG plot beside the workbook.

The sweep (`solve.frontier.frontier_plans`) keeps one HiGHS instance: between points only the budget row, the cap
row and the objective change, and each solve starts from the previous plan.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from openpyxl.chart import Reference, ScatterChart, Series

from corridor.formulation.build import Formulation, formulate
from corridor.io.files import OutputError, atomic_save, replace_atomically, same_file
from corridor.io.writer import solution_workbook
from corridor.results.metrics import security_tables
from corridor.solve.frontier import frontier_plans
from corridor.solve.secure import SecureSolver
from corridor.solve.steps import NOT_COMPUTED

if TYPE_CHECKING:
    from corridor.io.validate import Inputs

METRIC_ROWS = ("expected_shortfall_share", "cvar_shortfall_share", "worst_case_shortfall_share",
               "max_dependence_share")


def design(f: Formulation, x: Sequence[float]) -> dict:
    """Routes used (activated, or carrying tonnes in any scenario), sites opened, licences applied for."""
    spec = f.spec
    used = {r for r, j in spec.col.get("Active", {}).items() if x[j] > 0.5}
    for v in f.views.values():
        used |= {r for (r, _k, _p), j in v.col("Ship").items() if x[j] > 1e-6}
    opened = sorted(s for s, j in spec.col.get("Open", {}).items() if x[j] > 0.5)
    held = {}
    for (L, _a), j in spec.col.get("Apply", {}).items():
        if x[j] > 0.5:
            held[L] = held.get(L, 0) + 1
    return {"routes_used": len(used), "routes": ", ".join(sorted(used)), "sites_open": ", ".join(opened) or "none",
            "licences_held": ", ".join(f"{L} x{n}" for L, n in sorted(held.items())) or "none"}


def frontier(inputs: Inputs, points: int = 5, metric: str | None = None,
             tee: bool = False) -> tuple[pd.DataFrame, SecureSolver, dict]:
    """(table of the frontier's points, formulation, settings): see `solve.frontier.frontier_plans`.  The points
    share ``time_limit_s`` (a point with no time left has status ``not_computed`` and a note saying so)."""
    margin = inputs.settings["objective"] == "max_margin"  # trace margin (revenue - cost) against security
    settings = {**inputs.settings, "objective": "max_security", "margin": margin}
    if metric:
        settings["security_metric"] = metric
    inputs = dataclasses.replace(inputs, settings=settings)
    f = formulate(inputs)
    ss, sweep = frontier_plans(f, settings, points, tee)
    rows = []
    for i, (budget, res, x) in enumerate(sweep):
        row = {"point": i + 1, "budget": budget, "status": res.status,
               "note": "" if res.status == "optimal" else res.message}
        if x is not None:
            sec = security_tables(f, x, settings)["security"]
            tot = sec[sec.scope == "total"].set_index("metric")["value"]
            row["expected_cost"] = ss.cost_of(x)
            if margin:
                row["expected_margin"] = -row["expected_cost"]
            row[f"optimised:{ss.rows.metric}"] = ss.metric_of(x)
            row.update({k: float(tot[k]) for k in METRIC_ROWS})
            row.update(design(f, x))
        rows.append(row)
    return pd.DataFrame(rows), ss, settings


def write_pareto(table: pd.DataFrame, path: str | Path, settings: dict, solves: list,
                 input_path: str | Path | None = None) -> list:
    """Write the frontier workbook (``pareto`` sheet + chart, ``summary``) and a PNG beside it; return paths."""
    path = Path(path)
    if input_path is not None and same_file(input_path, path):
        raise OutputError(f"refusing to write the frontier over the input workbook {path}")
    metric = settings["security_metric"]
    summary = pd.DataFrame([("input_file", Path(input_path).name if input_path else ""), ("security_metric", metric),
                            ("points", len(table)), ("currency", settings.get("currency", "")),
                            ("method", "epsilon-constraint on the expected-cost budget: at each budget the metric "
                                       "is minimised, then the cost at that metric; one HiGHS instance, warm-started")]
                           + [(f"solve_{i + 1}", f"{o} budget={b} cap={c}: {s} {v} in {t:.2f} s")
                              for i, (o, b, c, s, v, t) in enumerate(solves)]
                           + [("not_computed", f"point {r['point']}: {r['note']}") for _, r in table.iterrows()
                              if r["status"] == NOT_COMPUTED], columns=["item", "value"])
    wb = solution_workbook({"summary": summary, "pareto": table})
    ws = wb["pareto"]
    cols = list(table.columns)
    if "expected_cost" in cols and len(table):
        ycol = cols.index(f"optimised:{metric}") + 1
        xcol = cols.index("expected_cost") + 1
        chart = ScatterChart()
        chart.title = f"Cost-security frontier ({metric})"
        chart.style = 13
        chart.x_axis.title, chart.y_axis.title = "expected total cost", f"{metric} (share of demand)"
        xs = Reference(ws, min_col=xcol, min_row=2, max_row=len(table) + 1)
        ys = Reference(ws, min_col=ycol, min_row=1, max_row=len(table) + 1)
        series = Series(ys, xs, title_from_data=True)
        series.marker.symbol = "circle"
        chart.series.append(series)
        chart.height, chart.width = 9, 18
        ws.add_chart(chart, f"{chr(ord('A') + min(len(cols), 20))}2")
    atomic_save(wb, path, "pareto")
    png = path.with_suffix(".png")
    _plot(table, metric, png, settings.get("currency", ""))
    return [path, png]


def _plot(table, metric, png, currency):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    ok = table.dropna(subset=["expected_cost"]) if "expected_cost" in table else table.iloc[0:0]
    if len(ok):
        # the best metric a budget can buy is a staircase: it only improves at the next point's cost
        ax.step(ok["expected_cost"] / 1e6, ok[f"optimised:{metric}"], where="post")
        ax.plot(ok["expected_cost"] / 1e6, ok[f"optimised:{metric}"], "o")
        for _, r in ok.iterrows():
            ax.annotate(str(int(r["point"])), (r["expected_cost"] / 1e6, r[f"optimised:{metric}"]),
                        textcoords="offset points", xytext=(4, 4), fontsize=8)
    ax.set_xlabel(f"expected total cost (million {currency})")
    ax.set_ylabel(f"{metric} (share of demand)")
    ax.set_title("Cost-security frontier")
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    try:  # atomically, with the user's normal permissions (the umask's, not a temporary file's 0600)
        replace_atomically(png, lambda tmp: fig.savefig(tmp, format="png", dpi=120,
                                                        metadata={"Software": "corridor pareto"}))
    finally:
        plt.close(fig)
