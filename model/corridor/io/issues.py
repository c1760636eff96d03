"""Input problems: `Issue` (one problem: sheet, Excel row, column, message, severity), `InputError` (the
input cannot be used: every issue at once), and the texts shared by their messages (`suggest`: a
did-you-mean; `short`: a cell shown at a readable length)."""
from __future__ import annotations

import difflib
import unicodedata
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


_CONTROL_NAMES = {"\t": "CHARACTER TABULATION (a tab)", "\n": "LINE FEED (a line break)",
                  "\r": "CARRIAGE RETURN (a line break)", "\x0b": "LINE TABULATION", "\x0c": "FORM FEED"}
_ESCAPES = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def is_invisible(ch: str) -> bool:
    """A character that does not show (or shows as a plain blank) where it is typed: control and format
    characters (tab, line break, zero-width space, byte-order mark, soft hyphen ...), every blank but the plain
    space (no-break space, thin space ...) and unassigned or private code points."""
    return ch != " " and not ch.isprintable()


def first_invisible(s: str) -> tuple[int, str] | None:
    """(index, character) of the first invisible character of ``s`` (`is_invisible`), or None."""
    if s.isprintable():
        return None
    return next((k, ch) for k, ch in enumerate(s) if is_invisible(ch))


def char_name(ch: str) -> str:
    """``U+200B ZERO WIDTH SPACE``: a character's code point and Unicode name."""
    return f"U+{ord(ch):04X} " + (unicodedata.name(ch, "") or _CONTROL_NAMES.get(ch, "CONTROL CHARACTER"))


def visible(s: str) -> str:
    r"""``s`` with every invisible character written as an escape (``\u200b``, ``\n`` ...), so that two texts
    that differ in one never look the same in a message."""
    if s.isprintable():
        return s
    return "".join(_ESCAPES.get(ch, f"\\u{ord(ch):04x}") if is_invisible(ch) else ch for ch in s)


def short(v: object, limit: int = 60) -> str:
    """``v`` as text of at most ``limit`` characters (longer text is cut and its length shown), invisible
    characters shown as escapes (`visible`)."""
    s = str(v)
    return visible(s) if len(s) <= limit else visible(s[:limit]) + f"... ({len(s):,} characters)"


def suggest(item: str, pool: Collection) -> str:
    """A did-you-mean, or the declared ids (the first dozen), for a reference that is not declared."""
    same = [str(p) for p in pool if str(p).lower() == str(item).lower()] if len(str(item)) <= 200 else []
    if same:
        return f"; did you mean '{short(same[0])}'? (ids are compared with their case)"
    close = difflib.get_close_matches(str(item), [str(p) for p in pool], n=3) if len(str(item)) <= 200 else []
    if close:
        return "; did you mean " + " or ".join(f"'{short(x)}'" for x in close) + "?"
    if not pool:
        return " (it declares none)"
    ids = sorted(map(str, pool))
    return "; declared: " + ", ".join(short(i) for i in ids[:12]) + (f" ... ({len(ids)} in all)" if len(ids) > 12
                                                                    else "")


def close_to(item: str, pool: Collection, prefix: int = 4) -> str | None:
    """The name of ``pool`` that ``item`` most resembles (difflib, or a shared start of ``prefix`` characters:
    ``site_product`` -> ``sites``), or None."""
    names = [str(p) for p in pool]
    close = difflib.get_close_matches(str(item), names, n=1)
    if close:
        return close[0]
    low = str(item).lower()
    starts = [n for n in names if len(low) >= prefix and n[:prefix].lower() == low[:prefix]]
    return max(starts, key=lambda n: difflib.SequenceMatcher(None, low, n).ratio()) if starts else None
