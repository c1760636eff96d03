"""Write the solution workbook: formatted sheets, a native chart, written atomically.

The workbook is first written to a temporary file in the target folder and then moved into place, so a
failure (or a kill) never leaves a half-written file and never touches the previous output.  The input
workbook is never the target.  `output_lock` refuses a second run that would write the same output while
the first one runs; `safe_filename` / `safe_sheet_title` keep user text (scenario names, ids) from ever
becoming a path outside the output folder or a broken sheet title.  Cell text that Excel could read as a
formula (``=``, ``+``, ``-``, ``@``) is always written as text.
"""
from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path

SHEET_ORDER = ("summary", "costs", "security", "scenarios", "route_flows", "leg_use", "processing", "deliveries", "inventory", "licences",
               "corridor_shares", "corridor_periods", "decisions")

_FORMATS = (  # column-name test -> number format
    (lambda c: c in ("share", "utilisation"), "0.0%"),
    (lambda c: c.endswith("cost") or c in ("amount", "revenue", "objective", "best_bound") or c.startswith("cost_"),
     "#,##0"),
    (lambda c: c.endswith("_t") or c == "tonnes", "#,##0.0"),
)


class OutputError(Exception):
    pass


def same_file(a, b) -> bool:
    try:
        return Path(a).resolve() == Path(b).resolve() or (Path(b).exists() and os.path.samefile(a, b))
    except OSError:
        return False


def write_solution(tables: dict, path, input_path=None) -> Path:
    """Write ``tables`` (sheet -> DataFrame) to ``path`` atomically; refuse to overwrite the input."""
    path = Path(path)
    if input_path is not None and same_file(input_path, path):
        raise OutputError(f"refusing to write the solution over the input workbook {path}")
    return _atomic_save(_workbook(tables), path)


def _temp_prefix(path: Path) -> str:
    return f".{path.name}."


def _atomic_save(wb, path: Path) -> Path:
    """Save an openpyxl workbook to a temporary file beside ``path`` (``.<name>.<random>.tmp``, hidden), then
    move it into place with one atomic rename: a reader sees the previous file or the new one, never a part."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(path), suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the file the permissions of a normal save
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


class output_lock:
    """Hold an exclusive lock on an output path for the length of a run: ``with output_lock(path): ...``.

    The lock is an OS file lock (``flock``; ``msvcrt`` on Windows) on a hidden ``.<name>.lock`` file
    beside the output, so it is released by the OS when the process ends, even when it is killed: no stale
    lock can block later runs.  A second run on the same output while the first holds it gets an
    `OutputError` naming the holder's process id and start time.  While the lock is held, temporary files
    left by an earlier run that was killed while writing this output are removed.
    """

    def __init__(self, path):
        self.path = Path(path)
        self.lock_path = self.path.parent / f".{self.path.name}.lock"
        self._fh = None

    def __enter__(self):
        import time
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for _attempt in range(5):
            fh = open(self.lock_path, "a+")
            if not _try_lock(fh):
                fh.seek(0)
                holder = fh.read().strip() or "another process"
                fh.close()
                raise OutputError(f"another corridor run is writing {self.path} ({holder}); wait for it to "
                                  "finish or write elsewhere with -o")
            try:  # the file we locked must still be the one at lock_path (a finishing run unlinks it)
                same = os.path.samestat(os.fstat(fh.fileno()), os.stat(self.lock_path))
            except FileNotFoundError:
                same = False
            if same:
                break
            fh.close()
        else:
            raise OutputError(f"could not lock {self.lock_path}")
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}")
        fh.flush()
        self._fh = fh
        for stale in self.path.parent.glob(_temp_prefix(self.path) + "*.tmp"):
            try:
                stale.unlink()
            except OSError:
                pass
        return self

    def __exit__(self, *exc):
        if self._fh is not None:
            try:
                os.unlink(self.lock_path)
            except OSError:
                pass
            self._fh.close()  # closing releases the lock
            self._fh = None


def _try_lock(fh) -> bool:
    """Take an exclusive, non-blocking lock on an open file; False if another process holds it."""
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt
        try:
            fh.seek(0)
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


def safe_filename(text, default="unnamed", max_len=80) -> str:
    """A file name made from user text (a scenario name, an id): letters, digits, ``-``, ``_``, ``.`` and
    ``+`` kept, anything else (path separators, ``..``, drive letters, control characters) becomes ``_``;
    no leading dot, no Windows device name, at most ``max_len`` characters.  The result is one plain name:
    joined to a folder it can never point outside it."""
    import re
    name = re.sub(r"[^A-Za-z0-9._+-]", "_", str(text)).strip("._ ")
    name = re.sub(r"\.{2,}", ".", name)[:max_len].strip("._ ")
    if not name or name.split(".")[0].upper() in _RESERVED:
        name = f"{default}_{name}" if name else default
    return name


def path_in(folder, name, suffix="") -> Path:
    """``folder / (safe_filename(name) + suffix)``, checked to lie inside ``folder``."""
    folder = Path(folder).resolve()
    target = (folder / (safe_filename(name) + suffix)).resolve()
    if target.parent != folder:
        raise OutputError(f"'{name}' would be written outside {folder}")
    return target


def safe_sheet_title(text, taken=()) -> str:
    """A valid, unique worksheet title from user text: no ``[]:*?/\\``, no leading/trailing apostrophe, at
    most 31 characters, not one of ``taken`` (case-insensitive: Excel's rule)."""
    import re
    title = re.sub(r"[\[\]:*?/\\]", "_", str(text)).strip("'") or "sheet"
    title = title[:31]
    lower = {t.lower() for t in taken}
    k = 2
    base = title
    while title.lower() in lower:
        suffix = f"~{k}"
        title = base[:31 - len(suffix)] + suffix
        k += 1
    return title


FORMULA_PREFIXES = ("=", "+", "-", "@")


def _as_text(cell):
    """Keep user text that a spreadsheet could read as a formula a plain string cell."""
    if cell.data_type == "f" or (isinstance(cell.value, str) and cell.value.startswith(FORMULA_PREFIXES)):
        cell.data_type = "s"


def _safe(v):
    """A plain Python cell value (no NaN, no numpy scalars)."""
    if v is None:
        return None
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        v = v.item()
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    return v


def _workbook(tables):
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    names = [n for n in SHEET_ORDER if n in tables] + [n for n in tables if n not in SHEET_ORDER]
    for name in names:
        df = tables[name]
        ws = wb.create_sheet(safe_sheet_title(name, wb.sheetnames))
        cols = list(df.columns)
        ws.append(cols)
        for c in ws[1]:
            c.font, c.fill = bold, fill
            c.alignment = Alignment(vertical="center")
        for row in df.itertuples(index=False, name=None):
            ws.append([_safe(v) for v in row])
        for row in ws.iter_rows():
            for cell in row:  # user text such as '=...' must stay text, never a formula
                _as_text(cell)
        ws.freeze_panes = "A2"
        for j, col in enumerate(cols, start=1):
            fmt = next((f for test, f in _FORMATS if test(str(col))), None)
            letter = get_column_letter(j)
            if fmt and name != "summary":
                for cell in ws[letter][1:]:
                    if isinstance(cell.value, (int, float)):
                        cell.number_format = fmt
            sample = [str(col)] + [str(_safe(v)) for v in df.iloc[:200, j - 1]] if len(df) else [str(col)]
            ws.column_dimensions[letter].width = min(60, max(10, max(len(s) for s in sample) + 2))
        if name == "summary":
            for cell in ws["B"][1:]:
                if isinstance(cell.value, float):
                    cell.number_format = "#,##0.00" if abs(cell.value) >= 1 or cell.value == 0 else "0.000000"
        if cols:
            ws.auto_filter.ref = ws.dimensions
    if "corridor_periods" in tables and len(tables["corridor_periods"]):
        _chart(wb, tables["corridor_periods"])
    return wb


def _chart(wb, df):
    """Native stacked column chart: tonnes dispatched by corridor per period."""
    from openpyxl.chart import BarChart, Reference

    ws = wb["corridor_periods"]
    n_rows, n_cols = len(df) + 1, len(df.columns)
    chart = BarChart()
    chart.type, chart.grouping, chart.overlap = "col", "stacked", 100
    chart.title = "Tonnes dispatched by corridor per period"
    chart.y_axis.title, chart.x_axis.title = "tonnes", "period"
    data = Reference(ws, min_col=2, max_col=n_cols, min_row=1, max_row=n_rows)
    cats = Reference(ws, min_col=1, min_row=2, max_row=n_rows)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(cats)
    chart.height, chart.width = 9, 18
    target = wb["summary"] if "summary" in wb.sheetnames else ws
    target.add_chart(chart, "D2")
