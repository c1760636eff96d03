"""Where an output may go: never over a file that is not the same command's own earlier output.

Every workbook corridor writes says what it is in its document properties (`files.stamp`: keywords
``corridor:<kind>``), and every text file by its first line; `kind_of` reads that back (and recognises the
outputs of earlier corridor versions by their sheets).  `check_target` is called by every writer before
anything is read or computed:

- an empty name, or a name whose suffix does not fit what is written (a workbook named ``.csv``), is refused;
- a folder, device, pipe or socket is refused (``-o /dev/sda`` as root must not replace the device);
- a symbolic link is written through to the file it points at, which must be a regular file (or not exist
  yet); the link itself stays a link;
- an existing regular file is replaced only when it is an earlier output of the same kind (a solution over
  a solution, a template over a template), or with ``force``.

`input_problem` says, for a file given as an input, when it is one of corridor's outputs instead (a
solution workbook given to ``corridor check`` in the input's place).
"""
from __future__ import annotations

import os
import re
import stat
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import openpyxl

from corridor.io.files import OutputError, stamp
from corridor.io.schema import SETTINGS

if TYPE_CHECKING:
    pass

KINDS = {  # kind -> (what it is, in words; the suffixes its file may have)
    "solution": ("a corridor solution workbook", (".xlsx",)),
    "template": ("a corridor template", (".xlsx",)),
    "comparison": ("a corridor comparison workbook (of a study or sweep)", (".xlsx",)),
    "pareto": ("a corridor frontier workbook", (".xlsx",)),
    "bench": ("a corridor benchmark workbook", (".xlsx",)),
    "docs": ("corridor's input reference", (".md", ".markdown", ".txt")),
    "model": ("a model file written by corridor export", (".mps", ".lp")),
    "png": ("a corridor chart", (".png",)),
    "csv": ("a corridor results table", (".csv",)),
}
INPUT_SHEETS = {"periods", "nodes", "legs", "routes", "supply", "demand"}  # an input workbook holds these
DOCS_FIRST_LINE = "# Input workbook reference"
_KEYWORDS = re.compile(rb"<cp:keywords>\s*corridor:([a-z]+)\s*</cp:keywords>")
_SHEET_NAME = re.compile(rb'<sheet\b[^>]*\bname="([^"]*)"')


def kind_of(path: str | Path) -> tuple[str | None, str]:
    """(corridor kind or None, what the file is in words) of an existing regular file."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError as exc:
        return None, f"a file corridor cannot read ({exc.strerror or exc})"
    if head.startswith(b"PK"):
        return _workbook_kind(path)
    if head.startswith(b"\x89PNG"):
        return ("png", KINDS["png"][0]) if b"corridor" in head else (None, "a picture corridor did not draw")
    text = head.decode("utf-8", "replace")
    first = text.lstrip("\ufeff").split("\n", 1)[0].strip()
    if first == DOCS_FIRST_LINE:
        return "docs", KINDS["docs"][0]
    if first.startswith(("\\ File written by HiGHS", "NAME", "* corridor")) or "corridor export" in first:
        return "model", KINDS["model"][0]
    if first.startswith("instance,") or "corridor bench" in first:
        return "csv", KINDS["csv"][0]
    return None, "a file corridor did not write" if head else "an empty file"


def _workbook_kind(path: Path) -> tuple[str | None, str]:
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            core = zf.read("docProps/core.xml") if "docProps/core.xml" in names else b""
            book = zf.read("xl/workbook.xml") if "xl/workbook.xml" in names else b""
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError):
        return None, "a damaged zip or workbook"
    m = _KEYWORDS.search(core)
    if m and m.group(1).decode() in KINDS:
        kind = m.group(1).decode()
        if kind == "template" and _holds_data(path):  # a template a planner has filled in is an input
            return None, "an input workbook made from a corridor template (its sheets hold rows)"
        return kind, KINDS[kind][0]
    sheets = {s.decode("utf-8", "replace").strip().lower() for s in _SHEET_NAME.findall(book)}
    if {"summary", "costs"} <= sheets or {"summary", "route_flows"} <= sheets:  # before outputs were stamped
        return "solution", KINDS["solution"][0]
    if {"overview", "kpis"} <= sheets:
        return "comparison", KINDS["comparison"][0]
    if "pareto" in sheets:
        return "pareto", KINDS["pareto"][0]
    if {"targets", "results"} <= sheets:
        return "bench", KINDS["bench"][0]
    if "readme" in sheets and "_lists" in sheets and len(sheets & INPUT_SHEETS) >= 3:
        return "template", KINDS["template"][0]
    if len(sheets & INPUT_SHEETS) >= 2:
        return None, "an input workbook (it holds the sheets " + ", ".join(sorted(sheets & INPUT_SHEETS)) + ")"
    return None, "a workbook corridor did not write"


def _holds_data(path: Path) -> bool:
    """True when a planner has filled the template in: a value below the header of any sheet but README and
    _lists, or a setting that is not the template's default."""
    defaults = {key: default for key, (_kind, default, _allowed, _desc) in SETTINGS.items()}
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - unreadable: treat as holding data (never replaced without --force)
        return True
    try:
        for ws in wb.worksheets:
            title = ws.title.strip().lower()
            if title in ("readme", "_lists"):
                continue
            for row in ws.iter_rows(min_row=2, values_only=True):
                if title == "settings" and row and row[0] in defaults:
                    if (row[1] if len(row) > 1 else None) != defaults[row[0]]:
                        return True
                elif any(v not in (None, "") for v in row):
                    return True
        return False
    finally:
        wb.close()


def check_target(path: str | Path, kind: str, force: bool = False, option: str = "-o") -> Path:
    """The path to write an output of ``kind`` to, or `OutputError` saying why not (see the module docstring).
    A symbolic link gives the file it points at; ``option`` names the command-line option in messages."""
    text = str(path)
    if not text.strip():
        raise OutputError(f"{option} needs a file name (it is blank)")
    what, suffixes = KINDS[kind]
    path = Path(path)
    if path.suffix.lower() not in suffixes:
        raise OutputError(f"{path} must end in {' or '.join(suffixes)}: corridor writes {what} there (a file "
                          f"named {path.suffix or 'without a suffix'} would not open as one)")
    if path.is_symlink():
        real = Path(os.path.realpath(path))
        if real.exists() and not real.is_file():
            raise OutputError(f"{path} is a link to {real}, which is not a regular file; write to a file path")
        path = real
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return path
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(st.st_mode):
        kind_text = ("a folder" if stat.S_ISDIR(st.st_mode) else "a device" if stat.S_ISCHR(st.st_mode)
                     or stat.S_ISBLK(st.st_mode) else "a pipe" if stat.S_ISFIFO(st.st_mode) else "not a regular file")
        raise OutputError(f"{path} is {kind_text}, not a file corridor may write; give a file path with {option}")
    found, description = kind_of(path)
    if found != kind and not force:
        raise OutputError(f"{path} exists and is {description}, not an earlier output of this command: corridor "
                          f"does not replace it; write elsewhere with {option}, or pass --force to replace it")
    return path


def input_problem(path: str | Path) -> str:
    """Why ``path`` cannot be an input workbook when it is one of corridor's own outputs ("" otherwise)."""
    path = Path(path)
    if not path.is_file():
        return ""
    found, description = kind_of(path)
    if found is None or found == "template":
        return ""
    return f"{path} is {description}, not an input workbook"


__all__ = ["KINDS", "check_target", "input_problem", "kind_of", "stamp"]
