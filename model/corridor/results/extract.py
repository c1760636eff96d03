"""Turn a solved model into the solution tables (pandas DataFrames), one per solution sheet."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

import pandas as pd

from corridor.formulation.provenance import untag
from corridor.results.economics import charge_tables
from corridor.results.investments import added_capacity, in_service_by_period, investment_tables
from corridor.results.yearly import costs_by_year

if TYPE_CHECKING:
    import pyomo.environ as pyo

    from corridor.formulation.build import Formulation
    from corridor.solve.result import SolveResult

EPS = 1e-8  # tonnes below this are written as 0: with yields up to 1000 t/t (validated) a zeroed input hides
# at most 1e-5 t of output, below the checker's 1e-4 t tolerance, so a written plan always balances


class Plan:
    """Column values of a solved formulation, read by block name and key."""

    def __init__(self, f: Formulation, x: Sequence[float]):
        self.f, self.spec, self.x = f, f.spec, x

    def items(self, block: str) -> Iterator[tuple]:
        """(key, value) of every column of ``block`` (values below 1e-6 read as 0)."""
        x = self.x
        for key, j in self.f.col(block).items():
            v = x[j]
            yield key, (0.0 if v is None or abs(v) < EPS else float(v))

    def value(self, block: str, key: Hashable, default: float = 0.0) -> float:
        """The value of column ``key`` of ``block`` (``default`` when the block has no such column)."""
        j = self.f.col(block).get(key)
        if j is None:
            return default
        v = self.x[j]
        return 0.0 if v is None or abs(v) < EPS else float(v)


def _formulation(target):
    return getattr(target, "_formulation", target)


def cost_breakdown(target: Formulation | pyo.ConcreteModel, x: Sequence[float]) -> dict:
    """Cost line -> amount for the plan ``x`` of a `Formulation` (or a model built by `build_model`)."""
    spec = _formulation(target).spec
    return {line: spec.cost_value(line, x) for line in spec.cost_order}


def extract(target: Formulation | pyo.ConcreteModel, result: SolveResult, stage_seconds: dict | None = None,
            stats: dict | None = None, costs: dict | None = None, extra_summary: Iterable[tuple] = ()) -> dict:
    """Return ``{sheet name: DataFrame}`` for a solved formulation or model (plan tables only with a plan).
    ``costs``: the plan's `cost_breakdown`, if the caller has it already."""
    f = _formulation(target)
    d = f.d
    m = Plan(f, result.x) if result.has_plan else None
    has = result.has_plan
    if costs is None:
        costs = cost_breakdown(f, result.x) if has else {}
    tables = {"summary": _summary(m, d, result, costs, stage_seconds or {}, stats or {}, extra_summary)}
    if not has:
        return tables
    tables["costs"] = pd.DataFrame([{"cost": k, "amount": v, "share": v / result.objective if result.objective else 0}
                                    for k, v in costs.items()])
    tables["route_flows"] = _route_flows(m, d)
    tables["leg_use"] = _leg_use(m, d)
    tables["processing"] = _processing(m, d)
    if d.disposal:
        tables["disposal"] = _disposal(m, d)
    tables["deliveries"] = _deliveries(m, d)
    tables["inventory"] = _inventory(m, d)
    tables["licences"] = _licences(m, d)
    tables["corridor_shares"] = _corridor_shares(m, d)
    tables["corridor_periods"] = _corridor_periods(tables["route_flows"], d)
    tables["decisions"] = _decisions(m, d)
    tables.update(investment_tables(m, d))
    tables.update(charge_tables(m, d))
    if d.cal.years:
        tables["costs_by_year"] = costs_by_year(f, result.x, tables.get("investments"))
    return tables


def _summary(m, d, res, costs, stages, stats, extra=()):
    inp = d.inputs
    rows = [("status", res.status), ("message", res.message), ("solver_termination", res.termination),
            ("proven_optimal", "yes" if res.proven_optimal else "no"),
            ("objective", res.objective), ("best_bound", res.bound), ("relative_gap", res.gap),
            ("currency", d.settings["currency"]), ("horizon", d.settings["horizon"]),
            ("periods", len(d.periods)),
            *([("years", f"{d.cal.years[0]}..{d.cal.years[-1]}"), ("discount_rate", d.settings.get("discount_rate")),
               ("cost_lines_are", f"present values in {d.cal.years[0]} money (each period's costs times 1 / (1 + "
                                  f"discount_rate)^(year - {d.cal.years[0]}); the plan sheets show nominal money)")]
              if d.cal.years else []),
            ("input_file", inp.path.name if inp.path else ""), ("input_sha256", inp.sha256)]
    rows += list(extra)
    rows += [(f"cost_{k}", v) for k, v in costs.items()]
    rows += [(f"seconds_{k}", v) for k, v in stages.items()]
    rows += [(f"model_{k}", v) for k, v in stats.items()]
    rows += [("input_warning", str(w)) for w in list(inp.warnings) + list(d.warnings)]
    rows += [("solver_warning", w) for w in dict.fromkeys(getattr(res, "warnings", ()))]
    return pd.DataFrame(rows, columns=["item", "value"])


def _tag_cols(k):
    c, cc, pc, eu, tc = untag(k)
    return {"tech_origin_tag": cc, "processing_country_tag": pc, "earmarked_end_use": eu, "transited_tag": tc}


def _route_flows(m, d):
    rows = []
    for (r, k, p), t in m.items("Ship"):
        if t <= 0:
            continue
        route, info = d.routes[r], d.ship[(r, p)]
        rows.append({"route": r, "corridor": route.corridor, "commodity": route.commodity, "origin": route.origin,
                     "destination": route.destination, **_tag_cols(d.arrive_tag[(r, k)]), "dispatch_period": p,
                     "arrival_period": info.arrive, "transit_days": route.total_days, "tonnes": t,
                     "freight_cost": t * info.freight, "handling_cost": t * info.handling,
                     "cost": t * (info.freight + info.handling),
                     "licences_needed": ", ".join(d.gating.get((r, k), ()))})
    cols = ["route", "corridor", "commodity", "origin", "destination", "tech_origin_tag", "processing_country_tag",
            "earmarked_end_use", "transited_tag", "dispatch_period", "arrival_period", "transit_days", "tonnes",
            "freight_cost", "handling_cost", "cost", "licences_needed"]
    df = pd.DataFrame(rows, columns=cols)
    order = {p: i for i, p in enumerate(d.periods)}
    return df.sort_values(["route", "dispatch_period"], key=lambda s: s.map(order) if s.name == "dispatch_period"
                          else s).reset_index(drop=True)


def _leg_use(m, d):
    serving = in_service_by_period(m, d)
    shipped = defaultdict(float)
    for (r, k, p), t in m.items("Ship"):
        shipped[(r, p)] += t
    flow = {lq: sum(shipped.get(rp, 0.0) for rp in rps) for lq, rps in d.leg_periods.items()}
    rows = []
    for leg in d.legs:
        for p in d.periods:
            t = flow.get((leg, p), 0.0)
            cap = d.leg_cap.get((leg, p))
            base = d.legs[leg]["capacity_t"]  # blank: unlimited, whatever units are built on it
            if base is not None and (("leg", leg) in d.invested or cap is None):
                cap = ((base + added_capacity(d, serving, "leg", leg, p))
                       * d.seasons.cap_factor("leg", leg, p))
            if t <= 0 and cap is None:
                continue
            rows.append({"leg": leg, "from_node": d.legs[leg]["from_node"], "to_node": d.legs[leg]["to_node"],
                         "mode": d.legs[leg]["mode"], "period": p, "tonnes": t, "effective_capacity_t": cap,
                         "utilisation": (t / cap) if cap else None})
    return pd.DataFrame(rows, columns=["leg", "from_node", "to_node", "mode", "period", "tonnes",
                                       "effective_capacity_t", "utilisation"])


def _processing(m, d):
    serving = in_service_by_period(m, d)
    joint = bool(d.product_rows)  # contract v2: a row per co-product and reagent, and a role column
    inp = defaultdict(float)
    for (s, ki, ko, p), v in m.items("Process"):
        inp[(s, p)] += v
    rows = []
    for s, rec in d.sites.items():
        opened = 1 if rec["status"] == "existing" else round(m.value("Open", s))
        for p in d.periods:
            cap, cost, _mn = d.site_period.get((s, p), (0.0, 0.0, 0.0))
            if ("site", s) in d.invested and (s, p) in d.site_period:  # the capacity in service, not the most
                cap = ((rec["capacity_t"] + added_capacity(d, serving, "site", s, p))
                       * d.seasons.cap_factor("site", rec["site"], p))
            x = inp.get((s, p), 0.0)
            row = {"site": rec["site"], "status": rec["status"], "open": "yes" if opened else "no", "period": p,
                   "input_commodity": rec["input_commodity"], "input_t": x,
                   "output_commodity": rec["output_commodity"], "output_t": x * rec["yield"],
                   "capacity_t": cap, "utilisation": x / cap if cap else None, "cost": x * cost}
            if not joint:
                rows.append(row)
                continue
            rows.append({**row, "role": "main"})
            blank = {"input_t": None, "capacity_t": None, "utilisation": None, "cost": None}
            rows += [{**row, **blank, "role": "co-product", "output_commodity": c, "output_t": x * y}
                     for c, y in d.coproducts.get(s, ())]
            rows += [{**row, **blank, "role": "reagent", "output_commodity": c, "output_t": -x * a}
                     for c, a in d.reagents.get(s, ())]
    return pd.DataFrame(rows)


def _disposal(m, d):
    """Tonnes discarded per node, commodity and period (contract v2), with their nominal cost."""
    out = defaultdict(float)
    for (n, k, p), t in m.items("Discard"):
        out[(n, untag(k)[0], p)] += t
    rows = [{"node": n, "commodity": c, "period": p, "discarded_t": t, "cost_per_t": d.disposal[c],
             "cost": t * d.disposal[c]} for (n, c, p), t in out.items() if t > 1e-9]
    order = {p: i for i, p in enumerate(d.periods)}
    rows.sort(key=lambda r: (r["node"], r["commodity"], order[r["period"]]))
    return pd.DataFrame(rows, columns=["node", "commodity", "period", "discarded_t", "cost_per_t", "cost"])


def _deliveries(m, d):
    got = defaultdict(float)
    for (mk, c, e, p, k), v in m.items("Deliver"):
        got[(mk, c, e, p)] += v
    rows = []
    for (mk, c, e, p), (q, pen, price) in d.demand.items():
        x = got.get((mk, c, e, p), 0.0)
        rows.append({"market": mk, "commodity": c, "end_use": e, "period": p, "demand_t": q, "delivered_t": x,
                     "shortfall_t": max(0.0, q - x), "penalty_cost": max(0.0, q - x) * pen,
                     "revenue": x * price if price is not None else None})
    return pd.DataFrame(rows, columns=["market", "commodity", "end_use", "period", "demand_t", "delivered_t",
                                       "shortfall_t", "penalty_cost", "revenue"])


def _inventory(m, d):
    rows = []
    for (n, k, p), t in m.items("Stock"):
        c = untag(k)[0]
        cap, hold, _init = d.storage[(n, c)]
        rows.append({"node": n, "commodity": c, **_tag_cols(k), "period": p, "stock_t": t,
                     "capacity_t": None if cap == float("inf") else cap, "holding_cost": t * hold})
    tags = ["tech_origin_tag", "processing_country_tag", "earmarked_end_use", "transited_tag"]
    df = pd.DataFrame(rows, columns=["node", "commodity", *tags, "period", "stock_t", "capacity_t", "holding_cost"])
    if len(df):
        keep = df.groupby(["node", "commodity", *tags])["stock_t"].transform("max") > 0
        df = df[keep].reset_index(drop=True)
    return df


def _licences(m, d):
    flows = m.f.sets.get("licence_flows", {})
    x = m.x
    rows = []
    for L, rule in d.licences.items():
        cost = rule["application_cost"] or 0.0
        for p in d.periods:
            applied = round(m.value("Apply", (L, p)))
            held = round(sum(m.value("Apply", (L, a)) for a in d.covers.get((L, p), ())))
            covered = sum(x[j] for j in flows.get((L, p), ()))
            rows.append({"licence": L, "authority": rule.get("authority"), "rule": rule["rule"], "period": p,
                         "applied": applied, "held": held, "tonnes_covered": covered,
                         "quota_t": rule.get("quota_t"), "cost": applied * cost})
    return pd.DataFrame(rows, columns=["licence", "authority", "rule", "period", "applied", "held",
                                       "tonnes_covered", "quota_t", "cost"])


def _corridor_shares(m, d):
    demanded = defaultdict(set)
    for (mk, c, _e, _p) in d.demand:
        demanded[mk].add(c)
    tonnes = defaultdict(float)
    for (r, k, p), v in m.items("Ship"):
        route = d.routes[r]
        if route.commodity in demanded.get(route.destination, ()):
            tonnes[(route.destination, route.commodity, route.corridor)] += v
    total = defaultdict(float)
    for (mk, c, _cor), t in tonnes.items():
        total[(mk, c)] += t
    rows = [{"market": mk, "commodity": c, "corridor": cor, "tonnes": t,
             "share": t / total[(mk, c)] if total[(mk, c)] else 0.0}
            for (mk, c, cor), t in sorted(tonnes.items()) if t > 0]
    return pd.DataFrame(rows, columns=["market", "commodity", "corridor", "tonnes", "share"])


def _corridor_periods(flows, d):
    """Tonnes dispatched per period and corridor (a wide table: the chart's data)."""
    corridors = sorted({r.corridor for r in d.routes.values()})
    if len(flows):
        piv = flows.pivot_table(index="dispatch_period", columns="corridor", values="tonnes", aggfunc="sum")
    else:
        piv = pd.DataFrame()
    rows = []
    for p in d.periods:
        row = {"period": p}
        for c in corridors:
            v = piv.at[p, c] if (p in piv.index and c in piv.columns) else 0.0
            row[c] = 0.0 if pd.isna(v) else float(v)
        rows.append(row)
    return pd.DataFrame(rows, columns=["period"] + corridors)


def scenario_sheets(f: Formulation, x: Sequence[float], first: str, done: dict | None = None) -> dict:
    """With disruption scenarios: the plan sheets route_flows, deliveries, inventory, processing, leg_use (and
    disposal) of every scenario, with a ``scenario`` column (scenario ``first``, the plan sheets' own, first)."""
    views = sorted(f.views.values(), key=lambda v: (v.name != first, list(f.views).index(v.name)))
    out = {}
    for name, fn in (("route_flows", _route_flows), ("leg_use", _leg_use), ("processing", _processing),
                     ("deliveries", _deliveries), ("inventory", _inventory)) + (
                        (("disposal", _disposal),) if f.d.disposal else ()):
        parts = [(done[name] if done and v.name == first and name in done else fn(Plan(v, x), v.d))
                 .assign(scenario=v.name) for v in views]  # the plan sheets' own scenario is extracted already
        df = pd.concat(parts, ignore_index=True)
        out[name] = df[["scenario"] + [c for c in df.columns if c != "scenario"]]
    return out


def _backups(m):
    """Route -> the scenarios (other than the plan's own) in which it carries tonnes."""
    f = m.f
    parent = getattr(f, "parent", None)
    out = defaultdict(list)
    for v in (parent.views.values() if parent is not None and parent.views else ()):
        if v.name == f.name:
            continue
        for (r, _k, _p), j in v.col("Ship").items():
            if (m.x[j] or 0.0) > EPS and v.name not in out[r]:
                out[r].append(v.name)
    return out


def _decisions(m, d):
    used = defaultdict(float)
    for (r, k, p), v in m.items("Ship"):
        used[r] += v
    backups = _backups(m)
    rows = []
    for r, route in d.routes.items():
        if used.get(r, 0) > 0 or m.value("Active", r) > 0.5:
            detail = route.corridor
            if used.get(r, 0) <= 0 and backups.get(r):
                detail += f"; back-up, carries tonnes in scenario {', '.join(backups[r])}"
            elif used.get(r, 0) <= 0:
                detail += "; contracted, carries nothing in any scenario"
            rows.append({"decision": "route used", "id": r,
                         "detail": detail, "tonnes": used.get(r, 0.0), "fixed_cost": route.fixed_cost})
    for s, rec in d.sites.items():
        if rec["status"] == "candidate":
            opened = m.value("Open", s) > 0.5
            rows.append({"decision": "site opened" if opened else "site not opened", "id": s,
                         "detail": rec["status"], "tonnes": None, "fixed_cost": (rec["fixed_cost"] or 0.0)})
    for (r, k, rule) in d.removed_flows:
        rows.append({"decision": "flow prohibited", "id": r, "detail": f"{k} by {rule}", "tonnes": None,
                     "fixed_cost": None})
    return pd.DataFrame(rows, columns=["decision", "id", "detail", "tonnes", "fixed_cost"])
