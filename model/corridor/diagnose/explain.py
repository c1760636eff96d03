"""Why no plan exists: the input rows that cannot all hold.

`explain_infeasible(f, settings)` works on the formulation that could not be solved:

(a) The LP relaxation (integrality dropped) goes to a fresh HiGHS.  If it is infeasible, HiGHS computes an
    irreducible infeasible subsystem (IIS: rows and column bounds that cannot all hold, while dropping any
    one of them leaves a feasible rest).  Each IIS row and column bound is traced back to the input cells
    that set it (`Tracer`): the sites row and its min_throughput_t, the demand row and its must_meet, the
    seasonality or disruptions row that scales a capacity, the rows that give a route its bound U[r,p] ...
(b) If the LP relaxation is feasible, only integrality (an on/off decision with a minimum, a count of
    routes) makes the model infeasible.  An elastic re-solve keeps integrality, lets every hard row that a
    user sets (the registry's elastic blocks, `families.elastic_blocks`: minimum throughput, minimum route
    volume, share policies, active-route counts, licence quotas, must-meet demand) be violated by a slack >= 0
    and minimises the total slack, each relative to the row's own figure (tonnes / its minimum, quota,
    quantity or the market's demand; routes / 1).  Rows with a positive slack are reported with the amount.
    Those rows are then held and the re-solve repeated: that names the other side of the conflict, until no
    plan exists at all (at most `ROUNDS`).

All steps share the run's ``time_limit_s``; when it stops one, the explanation says so.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import highspy
import numpy as np

from corridor.diagnose.trace import Tracer, label, locate_col, locate_row
from corridor.formulation import families
from corridor.formulation.spec import INF
from corridor.solve import runtime
from corridor.solve.highs import to_highs

if TYPE_CHECKING:
    from corridor.formulation.build import Formulation

IIS_STRATEGY = int(highspy.IisStrategy.kIisStrategyFromLp) | int(highspy.IisStrategy.kIisStrategyIrreducible)
IIS_TIME_LIMIT, IIS_IRREDUCIBLE = 1, 3  # HighsIis.status_ (IisModelStatus, not exported by highspy)
ROUNDS = 5


@dataclass
class Conflict:
    """One model row or column bound of a conflict, with the input cell behind it and what it requires."""

    name: str  # model row or column bound, e.g. "Site_Min_Throughput[S, P1]" or "Ship[R, ore, P1] <= 10"
    sheet: str
    rows: tuple  # Excel rows
    column: str
    value: object
    text: str
    scenario: str | None = None
    period: str | None = None
    violation: float | None = None  # elastic re-solve: by how much the row had to give
    unit: str = ""  # of the violation: t or routes
    side: str = ""  # short by (a lower limit) | over by (an upper limit)
    round: int = 0  # elastic: 1 = the least change; 2, 3 = the alternatives once the earlier rows hold


@dataclass
class Explanation:
    """Why no plan exists: the conflicting input cells (``conflicts``), how they were found (``kind``:
    ``lp_iis``, ``integrality`` or ``unknown``) and notes on the search."""

    kind: str  # lp_iis | integrality | unknown
    conflicts: list = field(default_factory=list)
    message: str = ""
    seconds: float = 0.0
    notes: list = field(default_factory=list)

    def cells(self) -> set:
        """{(sheet, Excel row, column)} of every conflict (the rows a user would change)."""
        return {(c.sheet, r, c.column) for c in self.conflicts for r in c.rows}

    def lines(self, limit: int | None = None) -> list:
        """The explanation as printable lines: one per input cell (the periods it holds in are merged); at most
        ``limit`` of those, then how many more there are."""
        head = {"lp_iis": "These input rows cannot all hold:",
                "integrality": "These input rows cannot all hold (with the on/off decisions; each would have to "
                               "give by the amount shown):",
                "unknown": "Could not name the input rows that conflict:"}[self.kind]
        out = [head] + [f"  ({n})" for n in ([self.message] if self.message else []) + self.notes]
        groups = {}
        for c in self.conflicts:
            groups.setdefault((c.round, c.scenario, c.sheet, c.rows, c.column, str(c.value)), []).append(c)
        last_round = 0
        for shown, ((rnd, scen, sheet, rows, col, _v), cs) in enumerate(groups.items()):
            if limit is not None and shown == limit:
                out.append(f"  ... and {len(groups) - shown} more input cell(s)")
                break
            if rnd > 1 and rnd != last_round:
                out.append("  or, if the rows above must hold:")
            last_round = rnd
            c = cs[0]
            where = f"{sheet} row {', '.join(map(str, rows))}" if rows else sheet
            line = f"  {where}, {col} {_fmt(c.value)}: {c.text}"
            periods = sorted({x.period for x in cs if x.period} - {c.period})
            if periods:
                line += f" (also {', '.join(periods[:4])}{' ...' if len(periods) > 4 else ''})"
            if c.violation is not None:
                amounts = [x for x in cs if x.violation is not None]
                line += ": " + ", ".join(_amount(x) for x in amounts[:4]) + (" ..." if len(amounts) > 4 else "")
            out.append(line + (f" [scenario {scen}]" if scen else ""))
        return out


def _fmt(v):
    return f"{v:g}" if isinstance(v, float) else str(v)


def _amount(c):
    return f"{c.side} {c.violation:.6g} {c.unit}" + (f" in {c.period}" if c.period else "")


def _conflicts(name, scen, cites, **kw):
    return [Conflict(name, c.sheet, c.rows, c.column, c.value, c.text, scen, c.period, **kw) for c in cites]


# -- the explanation ------------------------------------------------------------------------------------
def explain_infeasible(f: Formulation, settings: dict | None = None) -> Explanation:
    """Why ``f`` (a `build.Formulation`) has no plan: see the module docstring."""
    settings = settings if settings is not None else f.d.settings
    t0 = time.perf_counter()
    deadline = t0 + float(settings.get("time_limit_s") or 600.0)
    tracer = Tracer(f)
    ex = _empty_rows(f, tracer)
    if ex is None:
        ex = _lp_iis(f, settings, tracer, deadline)
    if ex is None:
        ex = _elastic(f, settings, tracer, deadline)
    ex.seconds = time.perf_counter() - t0
    return ex


def _highs(f, settings, deadline, integer=True):
    h = to_highs(f.spec, {**settings, "time_limit_s": max(1e-3, deadline - time.perf_counter())})
    ints = f.spec.integer_columns()
    if not integer and len(ints):
        h.changeColsIntegrality(len(ints), ints, np.zeros(len(ints), dtype=np.uint8))
    return h


def _empty_rows(f, tracer):
    """Rows with no column at all whose bounds exclude 0 (e.g. a must-meet demand that no flow can reach):
    each is an irreducible infeasible subsystem by itself, found without a solver; None when there are none."""
    out = []
    for i in f.spec.unmet_empty_rows():
        block, key = locate_row(f.spec, i)
        scen, cites = tracer.row(block, key)
        out += _conflicts(label(block, key), scen, cites)
    if not out:
        return None
    return Explanation("lp_iis", out, notes=["no flow at all can reach these rows: each cannot hold on its own"])


def _lp_iis(f, settings, tracer, deadline):
    """(a): the IIS of the LP relaxation, traced back; None when the LP relaxation is feasible."""
    spec = f.spec
    h = _highs(f, settings, deadline, integer=False)
    runtime.run(h)
    S = highspy.HighsModelStatus
    ms = h.getModelStatus()
    if ms == S.kOptimal:
        return None
    if ms not in (S.kInfeasible, S.kUnboundedOrInfeasible):
        return Explanation("unknown", message=f"the LP relaxation ended with '{h.modelStatusToString(ms)}'"
                           + (" (the time limit)" if ms == S.kTimeLimit else ""))
    alone = _one_scenario(f, h) if f.two_stage else None
    h.setOptionValue("iis_strategy", IIS_STRATEGY)
    h.setOptionValue("iis_time_limit", max(1e-3, deadline - time.perf_counter()))
    status, iis = h.getIis()
    rows, cols = list(iis.row_index_), list(iis.col_index_)
    if status == highspy.HighsStatus.kError or not iis.valid_ or not (rows or cols):
        return Explanation("unknown", message="HiGHS found no infeasible subsystem" + (
            ": the time limit (time_limit_s) stopped it" if iis.status_ == IIS_TIME_LIMIT else f" ({status})"))
    out = []
    for i in rows:
        block, key = locate_row(spec, i)
        scen, cites = tracer.row(block, key)
        out += _conflicts(label(block, key), scen, cites)
    skipped = 0
    for j, side in zip(cols, iis.col_bound_):
        block, key = locate_col(spec, j)
        upper = int(side) == int(highspy.IisBoundStatus.kIisBoundStatusUpper)
        scen, cites = tracer.col(block, key, upper)
        bound = spec.ub[j] if upper else spec.lb[j]
        out += _conflicts(f"{label(block, key)} {'<=' if upper else '>='} {bound:g}", scen, cites)
        skipped += not cites
    ex = Explanation("lp_iis", out)
    if iis.status_ != IIS_IRREDUCIBLE:
        ex.message = ("the time limit (time_limit_s) stopped the search: these rows conflict, but not all of them "
                      "may be needed" if iis.status_ == IIS_TIME_LIMIT else "HiGHS could not reduce the set further")
    if alone:
        ex.notes.append(f"scenario {alone} alone has no plan: its rows are searched first")
    ex.notes.append(f"{'an irreducible' if iis.status_ == IIS_IRREDUCIBLE else 'an'} infeasible subsystem of the "
                    f"LP relaxation: {len(rows)} row(s) and {len(cols)} "
                    "column bound(s)" + (f"; {skipped} bound(s) only say tonnes >= 0 or a decision <= 1" if skipped
                                         else ""))
    return ex


def _one_scenario(f, h):
    """The first scenario (sheet order, the base first) that has no plan on its own: the other scenarios'
    rows are left free in ``h`` (an IIS of that part is one of the whole, and far quicker to find); None
    (``h`` unchanged) when only the scenarios together conflict."""
    spec, inf = f.spec, highspy.kHighsInf
    own = {s: [] for s in f.views}
    for rb in spec.row_blocks.values():
        if rb.name not in families.once_blocks():
            for i, key in zip(rb.rows(), rb.keys):
                own[key[0]].append(i)
    for s in f.views:
        rows = np.array([i for t, rs in own.items() if t != s for i in rs], dtype=np.int32)
        h.changeRowsBounds(len(rows), rows, np.full(len(rows), -inf), np.full(len(rows), inf))
        runtime.run(h)
        if h.getModelStatus() == highspy.HighsModelStatus.kInfeasible:
            return s
        lo, hi = (np.clip(np.frombuffer(a, dtype=np.float64)[rows], -inf, inf) for a in (spec.row_lo, spec.row_hi))
        h.changeRowsBounds(len(rows), rows, lo, hi)
    runtime.run(h)
    return None


def _elastic(f, settings, tracer, deadline):
    """(b): elastic re-solves with integrality (see the module docstring)."""
    spec = f.spec
    h = _highs(f, settings, deadline)
    n = spec.n_cols
    h.changeColsCost(n, np.arange(n, dtype=np.int32), np.zeros(n))
    h.changeObjectiveOffset(0.0)
    slacks = []  # (row, block, key, sign, scale)
    for name in families.elastic_blocks():
        rb = spec.row_blocks.get(name)
        for i, key in zip(rb.rows() if rb else (), rb.keys if rb else ()):
            slacks.append((i, name, key, 1.0 if spec.row_lo[i] > -INF else -1.0, tracer.scale(name, key)))
    if not slacks:
        return Explanation("unknown", message="the LP relaxation is feasible and no hard row set in the input "
                                              "could be relaxed")
    m = len(slacks)
    h.addCols(m, np.array([1.0 / s[4] for s in slacks]), np.zeros(m), np.full(m, highspy.kHighsInf), m,
              np.arange(m, dtype=np.int32), np.array([s[0] for s in slacks], dtype=np.int32),
              np.array([s[3] for s in slacks]))
    out, held, stop = [], [], ""
    for rnd in range(1, ROUNDS + 1):
        runtime.set_time_limit(h, max(1e-3, deadline - time.perf_counter()))
        runtime.run(h)
        timed = h.getModelStatus() == highspy.HighsModelStatus.kTimeLimit
        if h.getInfo().primal_solution_status != 2:
            if timed:
                stop = "the time limit (time_limit_s) stopped the elastic re-solve"
            elif rnd == 1:
                stop = "even with the input's hard rows relaxed no plan exists"
            break
        x = np.asarray(h.getSolution().col_value)
        found = []
        for idx, (i, name, key, sign, sc) in enumerate(slacks):
            val = x[n + idx]
            if val > 1e-6 * max(1.0, sc) and idx not in held:
                found.append(idx)
                out += _violated(spec, tracer, i, name, key, sign, val, x, rnd)
        if not found:
            if rnd == 1:
                stop = "the model is feasible when re-solved: the first solve may have stopped early"
            break
        held += found
        h.changeColsBounds(len(found), np.array([n + i for i in found], dtype=np.int32), np.zeros(len(found)),
                           np.zeros(len(found)))
        if timed:
            stop = "the time limit stopped the elastic re-solve: the amounts may not be the least"
            break
    ex = Explanation("integrality" if out else "unknown", out, message=stop)
    ex.notes.append("the LP relaxation is feasible: only the on/off decisions make it infeasible")
    return ex


def _violated(spec, tracer, i, name, key, sign, val, x, rnd):
    """Conflicts of row ``i`` whose slack is ``val`` (tonnes, routes; a share policy also as a share)."""
    scen, cites = tracer.row(name, key)
    unit = "route(s)" if name == "Policy_Active_Routes" else "t"
    conflicts = _conflicts(label(name, key), scen, cites, violation=float(val), unit=unit, round=rnd,
                           side="short by" if sign > 0 else "over by")
    if name in ("Policy_Min_Share", "Policy_Max_Share"):
        a, b = spec.indptr[i], spec.indptr[i + 1]
        cols, coefs = spec.indices[a:b], spec.data[a:b]
        received = sum(x[j] for j in cols)
        share = next(c.value for c in cites)
        part = sum((c + share) * x[j] for j, c in zip(cols, coefs))
        if received > 1e-9:
            for c in conflicts:
                c.text += f" (the plan reaches a share of {part / received:.4g} of {received:g} t)"
    return conflicts
