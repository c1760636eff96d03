"""A case given in code: ``{sheet name: pandas.DataFrame or list of row dicts}`` read as a workbook would be.

Each table is laid out as the sheet ``DataFrame.to_excel(index=False)`` would write: its columns are the header
(Excel row 1) and its rows follow from Excel row 2, so every message names the sheet, row and column a
planner would see in the workbook of the same tables.  The sheets go through the workbook reader's own steps
(`reader.sheets_by_name` for the sheet names, `reader.read_rows` for the header and the rows), so an
unknown sheet or column, a missing required one, a duplicate column and a blank required cell are said in
the same words.

Cells: None, NaN, ``pandas.NA`` and ``pandas.NaT`` are blank cells (a missing value in a DataFrame is an empty
cell in the workbook); numpy scalars are their Python values (``numpy.int64(3)`` is 3, ``numpy.bool_`` a
logical); pandas timestamps are dates, as a date cell reads.  A DataFrame's named index is read as its
first columns, as ``to_excel`` writes it (an unnamed index, such as the default 0, 1, 2 ..., is not read).
``settings`` may also be ``{key: value}``.  A table of another type is reported on its sheet.

pandas is not imported here: a DataFrame is recognised by its ``columns`` and ``itertuples``.
"""
from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Mapping

import numpy as np

from corridor.io.issues import Issue
from corridor.io.reader import RawWorkbook, read_rows, sheets_by_name
from corridor.io.schema import SHEET

__all__ = ["cell_value", "is_frame", "read_tables", "sheet_rows"]

_MISSING = ("NAType", "NaTType")  # pandas.NA and pandas.NaT, by their type's name (no pandas import)


def cell_value(v: object) -> object:
    """The value a workbook cell would hold for ``v``: None for None/NaN/NA/NaT, numpy scalars as Python values,
    pandas timestamps and time deltas as ``datetime`` / ``timedelta``; anything else as it is."""
    if v is None or type(v).__name__ in _MISSING:
        return None
    if isinstance(v, np.generic):
        if isinstance(v, np.datetime64):
            return None if np.isnat(v) else v.astype("datetime64[us]").item()
        if isinstance(v, np.timedelta64):
            return None if np.isnat(v) else v.astype("timedelta64[us]").item()
        v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, _dt.datetime) and hasattr(v, "to_pydatetime"):  # pandas.Timestamp
        return v.to_pydatetime()
    if isinstance(v, _dt.timedelta) and hasattr(v, "to_pytimedelta"):  # pandas.Timedelta
        return v.to_pytimedelta()
    return v


def is_frame(table: object) -> bool:
    """True for a pandas DataFrame (or anything with its ``columns``, ``index`` and ``itertuples``)."""
    return all(hasattr(table, a) for a in ("columns", "index", "itertuples"))


def sheet_rows(name: str, table: object) -> list | None:
    """The rows of cell values the sheet of ``table`` would hold, the header first; None when ``table`` is not
    a DataFrame, a list of row dicts or (``settings``) a ``{key: value}`` mapping."""
    if is_frame(table):
        if any(n is not None for n in getattr(table.index, "names", ())):  # a named index: written as columns
            table = table.reset_index()
        header = [cell_value(c) for c in table.columns]
        return [header] + [[cell_value(v) for v in row] for row in table.itertuples(index=False, name=None)]
    if isinstance(table, Mapping) and name.strip().lower() == "settings":
        table = [{"key": k, "value": v} for k, v in table.items()]
    if isinstance(table, (list, tuple)) and all(isinstance(r, Mapping) for r in table):
        header = []
        for r in table:
            header.extend(k for k in r if k not in header)
        return [header] + [[cell_value(r.get(c)) for c in header] for r in table]
    return None


def read_tables(book: Mapping) -> RawWorkbook:
    """The raw records of ``book`` (``{sheet name: table}``, module doc), with the Excel rows and the issues a
    workbook of the same tables would give; the case has no file (``path`` None, no SHA-256)."""
    raw = RawWorkbook(path=None, sha256="")
    titled = [(str(title), table) for title, table in book.items()]
    for name, (title, table) in sheets_by_name(titled, raw).items():
        rows = sheet_rows(name, table)
        if rows is None:
            raw.issues.append(Issue(title, None, "", f"the table given for sheet '{title}' is a "
                                    f"{type(table).__name__}; give a pandas DataFrame or a list of row dicts "
                                    "(one dict per row, column name -> value)"))
            raw.sheets[name] = []
            raw.unreadable.add(name)
            continue
        raw.sheets[name] = read_rows(map(tuple, rows), SHEET[name], raw.issues)
    return raw
