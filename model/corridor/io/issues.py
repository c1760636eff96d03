"""Input problems: `Issue` (one problem: sheet, Excel row, column, message, severity), `InputError` (the
input cannot be used: every issue at once), and the texts shared by their messages (`suggest`: a
did-you-mean; `short`: a cell shown at a readable length)."""
from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Issue:
    """One problem in the input: where it is and what is wrong."""

    sheet: str
    row: int | None
    column: str
    message: str
    severity: str = "error"  # or "warning"

    def __str__(self) -> str:
        where = self.sheet or "workbook"
        if self.row:
            where += f" row {self.row}"
        if self.column:
            where += f" column '{self.column}'"
        return f"{self.severity.upper()}: {where}: {self.message}"


class InputError(Exception):
    """The input cannot be used; `issues` lists every problem found."""

    def __init__(self, issues: Iterable[Issue]):
        self.issues = list(issues)
        super().__init__("\n".join(str(i) for i in self.issues))


def short(v: object, limit: int = 60) -> str:
    """``v`` as text of at most ``limit`` characters (longer text is cut and its length shown)."""
    s = str(v)
    return s if len(s) <= limit else s[:limit] + f"... ({len(s):,} characters)"


def suggest(item: str, pool: Collection) -> str:
    """A did-you-mean, or the declared ids (the first dozen), for a reference that is not declared."""
    close = difflib.get_close_matches(str(item), [str(p) for p in pool], n=3) if len(str(item)) <= 200 else []
    if close:
        return "; did you mean " + " or ".join(f"'{x}'" for x in close) + "?"
    if not pool:
        return " (it declares none)"
    ids = sorted(map(str, pool))
    return "; declared: " + ", ".join(ids[:12]) + (f" ... ({len(ids)} in all)" if len(ids) > 12 else "")
