"""Charges (contract v2 ``charges`` sheet): tariffs, taxes and fees cost money per tonne; subsidies and premiums
pay money per tonne, up to an optional budget over the horizon.

Where tonnes are counted (the contract's readings): ``route`` and ``corridor`` charges on the tonnes dispatched
(Ship, in the dispatch period), ``leg`` charges on the tonnes entering the leg (in the period they enter it),
``site`` charges on the tonnes of input processed (Process; ``commodity`` reads the input, ``processing_country``
the site's own country), ``market`` charges on the tonnes delivered (Deliver).  ``processing_country`` reads the
tonnes' provenance tag (the country of the last site that processed them, or the ore they were made from):
`provenance.Tagging` tracks the countries the charges name.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from corridor.formulation.provenance import untag
from corridor.io.schema import STAR

if TYPE_CHECKING:
    from corridor.formulation.build import Formulation
    from corridor.formulation.case_data import CaseData

RECEIVED = ("subsidy", "premium")  # money received: negative cost


@dataclass
class Charge:
    """One charges row, resolved: the commodities (None: all), the processing country (None: any) and the
    periods it counts tonnes in."""

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
        """A subsidy or premium with a budget: paid on ``ChargePaid`` tonnes, at most the budget."""
        return self.budget is not None and self.kind in RECEIVED


def prepare_charges(d: CaseData, tables: dict) -> dict:
    """Charge id -> `Charge`, from a valid input's charges sheet."""
    out = {}
    for r in tables.get("charges", []):
        comm = r.get("commodity")
        comm = None if comm in (None, STAR) or STAR in comm else frozenset(comm)
        if r.get("period") not in (None, STAR):
            periods = frozenset([r["period"]])
        elif r.get("month") not in (None, STAR):
            periods = frozenset(p for p in d.periods if d.cal.month[p] == r["month"])
        else:
            periods = frozenset(d.periods)
        pc = r.get("processing_country")
        out[r["charge"]] = Charge(r["charge"], r["kind"], r["target_type"], r["target"], comm,
                                  None if pc in (None, STAR) else pc, periods, r["per_t"], r.get("budget"),
                                  r.get("payer") or "", r["_row"])
    return out


def charge_terms(f: Formulation, d: CaseData, ch: Charge) -> list:
    """``[(period counted in, column, tonnes per unit of the column)]``: the tonnes charge ``ch`` counts."""
    def ok(c, k=None):
        return (ch.commodities is None or c in ch.commodities) and (ch.country is None or (
            k is not None and untag(k)[2] == ch.country))

    out = []
    tt, t = ch.target_type, ch.target
    if tt in ("route", "corridor"):
        for (r, k, p), j in f.col("Ship").items():
            route = d.routes[r]
            if p in ch.periods and (t == STAR or (r if tt == "route" else route.corridor) == t) and ok(
                    route.commodity, k):
                out.append((p, j, 1.0))
    elif tt == "leg":
        ship = f.col("Ship")
        for (leg, q), rps in d.leg_periods.items():
            if q not in ch.periods or (t != STAR and leg != t):
                continue
            for (r, p) in rps:
                for k in d.ship_tags.get(r, ()):
                    j = ship.get((r, k, p))
                    if j is not None and ok(d.routes[r].commodity, k):
                        out.append((q, j, 1.0))
    elif tt == "site":
        for (s, ki, _ko, p), j in f.col("Process").items():
            node = d.sites[s]["site"]
            if p in ch.periods and (t == STAR or node == t) and (ch.commodities is None or untag(ki)[0] in
                                                                  ch.commodities) and (
                    ch.country is None or d.country[node] == ch.country):
                out.append((p, j, 1.0))
    else:  # market
        for (m, c, _e, p, k), j in f.col("Deliver").items():
            if p in ch.periods and (t == STAR or m == t) and ok(c, k):
                out.append((p, j, 1.0))
    return out


def paid_keys(d: CaseData) -> list:
    """``(charge, period)`` of the ChargePaid columns: every period of a subsidy or premium with a budget."""
    return [(i, p) for i, ch in sorted(d.charges.items()) if ch.capped for p in d.periods if p in ch.periods]


def charge_lines(f: Formulation, d: CaseData) -> dict:
    """Cost line (the charge's kind) -> (columns, coefficients): per_t * discount(p) * tonnes, negative for money
    received; a capped subsidy is paid on its ChargePaid columns."""
    lines = defaultdict(lambda: ([], []))
    disc = d.cal.discount
    paid = f.col("ChargePaid")
    for i, ch in sorted(d.charges.items()):
        js, coefs = lines[ch.kind]
        if ch.capped:
            for (i2, p), j in paid.items():
                if i2 == i:
                    js.append(j)
                    coefs.append(-ch.per_t * disc[p])
            continue
        for p, j, a in charge_terms(f, d, ch):
            js.append(j)
            coefs.append(ch.sign * ch.per_t * a * disc[p])
    return dict(lines)
