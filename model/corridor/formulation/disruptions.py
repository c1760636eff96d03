"""Disruption scenarios: the `disruptions` sheet turned into one set of inputs per scenario.

A scenario is the base workbook with its disruption rows applied:

- ``leg`` / ``route`` / ``corridor`` / ``site`` / ``supply`` targets become extra seasonality rows (their
  ``capacity_factor`` and ``cost_factor`` multiply whatever seasonality the workbook already has);
- a ``country`` target becomes such a row for every leg that runs in the country and every site located
  in it;
- a ``licence`` target with ``granted = no`` refuses a rule for the whole horizon (a `required` rule acts as
  prohibited) or, with a month or period, revokes it in those periods only (flows it gates cannot be
  dispatched then); ``granted = yes`` grants a refused `required` rule, or lifts a `prohibited` one.

The base scenario (no disruption) takes the probability the sheet leaves over; it is left out when that is
zero.  Without a `disruptions` sheet there is exactly one scenario, the base, with probability 1.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from corridor.io.schema import STAR

if TYPE_CHECKING:
    from corridor.io.validate import Inputs

BASE = "base"


@dataclass
class Disruption:
    """One disruption scenario of the ``disruptions`` sheet: its name, probability, the inputs with its rows
    applied, the (licence, period) pairs it revokes, and its rows."""

    name: str
    probability: float
    inputs: object  # validated Inputs with the scenario's disruptions applied
    revoked: set = field(default_factory=set)  # (licence, period) pairs refused in the scenario
    rows: list = field(default_factory=list)  # the scenario's rows of the disruptions sheet


def disruption_probabilities(inputs: Inputs) -> dict:
    """Scenario name -> probability, in sheet order, the base first (when it has any probability left)."""
    probs = {}
    for r in inputs.tables.get("disruptions", []):
        if r.get("probability") is not None:
            probs.setdefault(r["scenario"], r["probability"])
        else:
            probs.setdefault(r["scenario"], None)
    probs = {k: (v or 0.0) for k, v in probs.items()}
    left = 1.0 - sum(probs.values())
    out = {BASE: max(0.0, left)} if left > 1e-9 or not probs else {}
    out.update(probs)
    return out


def disruptions(inputs: Inputs) -> list[Disruption]:
    """The scenarios of ``inputs`` (see the module docstring)."""
    rows = inputs.tables.get("disruptions", [])
    if not rows:
        return [Disruption(BASE, 1.0, inputs)]
    out = []
    for name, p in disruption_probabilities(inputs).items():
        if name == BASE:
            out.append(Disruption(BASE, p, inputs))
        else:
            out.append(apply_disruptions(inputs, name, p, [r for r in rows if r["scenario"] == name]))
    return out


DISRUPTION_SOURCE = "disruptions: scenario"  # the `source` of a seasonality row made from a disruption


def periods_of(inputs: Inputs, r: dict) -> list:
    """The period ids a disruptions row applies to (its period, its month, or every period)."""
    periods = inputs.tables["periods"]
    if r.get("period") not in (None, STAR):
        return [r["period"]]
    if r.get("month") in (None, STAR):
        return [p["period"] for p in periods]
    return [p["period"] for p in periods if p["month"] == r["month"]]


def apply_disruptions(inputs: Inputs, name: str, probability: float, rows: list) -> Disruption:
    """``inputs`` with ``rows`` (one scenario's rows of the disruptions sheet) applied; the input is not changed."""
    t = inputs.tables
    season = list(t.get("seasonality", []))
    licences = {r["licence"]: dict(r) for r in t.get("licences", [])}
    revoked = set()
    site_country = {r["node"]: r["country"] for r in t["nodes"]}

    def season_row(r, tt, target):
        month, period = r.get("month"), r.get("period")
        if period == STAR or (month is None and period is None):
            month, period = STAR, None  # every period
        season.append({"_row": r["_row"], "target_type": tt, "target": target, "month": month,
                       "period": period, "capacity_factor": r["capacity_factor"],
                       "cost_factor": r["cost_factor"], "source": f"{DISRUPTION_SOURCE} {name}"})

    for r in rows:
        tt, target = r["target_type"], r["target"]
        if tt == "country":
            for leg in t["legs"]:
                if leg["country"] == target:
                    season_row(r, "leg", leg["leg"])
            for site in t.get("sites", []):
                if site_country.get(site["site"]) == target:
                    season_row(r, "site", site["site"])
        elif tt == "licence":
            rule = licences.get(target)
            if rule is None:
                continue
            whole = r.get("period") in (None, STAR) and r.get("month") in (None, STAR)
            if r["granted"] == "yes":
                if rule["rule"] == "prohibited":
                    del licences[target]
                else:
                    rule["granted"] = "yes"
            elif whole:
                rule["granted"] = "no"
            else:
                revoked.update((target, p) for p in periods_of(inputs, r))
        else:
            season_row(r, tt, target)
    tables = dict(t)
    tables["seasonality"] = season
    tables["licences"] = list(licences.values())
    return Disruption(name, probability, dataclasses.replace(inputs, tables=tables), revoked, rows)
