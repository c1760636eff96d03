"""Progress on the terminal: a tqdm bar (or a spinner for work of unknown length) on stderr whose elapsed time
moves every half second, also while one long solve runs and no step ends (a small thread refreshes it).

Drawn only where someone watches: when the stream is a terminal, or when ``CORRIDOR_PROGRESS=1`` forces it
(``CORRIDOR_PROGRESS=0`` never draws).  A pipe, a file or a CI log gets none of it, so no carriage returns
end up in a log.  Lines printed while a bar is shown go through `Progress.write`, which clears the bar, prints
the line and draws the bar again below it.
"""
from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from typing import TextIO

from tqdm import tqdm

FORCE_ENV = "CORRIDOR_PROGRESS"  # 1: draw progress even when stderr is not a terminal; 0: never
TICK_S = 0.5  # how often the elapsed time is redrawn while nothing else happens


def wanted(stream: TextIO | None = None) -> bool:
    """Whether progress is drawn on ``stream`` (default stderr): ``CORRIDOR_PROGRESS`` 1 or 0 decides, else
    only a terminal gets it."""
    forced = os.environ.get(FORCE_ENV, "").strip()
    if forced in ("0", "1"):
        return forced == "1"
    stream = sys.stderr if stream is None else stream
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):  # closed or not a real stream
        return False


class Progress:
    """A progress bar of ``total`` steps, or with ``total`` None a spinner (what runs and for how long), on
    ``stream`` (default stderr); ``enabled`` None asks `wanted`.  Disabled, every method does nothing but
    `write`, which then prints the line as it is.  Use it as a context manager, or call `close`."""

    def __init__(self, desc: str, total: int | None = None, stream: TextIO | None = None,
                 enabled: bool | None = None, unit: str = "run"):
        stream = sys.stderr if stream is None else stream
        self.enabled = wanted(stream) if enabled is None else enabled
        fmt = ("{desc}: {n_fmt}/{total_fmt} {unit}s |{bar:20}| {elapsed}{postfix}" if total is not None
               else "{desc} {elapsed}{postfix}")
        self.bar = tqdm(total=total, desc=desc, file=stream, disable=not self.enabled, leave=False, unit=unit,
                        bar_format=fmt, dynamic_ncols=True, mininterval=0.2)
        self._stop = threading.Event()
        self._ticker = None
        if self.enabled:
            self._ticker = threading.Thread(target=self._tick, name="corridor-progress", daemon=True)
            self._ticker.start()

    def _tick(self) -> None:
        while not self._stop.wait(TICK_S):
            self.bar.refresh()

    def advance(self, n: int = 1) -> None:
        """``n`` more steps done."""
        if self.enabled:
            self.bar.update(n)

    def describe(self, text: str) -> None:
        """Show ``text`` as what runs now (a stage's name: ``corridor solve: build``)."""
        if self.enabled:
            self.bar.set_description_str(text, refresh=True)

    def note(self, text: str) -> None:
        """Show ``text`` after the elapsed time (``00:12, 2 running``)."""
        if self.enabled:
            self.bar.set_postfix_str(text, refresh=True)

    @contextlib.contextmanager
    def outside(self, file: TextIO | None = None) -> Iterator[None]:
        """A block that prints to ``file`` (default stdout) with the bar cleared, drawn again after it."""
        if not self.enabled:
            yield
            return
        with tqdm.external_write_mode(file=sys.stdout if file is None else file):
            yield

    def write(self, line: str, file: TextIO | None = None) -> None:
        """Print ``line`` to ``file`` (default stdout) above the bar, which is drawn again below it."""
        file = sys.stdout if file is None else file
        if self.enabled:
            tqdm.write(line, file=file)
            file.flush()
        else:
            print(line, file=file, flush=True)

    def close(self) -> None:
        """Stop the ticking and remove the bar from the terminal."""
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
            self._ticker = None
        self.bar.close()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = ["FORCE_ENV", "Progress", "TICK_S", "wanted"]
