"""The units of the figures corridor writes, and the number format each unit is shown with: one table for
every workbook (solution, comparison, pareto, bench), so that money, tonnes, shares and seconds look the
same everywhere and no number is left in the spreadsheet's General format.

The unit names are the input schema's (`corridor.io.schema`: ``currency``, ``currency/t``, ``t``, ``t/t``,
``days``, ``periods``, ``km``, ``deg`` ...) plus the ones only outputs have (``share``, ``gap``, ``s``,
``count``, ``year``, ``MB`` ...).

- `FORMATS`: unit -> number format.
- `COLUMN_UNITS`: an output column (or a key of a key/value sheet such as ``summary``) -> its unit;
  `AFFIX_UNITS`: the naming rules of the columns named after data (``cost_<line>``, ``seconds_<stage>``,
  ``<...>_t``); `SHEET_UNITS`: sheets whose every figure has one unit (``corridor_periods``: tonnes by
  corridor); a ``name:detail`` column (``shortfall_t:JP-YOKOHAMA``) has the unit of ``name``.
- `unit_of(name, sheet)`: the unit of a column; `input_unit(sheet, column)`: the unit of an input column
  (a sweep's swept value); `number_format(unit, value)`: the format of a cell.
"""
from __future__ import annotations

from corridor.io.schema import SHEET

FORMATS = {
    "currency": "#,##0",
    "currency/yr": "#,##0",
    "currency/t": "#,##0.00",
    "currency/t/period": "#,##0.00",
    "t": "#,##0.0",
    "t/t": "0.000",
    "share": "0.0%",  # 0.0428 shows 4.3%
    "gap": "0.000%",  # a relative gap or error, a share too small for 0.0% (1e-4 shows 0.010%)
    "s": "0.00",
    "count": "#,##0",
    "periods": "#,##0",
    "days": "#,##0.0",
    "year": "0",  # 2027, not 2,027
    "km": "#,##0",
    "deg": "0.000",
    "MB": "#,##0.0",
    "KB": "0.000",
    "factor": "0.0000",  # a discount factor
    "ratio": "0.000",  # a speed-up, a slope, a ratio of two measurements
    "error": "0.00E+00",  # a relative error against a published optimum (1e-9 stays visible)
    "number": "#,##0.00",  # a figure whose unit corridor does not know (a sweep over a unitless input)
}

UNIT_ALIASES = {"applications": "count", "USD": "currency"}  # KPI units (`corridor.studies.kpis`)

COLUMN_UNITS = {
    # solution: summary keys
    "objective": "currency", "best_bound": "currency", "relative_gap": "gap", "periods": "count",
    "scenarios": "count", "discount_rate": "share", "security_metric_value": "share",
    "security_metric_bound": "share", "security_metric_model_value": "share", "security_metric_gap": "gap",
    "cost_budget": "currency", "min_cost_optimum": "currency",
    # solution: plan sheets
    "amount": "currency", "amount_pv": "currency", "pays": "currency", "pays_pv": "currency",
    "budget": "currency", "budget_used": "share", "per_t": "currency/t",
    "share": "share", "utilisation": "share", "probability": "share",
    "tonnes": "t", "tonnes_covered": "t", "transit_days": "days",
    "cost": "currency", "freight_cost": "currency", "handling_cost": "currency", "fixed_cost": "currency",
    "holding_cost": "currency", "penalty_cost": "currency", "revenue": "currency", "total_cost": "currency",
    "cost_per_t": "currency/t", "applied": "count", "held": "count",
    "decided_units": "count", "in_service_units": "count", "capex": "currency", "discount_factor": "factor",
    "year": "year", "nominal": "currency", "present_value": "currency",
    "deliverable_share_without": "share",
    "lat": "deg", "lon": "deg", "to_lat": "deg", "to_lon": "deg",  # network (the plan map's data)
    # pareto
    "point": "count", "expected_cost": "currency", "expected_margin": "currency", "routes_used": "count",
    "optimised": "share", "points": "count",  # optimised:<metric>: every security metric is a share of demand
    # comparison overview
    "delta_vs_base": "currency", "delta_vs_base_pct": "share", "horizon_days": "days",
    "delta_per_year": "currency", "compare_per_year": "currency", "delta_per_year_minus_compare": "currency",
    "seconds": "s",
    # bench
    "seed": "count", "rep": "count", "rows": "count", "columns": "count", "nonzeros": "count", "binaries": "count",
    "bound": "currency", "gap": "gap", "start_s": "s", "root_lp_bound": "currency", "root_lp_gap": "gap",
    "reference_optimum": "currency", "rel_error": "error", "kb_per_nnz": "KB", "measured": "ratio",
    "x_min_cost": "ratio", "metric_value": "share", "metric_bound": "share", "metric_gap": "gap", "steps": "count",
    "steps_proven": "count", "points_computed": "count", "points_proven": "count", "min_cost": "currency",
}

AFFIX_UNITS = (  # (prefix, suffix, unit): the first rule a name matches; checked after COLUMN_UNITS
    ("cost_", "", "currency"),  # cost_<line> (summary, scenarios)
    ("seconds_", "", "s"),  # seconds_<stage> (summary)
    ("model_", "", "count"),  # model_rows, model_nonzeros ... (summary)
    ("s_", "", "s"),  # s_<stage> (bench)
    ("peak_mb", "", "MB"),  # peak_mb, peak_mb_<stage> (bench)
    ("", "_share", "share"),
    ("", "_t", "t"),
    ("", "_pv", "currency"),
    ("", "_nominal", "currency"),
    ("", "_cost", "currency"),
    ("", "_units", "count"),
)

SHEET_UNITS = {"corridor_periods": "t", "capacity_in_service": "t"}  # one column per corridor / investment


def canonical(unit: str | None, currency: str = "") -> str | None:
    """``unit`` as a key of `FORMATS`: the run's currency code (``USD``) is ``currency``, a KPI's
    ``applications`` a ``count``; None for no unit or one without a format (``yes/no``)."""
    if unit is None:
        return None
    unit = str(unit)
    if currency and unit == currency:
        return "currency"
    unit = UNIT_ALIASES.get(unit, unit)
    return unit if unit in FORMATS else None


def unit_of(name: object, sheet: str = "") -> str | None:
    """The unit of the output column (or summary key) ``name`` on ``sheet``; None when corridor does not know
    it (the cell then gets `number_format`'s fallback)."""
    if sheet in SHEET_UNITS:
        return SHEET_UNITS[sheet]
    name = str(name)
    if name in COLUMN_UNITS:
        return COLUMN_UNITS[name]
    if ":" in name:  # shortfall_t:<market>, expected_shortfall_t:<element>, optimised:<metric>
        return unit_of(name.split(":", 1)[0])
    for prefix, suffix, unit in AFFIX_UNITS:
        if name.startswith(prefix) and name.endswith(suffix):
            return unit
    return None


def input_unit(sheet: str, column: str) -> str | None:
    """The schema's unit of an input column (``sites``/``capacity_t`` -> ``t``); None when the column has none
    or is not in the schema."""
    try:
        return canonical(SHEET[sheet].column(column).unit)
    except KeyError:
        return None


def number_format(unit: str | None, value: object = None) -> str:
    """The number format of a figure in ``unit``; without a known unit a whole number is a count and any
    other number gets two decimals (never General)."""
    unit = canonical(unit)
    if unit is not None:
        return FORMATS[unit]
    return FORMATS["count"] if isinstance(value, int) and not isinstance(value, bool) else FORMATS["number"]
