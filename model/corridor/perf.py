"""Performance helpers shared by every layer: garbage collection paused while building, memory handed back
to the OS before a large solve, stage timing with peak memory."""
from __future__ import annotations

import ctypes
import gc
import resource
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Construction allocates millions of small objects; collection cycles would only slow it down.  When the
    pause ends, what was built goes straight to the oldest generation (`gc.freeze` then `gc.unfreeze`: two list
    moves), so that the first young collection after it does not walk every object just made, all alive; a
    full collection (`release_memory`, or the collector's own) still looks at them."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.unfreeze()
            gc.enable()


RELEASE_AT_NONZEROS = 200_000  # below this the build's garbage is too small to be worth a collection


def release_memory() -> None:
    """Hand the memory freed while building back to the OS before the solver allocates its own (glibc
    keeps freed heap otherwise); a no-op where the C library has no ``malloc_trim``."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


class StageClock:
    """Times named stages: ``with clock.stage("build"): ...`` records ``seconds[name]``; with ``memory``
    set it also records the process's peak resident memory (MB) reached by the end of each stage;
    ``on_stage(name)`` is called as each stage starts (a progress display naming it)."""

    def __init__(self, memory: bool = False, on_stage: Callable[[str], object] | None = None):
        self.seconds, self.peak_mb, self.memory, self.on_stage = {}, {}, memory, on_stage

    def stage(self, name: str) -> AbstractContextManager:
        """A context manager that times (and with ``memory`` measures) the stage ``name``."""
        clock = self

        class _S:
            def __enter__(self):
                if clock.on_stage is not None:
                    clock.on_stage(name)
                self.t = time.perf_counter()

            def __exit__(self, *exc):
                clock.seconds[name] = time.perf_counter() - self.t
                if clock.memory:
                    clock.peak_mb[name] = peak_rss_mb()

        return _S()


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
