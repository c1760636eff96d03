"""Benchmark outputs: results workbook, CSV, log-log charts and the performance targets."""
from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from corridor.bench.objectives import MIN_COST, frontier_points
from corridor.io.files import replace_atomically
from corridor.io.writer import write_solution

PNG_METADATA = {"Software": "corridor bench"}  # so that a later run knows the chart is its own
STAGES = ("read", "validate", "build", "handover", "solve", "extract", "write")
TARGETS = {"speedup_vs_stock": 4.0, "raw_load_ratio_max": 10.0, "slope_max": 1.15, "kb_per_nnz_max": 1.5,
           "default_case_s_max": 10.0, "strategic_solve_s_max": 120.0, "strategic_us_per_nnz_ratio_max": 1.5,
           "security_x_min_cost_max": 2.0, "frontier_x_min_cost_max": 5.0}
OBJECTIVE_COLUMNS = ("instance", "objective_kind", "security_metric", "rep", "scenarios", "nonzeros", "status",
                     "s_solve", "x_min_cost", "objective", "gap", "metric_value", "metric_gap", "steps", "steps_proven",
                     "points", "points_proven", "stopped_step", "steps_detail")


def frame(records: list[dict]) -> pd.DataFrame:
    """The benchmark records as one table, with the combined build + hand-over and total seconds and the peak
    memory per nonzero."""
    df = pd.DataFrame(records)
    for st in STAGES:
        if f"s_{st}" not in df:
            df[f"s_{st}"] = float("nan")
    df["s_build_handover"] = df["s_build"].fillna(0) + df["s_handover"].fillna(0)
    df["s_total"] = df[[f"s_{st}" for st in STAGES]].fillna(0).sum(axis=1)
    if "nonzeros" in df and "peak_mb" in df:
        df["kb_per_nnz"] = df["peak_mb"] * 1024 / df["nonzeros"]
    df["objective_kind"] = df["objective_kind"].fillna(MIN_COST) if "objective_kind" in df else MIN_COST
    df["x_min_cost"] = x_min_cost(df)
    return df


def _ran(df):
    """The records of runs that ended (neither skipped nor failed)."""
    return df.status.ne("skipped") & df.status.ne("error")


def x_min_cost(df: pd.DataFrame) -> pd.Series:
    """Solve seconds of each ``highs`` record divided by the median min-cost solve seconds of its instance in
    the same run (NaN where there is none: other solvers, failed runs)."""
    ok = (df.solver == "highs") & _ran(df)
    base = df[ok & df.objective_kind.eq(MIN_COST)].groupby("instance")["s_solve"].median()
    return (df["s_solve"] / df["instance"].map(base)).where(ok)


def _median(df, solver, kind=None):
    sel = df[(df.solver == solver) & _ran(df) & df.objective_kind.eq(MIN_COST)]
    if kind:
        sel = sel[sel.kind == kind]
    if sel.empty:
        return sel
    cols = [c for c in sel.columns if c.startswith(("s_", "peak_mb", "kb_per"))] + ["nonzeros"]
    return sel.groupby("instance")[cols].median().sort_values("nonzeros")


def slope(x: Iterable[float], y: Iterable[float]) -> float | None:
    """Least-squares slope of log(y) against log(x)."""
    pts = [(math.log(a), math.log(b)) for a, b in zip(x, y) if a > 0 and b > 0]
    if len(pts) < 2:
        return None
    mx = sum(p[0] for p in pts) / len(pts)
    my = sum(p[1] for p in pts) / len(pts)
    sxx = sum((p[0] - mx) ** 2 for p in pts)
    return sum((p[0] - mx) * (p[1] - my) for p in pts) / sxx if sxx else None


def targets(df: pd.DataFrame) -> pd.DataFrame:
    """The issue's performance targets, measured on this run (missing data -> 'not measured')."""
    rows = []
    own, stock = _median(df, "highs", "scaled"), _median(df, "appsi_highs", "scaled")
    if not own.empty and not stock.empty:
        common = own.index.intersection(stock.index)
        if len(common):
            big = own.loc[common, "nonzeros"].idxmax()
            ratio = stock.at[big, "s_build_handover"] / own.at[big, "s_build_handover"]
            rows.append(("build + hand-over vs stock appsi_highs (build + hand-over), largest size", big,
                         round(ratio, 2), f">= {TARGETS['speedup_vs_stock']}", ratio >= TARGETS["speedup_vs_stock"]))
            ho = stock.at[big, "s_handover"] / own.at[big, "s_build_handover"]
            rows.append(("build + hand-over vs the stock hand-over alone, largest size", big, round(ho, 2),
                         f">= {TARGETS['speedup_vs_stock']}", ho >= TARGETS["speedup_vs_stock"]))
    else:
        rows.append(("build + hand-over vs stock appsi_highs", "", None, "needs highs and appsi_highs", None))
    if not own.empty:
        sel = own[(own.nonzeros >= 1e4 * 0.5) & (own.nonzeros <= 2e6)]
        s = slope(sel.nonzeros, sel.s_build_handover)
        rows.append(("log-log slope of build + hand-over seconds vs nonzeros (1e4..1e6)",
                     ", ".join(sel.index), None if s is None else round(s, 3), f"<= {TARGETS['slope_max']}",
                     None if s is None else s <= TARGETS["slope_max"]))
        big = own.nonzeros.idxmax()
        if "s_raw_load" in own and own.at[big, "s_raw_load"] > 0:
            bh, raw = own.at[big, "s_build_handover"], own.at[big, "s_raw_load"]
            most = TARGETS["raw_load_ratio_max"]
            rows.append((f"build + hand-over vs a raw highspy load of the same arrays, largest size "
                         f"({bh:.3g} s vs {raw:.3g} s)", big, round(bh / raw, 2), f"<= {most:g}", bh / raw <= most))
        kb = own.at[big, "kb_per_nnz"]
        rows.append(("peak memory per nonzero end to end (KB), largest size", big, round(kb, 3),
                     f"<= {TARGETS['kb_per_nnz_max']}", kb <= TARGETS["kb_per_nnz_max"]))
    case = _median(df, "highs", "case")
    if "default" in case.index:
        t = case.at["default", "s_total"]
        rows.append(("default case, read to written workbook (s)", "default", round(t, 3),
                     f"< {TARGETS['default_case_s_max']}", t < TARGETS["default_case_s_max"]))
    if "strategic" in case.index:
        runs = df[(df.solver == "highs") & (df.instance == "strategic") & df.objective_kind.eq(MIN_COST)]
        gaps = runs["gap"].fillna(0) if "gap" in runs else pd.Series([0.0])
        proven = bool(runs.status.eq("optimal").all()) and bool(gaps.le(1e-4).all())
        t, most = case.at["strategic", "s_solve"], TARGETS["strategic_solve_s_max"]
        rows.append(("strategic case 2027-2032: solve proven optimal at gap 1e-4 (s)", "strategic", round(t, 3),
                     f"<= {most:g} and proven", proven and t <= most))
        if not own.empty:
            big = own.nonzeros.idxmax()
            us = case.at["strategic", "s_build_handover"] / case.at["strategic", "nonzeros"] * 1e6
            ref = own.at[big, "s_build_handover"] / own.at[big, "nonzeros"] * 1e6
            rows.append((f"strategic case build + hand-over per nonzero vs {big} (us/nnz: {us:.2f} vs {ref:.2f})",
                         "strategic", round(us / ref, 2), f"<= {TARGETS['strategic_us_per_nnz_ratio_max']}",
                         us / ref <= TARGETS["strategic_us_per_nnz_ratio_max"]))
    rows += objective_targets(df)
    return pd.DataFrame(rows, columns=["target", "instance", "measured", "required", "met"])


def objective_targets(df: pd.DataFrame) -> list:
    """Each ``max_security`` metric within `TARGETS` ``security_x_min_cost_max`` times the min-cost solve of the same
    instance in the same run, an N-point frontier within ``frontier_x_min_cost_max``, proven optimal (every
    repetition; the ratio of the medians)."""
    rows = []
    sel = df[(df.solver == "highs") & df.status.ne("skipped") & df.objective_kind.ne(MIN_COST)]
    for (inst, kind), runs in sel.groupby(["instance", "objective_kind"], sort=False):
        base = df[(df.solver == "highs") & (df.instance == inst) & df.objective_kind.eq(MIN_COST) & _ran(df)]
        frontier = frontier_points(kind) is not None
        most = TARGETS["frontier_x_min_cost_max" if frontier else "security_x_min_cost_max"]
        what = (f"{kind.replace('frontier', '')}-point frontier of {runs.security_metric.iloc[0]}" if frontier
                else f"max_security {kind}")
        if base.empty or runs.s_solve.isna().all():
            rows.append((f"{inst}: {what} vs its min-cost solve", inst, None, f"<= {most:g} and proven",
                         None))
            continue
        t, t0 = runs.s_solve.median(), base.s_solve.median()
        proven = bool(runs.status.eq("optimal").all())
        counts = runs.reindex(columns=["steps", "steps_proven"]).fillna(0)
        steps = f"{int(counts.steps_proven.min())}/{int(counts.steps.max())} solves proven"
        rows.append((f"{inst}: {what} solve vs its min-cost solve ({t:.3g} s vs {t0:.3g} s; {steps}; "
                     f"{runs.status.iloc[0]})", inst, round(t / t0, 2), f"<= {most:g} and proven",
                     proven and t / t0 <= most))
    return rows


def charts(df: pd.DataFrame, out: Path) -> list:
    """PNG charts (log-log): seconds per stage vs nonzeros (product path); build + hand-over by solver."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    written = []
    own = _median(df, "highs")
    if not own.empty:
        fig, ax = plt.subplots(figsize=(7, 5))
        for st in STAGES + ("build_handover",):
            col = f"s_{st}"
            if col in own and own[col].fillna(0).gt(0).any():
                sel = own[own[col] > 0]
                ax.plot(sel.nonzeros, sel[col], marker="o", label=st.replace("_", " + "))
        ax.set_xscale("log"), ax.set_yscale("log")
        ax.set_xlabel("nonzeros"), ax.set_ylabel("seconds")
        ax.set_title("corridor: seconds per stage vs model size (HiGHS, own hand-over)")
        ax.grid(True, which="both", alpha=0.3), ax.legend(fontsize=8)
        p = out / "stages_vs_nnz.png"
        fig.tight_layout(), save_png(fig, p), plt.close(fig)
        written.append(p)
    fig, ax = plt.subplots(figsize=(7, 5))
    drawn = False
    for solver in sorted(set(df.solver)):
        sel = _median(df, solver)
        if sel.empty or not sel.s_build_handover.gt(0).any():
            continue
        ax.plot(sel.nonzeros, sel.s_build_handover, marker="o", label=f"{solver}: build + hand-over")
        drawn = True
    if drawn:
        ax.set_xscale("log"), ax.set_yscale("log")
        ax.set_xlabel("nonzeros"), ax.set_ylabel("seconds")
        ax.set_title("build + hand-over by solver path")
        ax.grid(True, which="both", alpha=0.3), ax.legend(fontsize=8)
        p = out / "build_handover_by_solver.png"
        fig.tight_layout(), save_png(fig, p)
        written.append(p)
    plt.close(fig)
    return written


def save_png(fig: object, path: Path) -> Path:
    """Save a matplotlib figure as a PNG at ``path``, atomically and with the user's normal permissions."""
    return replace_atomically(path, lambda tmp: fig.savefig(tmp, format="png", dpi=110, metadata=PNG_METADATA))


def outputs_of(out: Path) -> list:
    """``[(path, kind)]`` of the files a benchmark writes into ``out`` (checked before it runs)."""
    return [(out / "results.xlsx", "bench"), (out / "results.csv", "csv"), (out / "stages_vs_nnz.png", "png"),
            (out / "build_handover_by_solver.png", "png")]


def write_outputs(records: list[dict], out: Path) -> dict:
    """results.xlsx (targets, results, stages, objectives when a case was timed for more than min cost,
    reference), results.csv and the charts in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    df = frame(records)
    table = df.drop(columns=[c for c in ("traceback",) if c in df])
    replace_atomically(out / "results.csv", lambda tmp: table.to_csv(tmp, index=False))
    tables = {"targets": targets(df), "results": table}
    stage_cols = (["instance", "kind", "solver", "objective_kind", "nonzeros"] + [f"s_{s}" for s in STAGES]
                  + ["s_total", "peak_mb"])
    ok = df[df.status.ne("skipped")]
    if not ok.empty:
        tables["stages"] = ok[[c for c in stage_cols if c in ok]].groupby(
            ["instance", "kind", "solver", "objective_kind"], as_index=False, sort=False).median(numeric_only=True)
    goals = df[(df.solver == "highs") & df.kind.eq("case") & df.status.ne("skipped")]
    if goals.objective_kind.ne(MIN_COST).any():
        tables["objectives"] = goals[[c for c in OBJECTIVE_COLUMNS if c in goals]]
    if "reference_optimum" in df and df.reference_optimum.notna().any():
        ref = df[df.reference_optimum.notna()]
        tables["reference"] = ref[[c for c in ("instance", "solver", "rep", "status", "reference_optimum", "objective",
                                               "rel_error", "match") if c in ref]]
    book = write_solution(tables, out / "results.xlsx", kind="bench")
    pngs = charts(df, out)
    return {"workbook": book, "csv": out / "results.csv", "charts": pngs, "frame": df, "targets": tables["targets"]}
