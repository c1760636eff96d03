"""Numerical checks of a formulation, reported as input warnings (`numeric_warnings(f)` -> [Issue]).

- Span: the absolute non-zero matrix coefficients, and the finite non-zero right-hand sides and column
  upper bounds of tonnes, should not span more than ``SPAN_LIMIT`` (max / min).  Beyond it HiGHS's
  tolerances (about 1e-6 .. 1e-9, relative) no longer tell a small term from rounding.  The smallest and
  the largest entry are named with the input cells they come from.
- Big-M: every M in the model is data (docs/formulation.md section 10): U[r,p] in Route_Active and
  Route_Period_Max, the site's effective capacity in Site_Capacity (times Open), U[L,p] = sum of U[r,p] in
  Licence_Gate and Licence_Cover_Gate.  An M far above the most of its commodity that can be used over the
  horizon (``need``: the demand for it, plus what sites consuming it need to make their output's need, in
  tonnes) makes the on/off link weak: a flow of M * 1e-9 (a solver tolerance on the binary) is then tonnes.
  Warned when M > ``BIG_M_FACTOR`` * need.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from corridor.diagnose.trace import Cite, Tracer, label, locate_col, locate_row
from corridor.formulation import families
from corridor.io.issues import Issue

if TYPE_CHECKING:
    from corridor.formulation.build import Formulation
    from corridor.formulation.case_data import CaseData

SPAN_LIMIT = 1e9
BIG_M_FACTOR = 1e6


def numeric_warnings(f: Formulation) -> list:
    """[Issue] (severity warning) about the coefficient span and big-Ms of the formulation ``f``."""
    tracer = Tracer(f)
    return _span(f, tracer) + _big_m(f, tracer)


def _issue(cites, message):
    if not cites:
        return Issue("", None, "", message, "warning")
    c = cites[0]
    more = "; ".join(f"{x.sheet} row {x.rows[0]} {x.column}" for x in cites[1:4] if x.rows)
    return Issue(c.sheet, c.rows[0] if c.rows else None, c.column,
                 message + (f" (also {more})" if more else ""), "warning")


def _coef_cites(f, tracer, i, j):
    """Input cells behind the coefficient of column ``j`` in row ``i``."""
    block, key = locate_row(f.spec, i)
    cblock, ckey = locate_col(f.spec, j)
    if block == "Node_Balance" and cblock == "Process":  # a site's yield
        v, _s, k = tracer.split(cblock, ckey, column=True)
        rec = v.d.sites[k[0]]
        return label(block, key), [Cite("sites", (rec["_row"],), "yield", rec["yield"], "")]
    return label(block, key), tracer.row(block, key)[1]


def _span(f, tracer):
    spec = f.spec
    out = []
    a = np.abs(np.frombuffer(spec.data, dtype=np.float64)) if spec.n_nonzeros else np.zeros(0)
    nz = np.flatnonzero(a)
    if len(nz):
        lo, hi = nz[np.argmin(a[nz])], nz[np.argmax(a[nz])]
        if a[hi] > SPAN_LIMIT * a[lo]:
            indptr = np.frombuffer(spec.indptr, dtype=np.int64)
            what = (f"the matrix coefficients span {a[lo]:.3g} .. {a[hi]:.3g} (ratio {a[hi] / a[lo]:.2g} > "
                    f"{SPAN_LIMIT:g})")
            for end, pos in (("smallest", lo), ("largest", hi)):
                i = int(np.searchsorted(indptr, pos, side="right") - 1)
                name, cites = _coef_cites(f, tracer, i, int(spec.indices[pos]))
                out.append(_issue(cites if a[pos] != 1.0 else [],
                                  f"numerics: {what}: the {end}, {a[pos]:.3g} in {name}, comes from here; the "
                                  "solver's tolerances may not hold (rescale the units, e.g. kt instead of t)"))
    vals, kinds, where = [], [], []  # finite non-zero row bounds and upper bounds of tonnes (not binaries)
    for arr, kind in ((spec.row_lo, "row"), (spec.row_hi, "row"), (spec.ub, "col")):
        x = np.abs(np.frombuffer(arr, dtype=np.float64))
        keep = np.isfinite(x) & (x > 0)
        if kind == "col":
            keep &= np.frombuffer(spec.integer, dtype=np.int8) == 0
        idx = np.flatnonzero(keep)
        vals.append(x[idx])
        where.append(idx)
        kinds += [kind] * len(idx)
    vals, where = np.concatenate(vals), np.concatenate(where)
    if len(vals) and vals.max() > SPAN_LIMIT * vals.min():
        what = f"the bounds and right-hand sides span {vals.min():.3g} .. {vals.max():.3g} " \
               f"(ratio {vals.max() / vals.min():.2g} > {SPAN_LIMIT:g})"
        for end, t in (("smallest", int(np.argmin(vals))), ("largest", int(np.argmax(vals)))):
            kind, idx = kinds[t], int(where[t])
            if kind == "row":
                block, key = locate_row(spec, idx)
                name, cites = label(block, key), tracer.row(block, key)[1]
            else:
                block, key = locate_col(spec, idx)
                name, cites = label(block, key), tracer.col(block, key)[1]
            out.append(_issue(cites, f"numerics: {what}: the {end}, {vals[t]:.3g} in {name}, comes from here; the "
                                     "solver's tolerances may not hold"))
    return out


def need(d: CaseData) -> dict:
    """Commodity -> the most tonnes of it the demand can use over the horizon (see the module docstring)."""
    demand = {}
    for (_m, c, _e, _p), (q, _pen, _pr) in d.demand.items():
        demand[c] = demand.get(c, 0.0) + q
    memo = {}

    def of(c, seen=()):
        if c not in memo:
            total = demand.get(c, 0.0)
            for rec in d.sites.values():
                if rec["input_commodity"] == c and rec["yield"] and rec["output_commodity"] not in seen + (c,):
                    total += of(rec["output_commodity"], seen + (c,)) / rec["yield"]
            if seen:
                return total
            memo[c] = total
        return memo[c]

    return {c: of(c) for c in d.commodities}


def _big_m(f, tracer):
    """One warning per route, site or licence whose largest M exceeds BIG_M_FACTOR * need."""
    spec = f.spec
    nd = need(tracer.first.d)  # (the demand is the same in every scenario)
    floor = BIG_M_FACTOR * min([x for x in nd.values() if x > 0], default=np.inf)
    if not spec.n_nonzeros or floor == np.inf:
        return []
    data = np.abs(np.frombuffer(spec.data, dtype=np.float64))
    on_binary = np.frombuffer(spec.integer, dtype=np.int8)[np.frombuffer(spec.indices, dtype=np.int32)] > 0
    row_of = np.repeat(np.arange(spec.n_rows), np.diff(np.frombuffer(spec.indptr, dtype=np.int64)))
    big = np.zeros(spec.n_rows)  # each row's largest coefficient on a binary column: its M
    np.maximum.at(big, row_of[on_binary], data[on_binary])
    worst = {}  # (kind, entity) -> (M, need, row block, key)
    for name, kind in families.big_m_blocks().items():
        rb = spec.row_blocks.get(name)
        for i, key in zip(rb.rows() if rb else (), rb.keys if rb else ()):
            m = big[i]
            if m <= floor:
                continue
            v, _s, k = tracer.split(name, key)
            if kind == "route":
                ref = nd.get(v.d.routes[k[0]].commodity, 0.0)
            elif kind == "site":
                ref = nd.get(v.d.sites[k[0]]["input_commodity"], 0.0)
            else:
                ref = max(nd.values(), default=0.0)
            if ref > 0 and m > BIG_M_FACTOR * ref and m > worst.get((kind, k[0]), (0.0,))[0]:
                worst[(kind, k[0])] = (m, ref, name, key)
    out = []
    for (kind, entity), (m, ref, name, key) in sorted(worst.items()):
        cites = tracer.row(name, key)[1]
        out.append(_issue(cites, f"numerics: the big-M of {kind} {entity} ({m:.3g} t in {label(name, key)}) is "
                                 f"{m / ref:.2g} times the most of its commodity the demand can use over the horizon "
                                 f"({ref:.3g} t): the on/off link is weak (a solver tolerance on the decision is "
                                 "tonnes); tighten the capacity that sets it"))
    return out
