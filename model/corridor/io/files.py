"""Files corridor writes, and the text that goes into them: written atomically, locked while a run writes
them, named safely from user text, and with user text kept as text.

- `atomic_save` / `atomic_write_text` / `replace_atomically`: a workbook, a text or any file (a PNG, a CSV) is
  written to a hidden temporary file beside its target and moved into place with one rename, so a failure or a
  kill never leaves half a file and never touches the previous one; the file gets the user's normal
  permissions (the umask's), not the temporary file's 0600.
- `output_lock`: a second run that would write the same output while the first one runs is refused.
- `safe_filename` / `path_in` / `safe_sheet_title`: user text (scenario names, ids) never becomes a path
  outside the output folder or a broken sheet title.
- `as_text`: cell text that a spreadsheet could read as a formula (``=``, ``+``, ``-``, ``@``) stays text.
"""
from __future__ import annotations

import math
import os
import re
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from corridor import __version__

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.cell.cell import Cell


class OutputError(Exception):
    """An output cannot be written (it is the input, another run holds it, the folder cannot be made ...)."""

    pass


def same_file(a: str | Path, b: str | Path) -> bool:
    """True when ``a`` and ``b`` name the same file (after resolving links), so one may not overwrite the other."""
    try:
        return Path(a).resolve() == Path(b).resolve() or (Path(b).exists() and os.path.samefile(a, b))
    except OSError:
        return False


def _temp_prefix(path: Path) -> str:
    return f".{path.name}."


def atomic_save(wb: Workbook, path: Path, kind: str | None = None) -> Path:
    """Save an openpyxl workbook to a temporary file beside ``path`` (``.<name>.<random>.tmp``, hidden), then
    move it into place with one atomic rename: a reader sees the previous file or the new one, never a part.
    ``kind``: what corridor writes (`stamp`).  A symbolic link is written through: the file it points at is
    replaced and the link stays a link."""
    if kind is not None:
        stamp(wb, kind)
    return replace_atomically(Path(path), wb.save)


def atomic_write_text(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` the same way as `atomic_save`."""
    return replace_atomically(Path(path), lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def replace_atomically(path: str | Path, write: Callable[[str], object]) -> Path:
    """Write ``path`` through ``write(tmp)``, which writes the whole file to the temporary path ``tmp``
    (``.<name>.<random>.tmp`` beside ``path``; its suffix is ``.tmp``, so a writer that picks the format from
    the suffix must be told it, as ``savefig(tmp, format="png")``), then move it into place with one atomic
    rename; on any failure the temporary file is removed and ``path`` is left as it was.  The file gets the
    permissions of a normal save (``0o666`` less the umask, not the temporary file's ``0o600``); a symbolic
    link is written through.  The workbooks, texts, charts and CSVs corridor writes all go through here."""
    path = Path(path)
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(path), suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the file the permissions of a normal save
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def keep_text(wb: Workbook) -> None:
    """`as_text` on every cell of every sheet of ``wb`` (hidden ones too): no user text becomes a formula."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                as_text(cell)


def remove_stale_temps(paths: Iterable[Path]) -> None:
    """Remove the temporary files a killed writer left beside ``paths`` (the caller holds the right to write
    them: the lock of the run that owns them)."""
    for path in paths:
        path = Path(path)
        for stale in path.parent.glob(_temp_prefix(path) + "*.tmp"):
            try:
                stale.unlink()
            except OSError:
                pass


def stamp(wb: Workbook, kind: str) -> None:
    """Mark ``wb`` as corridor's output of ``kind`` (document properties: keywords ``corridor:<kind>``, creator
    ``corridor <version>``), so that a later run knows it may replace it (`corridor.io.targets`)."""
    wb.properties.keywords = f"corridor:{kind}"
    wb.properties.creator = f"corridor {__version__}"


class output_lock:
    """Hold an exclusive lock on an output path for the length of a run: ``with output_lock(path): ...``.

    The lock is an OS file lock (``flock``; ``msvcrt`` on Windows) on a hidden ``.<name>.lock`` file
    beside the output, so it is released by the OS when the process ends, even when it is killed: no stale
    lock can block later runs.  A second run on the same output while the first holds it gets an
    `OutputError` naming the holder's process id and start time.  While the lock is held, temporary files
    left by an earlier run that was killed while writing this output are removed.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.lock_path = self.path.parent / f".{self.path.name}.lock"
        self._fh = None

    def __enter__(self):
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


def safe_filename(text: str, default: str = "unnamed", max_len: int = 80) -> str:
    """A file name made from user text (a scenario name, an id): letters and digits of any script, ``-``, ``_``,
    ``.`` and ``+`` kept (``Кризис`` stays ``Кризис``), anything else (path separators, ``..``, drive letters,
    control and invisible characters) becomes ``_``; no leading dot, no Windows device name, at most
    ``max_len`` characters.  The result is one plain name: joined to a folder it can never point outside it."""
    name = re.sub(r"[^\w.+-]", "_", unicodedata.normalize("NFC", str(text))).strip("._ ")
    name = re.sub(r"\.{2,}", ".", name)[:max_len].strip("._ ")
    if not name or name.split(".")[0].upper() in _RESERVED:
        name = f"{default}_{name}" if name else default
    return name


def path_in(folder: str | Path, name: str, suffix: str = "") -> Path:
    """``folder / (safe_filename(name) + suffix)``, checked to lie inside ``folder``."""
    folder = Path(folder).resolve()
    target = (folder / (safe_filename(name) + suffix)).resolve()
    if target.parent != folder:
        raise OutputError(f"'{name}' would be written outside {folder}")
    return target


def safe_sheet_title(text: str, taken: Iterable[str] = ()) -> str:
    r"""A valid, unique worksheet title from user text: no ``[]:*?/\\``, no leading/trailing apostrophe, at
    most 31 characters, not one of ``taken`` (case-insensitive: Excel's rule)."""
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


def as_text(cell: Cell) -> None:
    """Keep user text that a spreadsheet could read as a formula a plain string cell."""
    if cell.data_type == "f" or (isinstance(cell.value, str) and cell.value.startswith(FORMULA_PREFIXES)):
        cell.data_type = "s"


def plain(v: object) -> object:
    """A plain Python cell value (no NaN, no numpy scalars)."""
    if v is None:
        return None
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        v = v.item()
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    return v


def is_number(value: object) -> bool:
    """A finite int or float (not a bool)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def cell_value(value: object) -> object:
    """A plain cell value: no numpy scalars, no NaN/infinity, Paths as their text, empty text as a blank."""
    if isinstance(value, str) and value == "":
        return None
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
