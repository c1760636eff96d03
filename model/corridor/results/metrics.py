"""Security metrics of a solved plan (every plan, min-cost ones too): shortfall per scenario, expected
shortfall, worst case, CVaR, dependence per market (and the rows of the corridor N-1 re-solves of
`corridor.results.n1`); the `security` and `scenarios` sheets.  Definitions: docs/security.md.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from corridor.formulation.families.security import cvar, demand_tonnes, supply_countries

if TYPE_CHECKING:
    from corridor.formulation.build import Formulation
    from corridor.results.n1 import CorridorN1

METRIC_SHARE = {"expected_shortfall": "expected_shortfall_share", "cvar_shortfall": "cvar_shortfall_share",
                "worst_case_shortfall": "worst_case_shortfall_share", "max_dependence": "max_dependence_share"}

EPS = 1e-6


def _val(x, j):
    v = x[j]
    return 0.0 if v is None or abs(v) < EPS else float(v)


def view_outcome(v: Formulation, x: Sequence[float]) -> dict:
    """Cost, delivered and shortfall (t) of one scenario's plan, in total and per market."""
    got, got_c, per_c = defaultdict(float), defaultdict(float), defaultdict(float)
    for (mk, c, _e, _p, _k), j in v.col("Deliver").items():
        got[mk] += _val(x, j)
        got_c[(mk, c)] += _val(x, j)
    for (mk, c, _e, _p), (q, _pen, _price) in v.d.demand.items():
        per_c[(mk, c)] += q
    _D, per_market = demand_tonnes(v.d)
    cost = {line: c0 + sum(a * x[j] for j, a in zip(cols, coefs))
            for line, (cols, coefs, c0) in v.cost_lines().items()}
    short = {m: q - got.get(m, 0.0) for m, q in per_market.items()}
    short = {m: (v if v > EPS else 0.0) for m, v in short.items()}
    by_c = {key: max(0.0, q - got_c.get(key, 0.0)) for key, q in per_c.items()}
    return {"scenario": v.name, "probability": v.probability, "cost": sum(cost.values()), "costs": cost,
            "demand": per_market, "delivered": dict(got), "shortfall": short,
            "demand_by_commodity": dict(per_c), "shortfall_by_commodity": {k: (t if t > EPS else 0.0)
                                                                          for k, t in by_c.items()}}


def dependence(v: Formulation, x: Sequence[float]) -> dict:
    """{market: ({token: tonnes}, received tonnes)}: tonnes delivered whose chain depends on a token.

    Tokens: transit countries of every route in the chain, the processing country, and '@corridor' of the
    route that left the producing country.  Tonnes of one tag that meet at a node are taken as mixed
    (proportional tracing over the horizon); tags the model keeps apart stay apart.
    """
    d = v.d
    made_in = supply_countries(d)
    inflow = defaultdict(list)  # (node, tag) -> [(tonnes, source (node, tag) or None, own tokens)]
    agg = defaultdict(float)
    for (r, k, _p), j in v.col("Ship").items():
        t = _val(x, j)
        if t:
            agg[(r, k)] += t
    for (r, k), t in agg.items():
        route = d.routes[r]
        own = set(route.transit_countries)
        if route.o_country in made_in and route.d_country != route.o_country:
            own.add("@" + route.corridor)
        inflow[(route.destination, d.arrive_tag[(r, k)])].append((t, (route.origin, k), own))
    proc = defaultdict(float)
    for (s, ki, ko, _p), j in v.col("Process").items():
        t = _val(x, j)
        if t:
            proc[(s, ki, ko)] += t
    for (s, ki, ko), t in proc.items():
        node = d.sites[s]["site"]
        inflow[(node, ko)].append((t * d.sites[s]["yield"], (node, ki), {d.country[node]}))
    for (n, k, _p), j in v.col("Supply").items():
        t = _val(x, j)
        if t:
            inflow[(n, k)].append((t, None, set()))
    frac = {}  # (node, tag) -> {token: share of its tonnes}
    for _ in range(60):
        changed = False
        for key, ins in inflow.items():
            total = sum(t for t, _s, _o in ins)
            acc = defaultdict(float)
            for t, src, own in ins:
                for tok in own:
                    acc[tok] += t
                if src is not None:
                    for tok, share in frac.get(src, {}).items():
                        if tok not in own:
                            acc[tok] += t * share
            new = {tok: a / total for tok, a in acc.items()} if total > 0 else {}
            old = frac.get(key, {})
            if any(abs(new.get(tok, 0.0) - old.get(tok, 0.0)) > 1e-12 for tok in set(new) | set(old)):
                changed = True
            frac[key] = new
        if not changed:
            break
    out = {}
    for (mk, _c, _e, _p, k), j in v.col("Deliver").items():
        t = _val(x, j)
        toks, received = out.setdefault(mk, (defaultdict(float), [0.0]))
        received[0] += t
        for tok, share in frac.get((mk, k), {}).items():
            if tok not in made_in and tok != d.country[mk]:
                toks[tok] += t * share
    return {mk: (dict(toks), rec[0]) for mk, (toks, rec) in out.items()}


def security_tables(f: Formulation, x: Sequence[float], settings: dict, n1: CorridorN1 | None = None) -> dict:
    """The `security` and `scenarios` sheets of the plan ``x`` of formulation ``f`` (``n1``: its corridor N-1
    re-solves, `corridor.results.n1.corridor_n1`)."""
    views = list(f.views.values())
    outs = [view_outcome(v, x) for v in views]
    D, per_market = demand_tonnes(f.d)
    D = D or 1.0
    probs = [o["probability"] for o in outs]
    losses = [sum(o["shortfall"].values()) / D for o in outs]
    alpha = settings.get("cvar_alpha", 0.9)
    rows = []

    def add(scope, market, metric, value, unit, detail=""):
        rows.append({"scope": scope, "market": market, "metric": metric, "value": value, "unit": unit,
                     "detail": detail})

    exp_t = sum(p * sum(o["shortfall"].values()) for p, o in zip(probs, outs))
    worst = max(range(len(outs)), key=lambda i: losses[i])
    add("total", "*", "expected_cost", sum(p * o["cost"] for p, o in zip(probs, outs)), "currency",
        "probability-weighted total cost over the scenarios")
    add("total", "*", "expected_shortfall_t", exp_t, "t", "probability-weighted tonnes not delivered")
    add("total", "*", "expected_shortfall_share", exp_t / D, "share", "of the demand over the horizon")
    add("total", "*", "worst_case_shortfall_share", losses[worst], "share", f"scenario {outs[worst]['scenario']}")
    add("total", "*", "cvar_shortfall_share", cvar(losses, probs, alpha), "share",
        f"CVaR at alpha {alpha:g}: mean shortfall share of the worst {100 * (1 - alpha):g}% of outcomes")
    dep = defaultdict(lambda: [defaultdict(float), 0.0])
    for v, p in zip(views, probs):
        for mk, (toks, rec) in dependence(v, x).items():
            acc = dep[mk]
            for tok, t in toks.items():
                acc[0][tok] += p * t
            acc[1] += p * rec
    largest, largest_of = 0.0, ""
    for mk in sorted(per_market):
        q = per_market[mk]
        es = sum(p * o["shortfall"].get(mk, 0.0) for p, o in zip(probs, outs))
        toks = dep[mk][0] if mk in dep else {}
        for tok, t in list(toks.items()) + [("-", 0.0)]:
            risk = (t + es) / q if q else 0.0
            if risk > largest + 1e-12:
                largest, largest_of = risk, f"{mk}: {tok.lstrip('@') if tok != '-' else 'shortfall alone'}"
        add("market", mk, "expected_shortfall_t", es, "t")
        add("market", mk, "expected_shortfall_share", es / q if q else 0.0, "share")
        w = max(o["shortfall"].get(mk, 0.0) / q if q else 0.0 for o in outs)
        add("market", mk, "worst_case_shortfall_share", w, "share")
        toks, rec = dep[mk] if mk in dep else ({}, 0.0)
        for kind, pick in (("country", lambda t: not t.startswith("@")), ("corridor", lambda t: t.startswith("@"))):
            cand = {t: a / rec for t, a in toks.items() if pick(t) and rec > 0}
            top = max(cand, key=cand.get) if cand else ""
            share = cand.get(top, 0.0)
            add("market", mk, f"largest_{kind}_dependence", share, "share",
                (top.lstrip("@") + " (transit, processing or export corridor; expected tonnes)") if top else "none")
    per_c = outs[0]["demand_by_commodity"] if outs else {}
    if len({c for (_m, c) in per_c}) > 1:  # several commodities (elements): tonnes of each on their own
        for (mk, c) in sorted(per_c):
            q = per_c[(mk, c)]
            es = sum(p * o["shortfall_by_commodity"].get((mk, c), 0.0) for p, o in zip(probs, outs))
            w = max(o["shortfall_by_commodity"].get((mk, c), 0.0) / q if q else 0.0 for o in outs)
            add("element", mk, f"expected_shortfall_t:{c}", es, "t", f"{c} not delivered to {mk}, of {q:g} t demanded")
            add("element", mk, f"expected_shortfall_share:{c}", es / q if q else 0.0, "share")
            add("element", mk, f"worst_case_shortfall_share:{c}", w, "share")
    add("total", "*", "max_dependence_share", largest, "share",
        f"largest expected share of a market's demand at risk from one country or corridor (delivered through it, "
        f"or not delivered): {largest_of}")
    for corridor, share, detail in (n1.rows() if n1 is not None else ()):
        add("corridor_n1", "*", f"deliverable_share_without:{corridor}", share, "share", detail)
    security = pd.DataFrame(rows, columns=["scope", "market", "metric", "value", "unit", "detail"])
    srows = []
    markets = sorted(per_market)
    for v, o in zip(views, outs):
        sc = next((s for s in (f.disruption_list or []) if s.name == v.name), None)
        what = "; ".join(dict.fromkeys(f"{r['target_type']} {r['target']}" for r in (sc.rows if sc else [])))
        row = {"scenario": v.name, "probability": o["probability"], "disruptions": what or "none",
               "total_cost": o["cost"], "delivered_t": sum(o["delivered"].values()),
               "shortfall_t": sum(o["shortfall"].values()), "shortfall_share": sum(o["shortfall"].values()) / D}
        row.update({f"shortfall_t:{mk}": o["shortfall"].get(mk, 0.0) for mk in markets})
        row.update({f"cost_{line}": c for line, c in o["costs"].items()})
        srows.append(row)
    return {"security": security, "scenarios": pd.DataFrame(srows)}


def plan_metric(security: pd.DataFrame, metric: str) -> float | None:
    """The plan's own value of the security ``metric`` (a share of demand) as its `security` sheet gives it."""
    rows = security[(security.scope == "total") & (security.metric == METRIC_SHARE.get(metric, metric))]
    return float(rows["value"].iloc[0]) if len(rows) else None
