"""Periods, calendar arithmetic (transit offsets) and seasonal factors."""
from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence

from corridor.io.schema import STAR


class Calendar:
    """The ordered periods with their months, lengths and start days.

    A shipment dispatched at the start of period p that has travelled d days is in the period that holds
    day ``start(p) + d``.  For periods of equal length this is the contract's ``p + floor(d / days)``.
    In a cyclic horizon days wrap around the year; in an open one a day past the end has no period.

    Years (contract v2): ``year[p]`` from the periods sheet's year column (None without one), and
    ``discount[p]`` = 1 / (1 + rate)^(year(p) - first year), the factor every cost of period p is counted with
    (1.0 everywhere without years or at rate 0).
    """

    def __init__(self, period_rows: Sequence[dict], cyclic: bool, discount_rate: float = 0.0):
        self.periods = [r["period"] for r in period_rows]
        self.index = {p: i for i, p in enumerate(self.periods)}
        self.month = {r["period"]: int(r["month"]) for r in period_rows}
        self.days = {r["period"]: float(r["days"] if r["days"] is not None else 30.0) for r in period_rows}
        self.cyclic = cyclic
        self.start = []
        acc = 0.0
        for p in self.periods:
            self.start.append(acc)
            acc += self.days[p]
        self.total_days = acc
        self.year = {r["period"]: r.get("year") for r in period_rows}
        years = [y for y in self.year.values() if y is not None]
        self.first_year = min(years) if years else None
        rate = float(discount_rate or 0.0)
        self.discount = {p: 1.0 if y is None or rate == 0.0 else 1.0 / (1.0 + rate) ** (y - self.first_year)
                         for p, y in self.year.items()}
        self.years = sorted(set(years))

    def __len__(self):
        return len(self.periods)

    def shift(self, p: str, days: float) -> str | None:
        """The period a shipment dispatched in ``p`` is in after ``days`` days (None: past an open end)."""
        t = self.start[self.index[p]] + days + 1e-9
        if t >= self.total_days:
            if not self.cyclic:
                return None
            t = t % self.total_days
        return self.periods[bisect_right(self.start, t) - 1]

    def prev(self, p: str) -> str | None:
        """The period before ``p`` (the last one for the first period of a cyclic horizon, else None)."""
        i = self.index[p]
        if i > 0:
            return self.periods[i - 1]
        return self.periods[-1] if self.cyclic else None

    def window(self, a: str, lead: int, validity: int) -> list:
        """Periods covered by a licence applied for in ``a``: a+lead .. a+lead+validity-1 (wrapping if cyclic).

        The loop runs over at most the horizon's periods whatever the numbers: a validity longer than the
        horizon covers it all, and a lead past the end of an open horizon covers nothing."""
        i, T = self.index[a], len(self.periods)
        start = i + max(0, lead)
        if not self.cyclic and start >= T:
            return []
        out = []
        for k in range(start, start + min(max(0, validity), T)):
            if k >= T:
                if not self.cyclic:
                    break
                k %= T
            p = self.periods[k]
            if p not in out:
                out.append(p)
        return out


class Seasons:
    """Capacity and cost factors keyed by (target_type, target) and period; a target with no row has 1."""

    def __init__(self, rows: Iterable[dict], cal: Calendar):
        self.cap = defaultdict(lambda: 1.0)
        self.cost = defaultdict(lambda: 1.0)
        self.targets = set()
        for r in rows:
            key = (r["target_type"], r["target"])
            self.targets.add(key)
            if r.get("period") not in (None, STAR):
                periods = [r["period"]]
            elif STAR in (r.get("month"), r.get("period")):
                periods = cal.periods
            else:
                periods = [p for p in cal.periods if cal.month[p] == r["month"]]
            for p in periods:
                self.cap[key + (p,)] *= r["capacity_factor"]
                self.cost[key + (p,)] *= r["cost_factor"]

    def cap_factor(self, ttype: str, target: str, p: str) -> float:
        """The capacity factor of ``target`` (of ``ttype``) in period ``p`` (1 when no row names it)."""
        if (ttype, target) not in self.targets:
            return 1.0
        return self.cap[(ttype, target, p)]

    def cost_factor(self, ttype: str, target: str, p: str) -> float:
        """The cost factor of ``target`` (of ``ttype``) in period ``p`` (1 when no row names it)."""
        if (ttype, target) not in self.targets:
            return 1.0
        return self.cost[(ttype, target, p)]
