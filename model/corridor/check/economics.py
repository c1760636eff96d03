"""Checker family ``charge`` (contract v2 economics): the charges sheet's tariffs, taxes, fees, subsidies and
premiums, and the revenue line of objective max_margin.

The input side: `read_charges` resolves each charges row (the commodities it names, None for all; its
processing_country, None for any; the periods it counts tonnes in: its ``period``, every period of its ``month``,
else every period).  `margin_mode`: objective max_margin, where revenue (price_per_t x delivered, discounted) is a
negative cost line, only a demand row's own shortfall_penalty_per_t counts and the objective is the margin.

The plan side (the contract's readings, shared/spec/workbook.md): a charge counts tonnes where capacity counts
them: ``route`` / ``corridor`` charges the tonnes dispatched on it (route_flows, dispatch period), ``leg`` charges
the tonnes entering the leg (in the period they enter it, walked on the calendar), ``site`` charges the tonnes of
input processed (processing sheet; ``commodity`` reads the input, ``processing_country`` the site's own country),
``market`` charges the tonnes delivered (deliveries sheet).  On flows and deliveries ``processing_country`` reads
the tonnes' processing-country provenance (the country of the last site that processed them): the route_flows
row's processing_country_tag; for deliveries, which carry no tags, the tonnes of that provenance the market node
has left over after what leaves it and what it keeps in stock (a range when the market also processes, consumes
or discards the commodity).  tariff, tax, fee: + per_t x tonnes; subsidy, premium: - per_t x tonnes, and with a
budget they are paid on at most the tonnes counted in each period and at most budget / per_t tonnes over the
horizon (nominal money): the charges sheet's paid_t says how many.  Each kind is its own cost line, discounted.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from corridor.check.common import STAR, Ctx, fmt, money_slack, slack

if TYPE_CHECKING:
    from corridor.check.case import Calendar

RECEIVED = ("subsidy", "premium")  # money received: a negative cost
KINDS = ("tariff", "tax", "fee", "subsidy", "premium")
CHARGE_COLUMNS = ("per_t", "counted_t", "paid_t", "amount", "amount_pv", "budget", "budget_used")  # numbers
PAYER_COLUMNS = ("amount", "amount_pv", "pays", "pays_pv")
NO_PAYER = "(no payer)"
TIGHT = 1e-9  # tonnes: a range narrower than this is one figure


def margin_mode(settings: dict) -> bool:
    """Objective max_margin (or a frontier of a max_margin workbook, ``margin``): revenue is a cost line."""
    return settings.get("objective") == "max_margin" or bool(settings.get("margin"))


@dataclass
class Charge:
    """One charges row, resolved (see the module docstring)."""

    id: str
    kind: str
    target_type: str
    target: str
    commodities: frozenset | None
    country: str | None
    periods: frozenset
    per_t: float
    budget: float | None
    payer: str
    row: int

    @property
    def sign(self) -> float:
        """+1 for a cost, -1 for money received."""
        return -1.0 if self.kind in RECEIVED else 1.0

    @property
    def capped(self) -> bool:
        """A subsidy or premium with a budget: paid on at most budget / per_t tonnes."""
        return self.budget is not None and self.kind in RECEIVED

    def takes(self, c: str) -> bool:
        """Does the commodity filter take ``c``?"""
        return self.commodities is None or c in self.commodities

    @property
    def what(self) -> str:
        """The charge as messages name it: ``US-TARIFF (tariff on market K)``."""
        on = "every " + self.target_type if self.target == STAR else f"{self.target_type} {self.target}"
        return f"{self.id} ({self.kind} on {on})"


def read_charges(tables: dict, cal: Calendar) -> dict:
    """Charge id -> `Charge`, from a valid input's charges sheet."""
    out = {}
    for r in tables.get("charges", []):
        comm = r.get("commodity")
        comm = None if comm in (None, STAR) or STAR in comm else frozenset(comm)
        if r.get("period") not in (None, STAR):
            periods = frozenset([r["period"]])
        elif r.get("month") not in (None, STAR):
            periods = frozenset(p for p in cal.periods if cal.month[p] == r["month"])
        else:
            periods = frozenset(cal.periods)
        pc = r.get("processing_country")
        out[r["charge"]] = Charge(r["charge"], r["kind"], r["target_type"], r["target"], comm,
                                  None if pc in (None, STAR) else pc, periods, float(r["per_t"]), r.get("budget"),
                                  r.get("payer") or "", r["_row"])
    return out


def charge_kinds(charges: dict) -> tuple:
    """The cost lines of the charges: each kind a charge has, in the order the charges sheet first names it (by
    charge id, as the solution lists them)."""
    return tuple(dict.fromkeys(charges[i].kind for i in sorted(charges)))


def revenue(ctx: Ctx) -> float:
    """The ``revenue`` line of max_margin: - sum price_per_t x delivered x d(p) (rows without a price earn 0)."""
    case = ctx.case
    return -sum((case.demand[key].price or 0.0) * x * case.cal.disc[key[3]] for key, x in ctx.delivered.items()
                if key in case.demand)


class _Tonnes:
    """Tonnes a charge counts, per period, as a range (lo, hi) with the solution rows behind them."""

    def __init__(self):
        self.lo, self.hi, self.rows = defaultdict(float), defaultdict(float), []

    def add(self, p, lo, hi=None, rows=()):
        self.lo[p] += lo
        self.hi[p] += lo if hi is None else hi
        self.rows += [r for r in rows if r not in self.rows]

    @property
    def total(self):
        return sum(self.lo.values()), sum(self.hi.values())


def _by_country(ctx):
    """(node, commodity, period, processing country) -> tonnes of that provenance the node has for its deliveries
    from its routes and stock: arrivals and stock from the previous period, less departures and stock kept."""
    out, cal = defaultdict(float), ctx.case.cal
    nxt = {cal.prev(p): p for p in cal.periods if cal.prev(p) is not None}
    for f in ctx.flows:
        if f.arrive is not None:
            out[(f.r.destination, f.r.commodity, f.arrive, f.tag[1])] += f.tonnes
        out[(f.r.origin, f.r.commodity, f.period, f.tag[1])] -= f.tonnes
    for (n, tag, q), t in ctx.stock.items():
        out[(n, tag[0], q, tag[2])] -= t
        if q in nxt:
            out[(n, tag[0], nxt[q], tag[2])] += t
    return out


def _market_share(ctx, have, total, m, c, p, country):
    """(lo, hi): tonnes of c delivered at market m in p that were processed in ``country`` (see the module
    docstring): what its routes and stock leave of that provenance (``have``, `_by_country`), plus what the
    node's own processes make there, less what it processes, consumes or discards (any provenance: a range)."""
    case = ctx.case
    left, used = have.get((m, c, p, country), 0.0), ctx.discarded.get((m, c, p), 0.0)
    for s in case.at_site(m):
        x = ctx.input_t.get((s, p), 0.0)
        rec = case.procs[s]
        if case.country[m] == country and rec["output_commodity"] == c:
            left += x * rec["yield"]
        if rec["input_commodity"] == c:
            used += x
        for prod in case.products.get(s, ()):
            if prod.commodity == c:
                if prod.yield_ > 0 and case.country[m] == country:
                    left += prod.yield_ * x
                elif prod.yield_ < 0:
                    used -= prod.yield_ * x
    return max(0.0, min(total, left - used)), max(0.0, min(total, left))


def counted(ctx: Ctx, ch: Charge, have: dict | None = None) -> _Tonnes:
    """The tonnes ``ch`` counts in the plan, per period (see the module docstring); ``have``: `_by_country` of the
    plan, for market charges with a processing_country (computed when not given)."""
    case, out, tt = ctx.case, _Tonnes(), ch.target_type
    every = ch.target == STAR
    if tt in ("route", "corridor"):
        for f in ctx.flows:
            if f.period in ch.periods and (every or (f.route if tt == "route" else f.r.corridor) == ch.target) \
                    and ch.takes(f.r.commodity) and ch.country in (None, f.tag[1]):
                out.add(f.period, f.tonnes, rows=[("route_flows", f.row)])
    elif tt == "leg":
        for f in ctx.flows:
            for leg, q in zip(f.r.legs, f.legs_at):
                if q in ch.periods and (every or leg == ch.target) and ch.takes(f.r.commodity) \
                        and ch.country in (None, f.tag[1]):
                    out.add(q, f.tonnes, rows=[("route_flows", f.row)])
    elif tt == "site":
        for (s, p), x in ctx.input_t.items():
            if p in ch.periods and (every or s[0] == ch.target) and ch.takes(s[1]) \
                    and ch.country in (None, case.country[s[0]]):
                out.add(p, x, rows=ctx.proc_rows.get((s, p), []))
    else:  # market
        seen, total = set(), defaultdict(float)
        if ch.country is not None and have is None:
            have = _by_country(ctx)
        for (m, c, _e, p), x in ctx.delivered.items():
            total[(m, c, p)] += x
        for (m, c, e, p), x in ctx.delivered.items():
            if p not in ch.periods or not (every or m == ch.target) or not ch.takes(c):
                continue
            rows = ctx.deliv_rows.get((m, c, e, p), [])
            if ch.country is None:
                out.add(p, x, rows=rows)
            elif (m, c, p) not in seen:  # the tags are per (market, commodity, period), whatever the end use
                seen.add((m, c, p))
                out.add(p, *_market_share(ctx, have, total[(m, c, p)], m, c, p, ch.country), rows=rows)
            else:
                out.add(p, 0.0, rows=rows)
    return out


def _pv_range(caps, disc, paid):
    """(least, most) present value sum_p paid_p x d(p) of ``paid`` tonnes spread with 0 <= paid_p <= caps[p] (the
    periods of the lowest, the highest discount factor first; tonnes beyond the caps at the extreme factors)."""
    out = []
    for best in (False, True):
        total, left = 0.0, paid
        order = sorted(caps, key=lambda q: disc[q], reverse=best)
        for p in order:
            t = min(left, max(0.0, caps[p]))
            total += t * disc[p]
            left -= t
        out.append(total + max(0.0, left) * (disc[order[-1]] if order else 1.0))
    return out[0], out[1]


def _money(ch, tonnes, disc, paid=None):
    """(nominal, pv lo, pv hi) of a charge: uncapped, on every counted tonne (a range when the tonnes are one);
    capped, on ``paid`` tonnes (None: anything from none to what the budget allows)."""
    k = ch.sign * ch.per_t
    if not ch.capped:
        pv = (sum(t * disc[p] for p, t in tonnes.lo.items()), sum(t * disc[p] for p, t in tonnes.hi.items()))
        nominal = tonnes.total[0]
    elif paid is None:
        most = min(tonnes.total[1], ch.budget / ch.per_t if ch.per_t > 0 else tonnes.total[1])
        pv, nominal = (0.0, _pv_range(tonnes.hi, disc, most)[1]), 0.0
    else:
        pv, nominal = _pv_range(tonnes.hi, disc, paid), paid
    return k * nominal, min(k * pv[0], k * pv[1]), max(k * pv[0], k * pv[1])


def check_charges(ctx: Ctx) -> None:
    """``charge``: per charge, the tonnes it counts in the plan (see the module docstring) and the money they make
    (its cost line: per_t x tonnes x d(p), negative for subsidies and premiums).  On the plan sheets' scenario the
    charges sheet must follow: one row per charge with the input's kind, payer, target_type, target and budget;
    counted_t = the tonnes counted; paid_t = counted_t (with a budget: at most counted_t, and per_t x paid_t at
    most the budget: tonnes beyond it get nothing, and the cost line counts no more); amount = +-per_t x paid_t
    (nominal), amount_pv its present value, budget_used = |amount| / budget; the charge_payers sheet sums amount and
    amount_pv per payer.  Another scenario's capped subsidies are paid on tonnes its plan does not report: any
    amount the budget allows is accepted on the cost line (its scenarios-sheet figure, or the expected line)."""
    case = ctx.case
    if not case.charges:
        return
    disc = case.cal.disc
    rows = {}
    if ctx.primary:
        for rec in ctx.plan.sheets.get("charges", []):
            i = rec.get("charge")
            if i not in case.charges:
                if any(rec.get(col) for col in ("counted_t", "paid_t", "amount", "amount_pv")):
                    ctx.add("plan", f"charges: '{i}' is not a charge of the input", solution=[("charges", rec["_row"])])
                continue
            rows.setdefault(i, rec)
    money = {}
    have = _by_country(ctx) if any(ch.target_type == "market" and ch.country for ch in case.charges.values()) else None
    for i in sorted(case.charges):
        ch = case.charges[i]
        ctx.count("charges")
        tonnes = counted(ctx, ch, have)
        rec = rows.get(i) if ctx.primary else None
        if ctx.primary and rec is None and tonnes.total[1] > slack(tonnes.total[1]):
            ctx.add("charge", f"charges: no row for charge {ch.what}, which counts {fmt(tonnes.total[1])} t in the "
                    "plan", tonnes.total[1], inputs=[("charges", ch.row)], solution=tonnes.rows[:20])
        if rec is None:
            nominal, lo, hi = _money(ch, tonnes, disc)
            money[i] = (nominal, lo)
        else:
            nominal, pv, lo = _sheet_row(ctx, ch, rec, tonnes)
            money[i], hi = (nominal, pv), lo
        ctx.charge_lines[ch.kind] = ctx.charge_lines.get(ch.kind, 0.0) + lo
        if hi - lo > 1e-9:
            ctx.free[ch.kind] = (0.0, ctx.free.get(ch.kind, (0.0, 0.0))[1] + hi - lo)
    if ctx.primary:
        _payers(ctx, money)


def _sheet_row(ctx, ch, rec, tonnes):
    """Check the charges sheet's row of ``ch``; return (nominal money and present value the row should give for
    what it says is paid, the present value the cost line counts)."""
    disc, sol, inp = ctx.case.cal.disc, [("charges", rec["_row"])], [("charges", ch.row)]
    for col, want in (("kind", ch.kind), ("payer", ch.payer or None), ("target_type", ch.target_type),
                      ("target", ch.target)):
        if col in rec and rec.get(col) != want:
            ctx.add("plan", f"charges: the row of {ch.id} says {col} '{rec.get(col) or ''}', but the input's is "
                    f"'{want or ''}'", inputs=inp, solution=sol)
    lo_t, hi_t = tonnes.total
    wrong = []
    got = rec.get("counted_t", 0.0)
    if got < lo_t - slack(got, lo_t) or got > hi_t + slack(got, hi_t):
        wrong.append(("counted_t", got, lo_t, hi_t))
    k = ch.sign * ch.per_t
    if ch.capped:
        paid = rec.get("paid_t", 0.0)
        if paid < -slack(paid):
            wrong.append(("paid_t", paid, 0.0, hi_t))
        elif paid > hi_t + slack(paid, hi_t):
            ctx.add("charge", f"charge {ch.what}: paid_t {fmt(paid)} is above the {fmt(hi_t)} t it counts in the plan "
                    "(a subsidy is paid only on the tonnes it counts)", paid - hi_t, inputs=inp,
                    solution=sol + tonnes.rows[:20])
        if ch.per_t * paid > ch.budget + money_slack(ch.per_t * paid, ch.budget):
            ctx.add("charge", f"charge {ch.what}: paid on {fmt(paid)} t x per_t {fmt(ch.per_t)} = "
                    f"{fmt(ch.per_t * paid)}, above its budget {fmt(ch.budget)}, by {fmt(ch.per_t * paid - ch.budget)} "
                    "(tonnes beyond the budget get nothing)", ch.per_t * paid - ch.budget, inputs=inp,
                    solution=sol + tonnes.rows[:20])
        paid = max(0.0, paid)
        nominal, pv_lo, pv_hi = _money(ch, tonnes, disc, paid)
    else:
        paid = min(max(got, lo_t), hi_t)
        if abs(rec.get("paid_t", 0.0) - paid) > slack(paid):
            wrong.append(("paid_t", rec.get("paid_t", 0.0), paid, paid))
        _n, pv_lo, pv_hi = _money(ch, tonnes, disc)
        nominal = k * paid
    amount, pv = rec.get("amount", 0.0), rec.get("amount_pv", 0.0)
    if abs(amount - nominal) > money_slack(amount, nominal):
        wrong.append(("amount", amount, nominal, nominal))
    if pv < pv_lo - money_slack(pv, pv_lo) or pv > pv_hi + money_slack(pv, pv_hi):
        wrong.append(("amount_pv", pv, pv_lo, pv_hi))
        pv = min(max(pv, pv_lo), pv_hi)
    line = pv
    if ch.capped and paid > 0:  # the cost line counts what the budget and the counted tonnes allow
        most = min(paid, hi_t, ch.budget / ch.per_t if ch.per_t > 0 else paid)
        _n, lo, hi = _money(ch, tonnes, disc, most)
        line = min(max(pv * most / paid, lo), hi)
    used = abs(nominal) / ch.budget if ch.capped and ch.budget else None
    for col, want in (("budget", ch.budget if ch.capped else None), ("budget_used", used)):
        g = rec.get(col)
        if col in rec and (g is None) != (want is None) or (g is not None and want is not None
                                                             and abs(g - want) > 1e-6 * max(1.0, abs(want))):
            wrong.append((col, g, want, want))
    if wrong:
        neg = "-" if ch.sign < 0 else ""
        why = {"counted_t": "the tonnes the charge counts in the plan", "paid_t": "the tonnes it is paid on",
               "amount": f"{neg}per_t x paid_t, nominal", "amount_pv": f"{neg}per_t x paid_t x d(p)",
               "budget": "the input's budget", "budget_used": "|amount| / budget"}
        parts = [f"{col} says {'blank' if g is None else fmt(g)} but it is "
                 + ("blank" if lo is None else fmt(lo) if abs(hi - lo) <= 1e-9 else f"between {fmt(lo)} and {fmt(hi)}")
                 + f" ({why[col]})" for col, g, lo, hi in wrong]
        ctx.add("charge", f"charges: charge {ch.what}: " + "; ".join(parts),
                max(abs((g or 0.0) - (lo or 0.0)) for _c, g, lo, _h in wrong), inputs=inp,
                solution=sol + tonnes.rows[:20])
    return nominal, pv, line


def _payers(ctx, money):
    """The charge_payers sheet: per payer (``(no payer)`` for a blank one) the sums of amount and amount_pv, and
    what the payer pays, pays and pays_pv: the sums of their absolute values (a tariff's importers and a subsidy's
    government alike pay per_t times the tonnes paid on)."""
    sheet = ctx.plan.sheets.get("charge_payers")
    if sheet is None:
        ctx.report.notes.append("the solution has no charge_payers sheet: the charges per payer were not compared")
        return
    want, refs = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0]), defaultdict(list)
    for i, (nominal, pv) in money.items():
        ch = ctx.case.charges[i]
        sums = want[ch.payer or NO_PAYER]
        for k, v in enumerate((nominal, pv, abs(nominal), abs(pv))):
            sums[k] += v
        refs[ch.payer or NO_PAYER].append(("charges", ch.row))
    reported = {}
    for rec in sheet:
        reported.setdefault(rec.get("payer") or NO_PAYER, rec)
    for payer, (nominal, pv, pays, pays_pv) in want.items():
        ctx.count("charge payers")
        rec = reported.get(payer)
        if rec is None:
            if max(abs(nominal), abs(pv)) > 1e-2:
                ctx.add("charge", f"charge_payers: no row for payer {payer}, whose charges amount to {fmt(nominal)}",
                        abs(nominal), inputs=refs[payer])
            continue
        got = {col: rec[col] or 0.0 for col in PAYER_COLUMNS if col in rec}  # a blank cell reads as 0
        off = [(col, got[col], v) for col, v in zip(PAYER_COLUMNS, (nominal, pv, pays, pays_pv))
               if col in got and abs(got[col] - v) > money_slack(got[col], v)]
        if off:
            ctx.add("charge", f"charge_payers: payer {payer}: " + "; ".join(
                f"{col} says {fmt(g)} but its charges give {fmt(v)}" for col, g, v in off),
                max(abs(g - v) for _c, g, v in off), inputs=refs[payer], solution=[("charge_payers", rec["_row"])])
    for payer, rec in reported.items():
        if payer not in want and any(abs(rec.get(col) or 0.0) > 1e-2 for col in PAYER_COLUMNS):
            ctx.add("charge", f"charge_payers: '{payer}' is not a payer of the input's charges",
                    solution=[("charge_payers", rec["_row"])])


__all__ = ["CHARGE_COLUMNS", "KINDS", "PAYER_COLUMNS", "RECEIVED", "Charge", "charge_kinds", "check_charges",
           "counted", "margin_mode", "read_charges", "revenue"]
