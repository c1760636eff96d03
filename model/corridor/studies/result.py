"""What one run of a planning study (`corridor study`, `corridor sweep`) hands back to the parent process.

A `RunResult` is plain data (picklable), so it travels from a worker process or a Dask worker.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# statuses that carry a plan (the KPIs are filled); the others explain themselves in ``message``
WITH_PLAN = ("optimal", "time_limit_with_plan", "stopped_with_plan")


@dataclass
class Kpi:
    """One figure of one run: ``group`` (cost, delivered, shortfall, corridor, site, licence, security, run),
    ``name`` (e.g. ``freight`` or ``JP-YOKOHAMA``), ``unit`` (``USD``, ``t``, ``share`` ...), ``value``."""

    group: str
    name: str
    unit: str
    value: float | str | None


@dataclass
class RunResult:
    """The outcome of solving one scenario of a study.

    ``status``: the solver's outcome (``optimal``, ``time_limit_with_plan``, ``time_limit_no_plan``,
    ``infeasible`` ...) or ``input_error`` (the scenario's edits make the workbook invalid) or ``error`` (an
    unexpected failure; ``message`` holds the reason).  ``objective``: the total (expected) cost when a plan
    exists.  ``seconds``: wall time of the whole run in its worker.  ``output``: the solution workbook written
    (None when nothing was written).  ``kpis``: figures for the comparison workbook (`corridor.studies.kpis`).
    ``x_value``/``label``: the swept value (sweeps only) and how it was written (``1.5x``).  ``reused``: the
    solve re-used the base model in place (numbers changed only) instead of rebuilding it.
    ``description``/``compare_per_year``/``compare_source``: from the `scenarios` sheet (shown in the
    comparison).  ``tables``: the solution tables, only when the worker could not write them itself (Dask).
    ``network``: the plan's ``network`` table (`corridor.results.network`), for the study's page of maps.
    """

    name: str
    status: str
    message: str = ""
    objective: float | None = None
    seconds: float = 0.0
    output: Path | None = None
    kpis: list = field(default_factory=list)
    x_value: float | None = None
    label: str = ""
    reused: bool = False
    warm: bool = False  # the base plan was offered as a MIP start
    description: str = ""
    compare_per_year: float | None = None
    compare_source: str = ""
    horizon_days: float = 0.0
    tables: dict | None = None
    gap: float | None = None
    x: list | None = None  # the plan's column values (the base only, in flight: the MIP start of the others)
    network: object = None  # pandas DataFrame: what the plan's map draws (`corridor.io.maps`)

    @property
    def has_plan(self) -> bool:
        """True when the run has a plan (and so figures to compare)."""
        return self.status in WITH_PLAN and self.objective is not None

    def kpi(self, group: str, name: str, default: float | str | None = None) -> float | str | None:
        """The value of KPI (``group``, ``name``), or ``default`` when the run has none."""
        for k in self.kpis:
            if k.group == group and k.name == name:
                return k.value
        return default
