"""Planning studies: the base workbook and its scenarios (or a one-parameter sweep) solved in worker processes.

The parent reads and validates the workbook once, validates each scenario's edited copy (`edits`), and
hands one `RunTask` per run to a pool: local worker processes (standard library only) or, with ``dask``, an
existing Dask distributed cluster.  The base runs first; the scenarios submitted after it finishes carry its
plan as a MIP start.  Each worker keeps its solver model alive between tasks (`persistent.PersistentModel`): a
scenario that changes only numbers is applied to it in place instead of being rebuilt.  A scenario that
fails (invalid edit, no plan, a crash) is reported and the others go on.  The parent writes
``comparison.xlsx`` (`comparison.write_comparison`) once every run is back, and ``maps.png``: the plans' maps
side by side (`corridor.io.maps`; each plan's own map is beside its workbook).
"""
from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from corridor.io.edits import (
    BASE_NAME,
    describe,
    number,
    parse_study,
)
from corridor.io.files import OutputError, output_lock, path_in, remove_stale_temps, same_file
from corridor.io.issues import InputError, Issue
from corridor.io.maps import drawable, map_path, plan_maps_png, write_map
from corridor.io.progress import Progress
from corridor.io.reader import read_workbook
from corridor.io.targets import check_target
from corridor.io.validate import validate
from corridor.io.writer import write_solution
from corridor.pipeline import output_dir, solve_inputs
from corridor.solve.highs import solve_spec
from corridor.solve.persistent import PersistentModel, same_structure
from corridor.studies.comparison import write_comparison
from corridor.studies.kpis import horizon_days, kpis
from corridor.studies.result import RunResult
from corridor.studies.scenario import (
    check_sweep,
    choose,
    issues_text,
    study_scenario_inputs,
    sweep_study,
)

_WORKER = threading.local()  # per worker thread: the live solver model kept between tasks (see `_solve_with`)


@dataclass
class RunTask:
    """One run for a worker: validated ``inputs`` of the base or of a scenario, and where its plan goes.
    ``output`` None: the worker returns the solution tables instead of writing them (a remote Dask worker)."""

    name: str
    inputs: object
    input_path: Path
    output: Path | None
    security: bool = True
    reuse: bool = True
    start: list | None = None  # the base plan, a MIP start
    keep_plan: bool = False  # return the plan's column values (the base: the others' start)
    tee: bool = False  # send the solver's log to the ``corridor.highs`` logger (``corridor study -v``)
    meta: dict = field(default_factory=dict)  # label, x_value, description, compare_per_year, compare_source


def solve_run(task: RunTask) -> RunResult:
    """Solve one task and return its result; never raises (a failure is a result with its reason)."""
    t0 = time.perf_counter()
    base = dict(name=task.name, **task.meta)
    try:

        used = {}
        report = solve_inputs(task.inputs, task.input_path, task.output, write=task.output is not None,
                              security=task.security, tee=task.tee,
                              solve_spec=lambda spec, settings: _solve_with(task, spec, settings, used))
        r = report.result
        out = RunResult(status=r.status, message=r.message, objective=r.objective,
                             output=report.output_path, reused=used.get("reused", False),
                             warm=used.get("warm", False),
                             horizon_days=horizon_days(task.inputs), **base)
        if r.has_plan:
            out.kpis = kpis(report, task.inputs)
            out.network = report.tables.get("network")
            if task.output is None:
                out.tables = report.tables
            if task.keep_plan:
                out.x = list(r.x) if r.x is not None else None
        elif report.explanation is not None:
            lines = report.explanation.lines(limit=6)
            out.message += ": " + " | ".join(s.strip() for s in lines if s.strip())
        out.gap = r.gap
    except InputError as exc:
        out = RunResult(status="input_error", message=issues_text(exc), **base)
    except Exception as exc:  # noqa: BLE001 - one scenario's failure must not stop the study
        out = RunResult(status="error", message=f"{type(exc).__name__}: {exc}", **base)
    out.seconds = time.perf_counter() - t0
    return out


LIVE_MODELS = 3  # live solver models a worker thread keeps (one per model structure it has met)
# With the base plan as incumbent, HiGHS's RINS and RENS sub-MIP searches for a better one cost more than they
# find: on the default case's numeric scenarios start + these off re-solve 2.1x faster than a rebuild, while the
# start with them on is 0.85x (benchmarks/resolve.py, docs/studies.md).  Only used when the base was proven
# optimal: on a hard instance stopped by its time limit they are needed (size m: much worse plans without).
WARM_OPTIONS = {"mip_heuristic_run_rins": False, "mip_heuristic_run_rens": False}
COLD_OPTIONS = {"mip_heuristic_run_rins": True, "mip_heuristic_run_rens": True}


def _solve_with(task: RunTask, spec, settings, used: dict):
    """Solve ``spec`` on one of this worker thread's live models: the one with the same structure (only numbers
    differ) is changed in place and re-run; a new structure gets a new live model (the oldest is dropped).  The
    base plan is offered as a MIP start."""
    if not task.reuse:
        return solve_spec(spec, settings, tee=task.tee)
    live = _WORKER.__dict__.setdefault("models", [])
    model = next((m for m in live if same_structure(m.spec, spec)), None)
    start = task.start if task.start is not None and len(task.start) == spec.n_cols else None
    options = WARM_OPTIONS if start is not None and spec.n_integer else COLD_OPTIONS
    if model is None:
        model = PersistentModel(spec, settings, tee=task.tee)
        live.insert(0, model)
        del live[LIVE_MODELS:]
        res, x, _ = model.solve(spec, settings, start=start, options=options)
        reused = False
    else:
        res, x, reused = model.solve(spec, settings, start=start, options=options)
    used["warm"] = start is not None
    used["reused"] = reused
    res.x = x
    return res


# ---------------------------------------------------------------------------------------------------------
# the parent: tasks, the pool, progress


@dataclass
class StudyReport:
    """What a study did: each run's result in display order, the comparison workbook, the folder, seconds,
    the number of workers and the page of the plans' maps (None when it was not drawn)."""

    results: list
    comparison: Path | None
    out_dir: Path
    seconds: float
    workers: int
    maps: Path | None = None



def run_study(input_path: str | Path, names: Iterable[str] | None = None, workers: int | None = None,
              out_dir: str | Path | None = None, dask: str | None = None, sweep: tuple | None = None,
              security: bool = True, reuse: bool = True, log: Callable[[str], object] = print,
              progress: TextIO | None = None, force: bool = False, settings: dict | None = None,
              log_level: int | None = None) -> StudyReport:
    """Solve the base workbook and its scenarios; write each plan and ``comparison.xlsx`` into ``out_dir``.

    ``names``: the scenarios to run (None: all of the `scenarios` sheet).  ``workers``: local worker processes
    (None: one per core; 0: solve in this process).  ``dask``: a Dask scheduler address (then ``workers`` is
    ignored).  ``sweep``: ``(SHEET:KEY:COLUMN, [values])`` instead of the sheet's scenarios.  ``reuse``: keep
    each worker's model and re-solve in place when only numbers change (False: rebuild every run).
    ``log(line)`` gets one line per finished run; ``progress`` (a stream) gets a progress bar when it is a
    terminal (`corridor.io.progress.wanted`).  ``settings``: values that replace every run's settings (the
    command line's ``--time-limit``, ``--gap``, ``--threads``).  ``log_level``: the level of the ``corridor``
    loggers in the worker processes (their lines on stderr; info and below also sends each solver log
    there).  Raises `InputError` (nothing run) for an invalid base workbook or an unknown scenario name, and
    `files.OutputError` when the folder cannot be written or another study holds it.  Every file the study
    writes is checked first (`targets.check_target`): it never replaces the input, nor a file that is not an
    earlier plan or comparison (unless ``force``).
    """
    t0 = time.perf_counter()
    input_path = Path(input_path)
    raw = read_workbook(input_path)
    base_inputs = validate(raw)
    base_inputs.settings.update(settings or {})
    tee = log_level is not None and log_level <= logging.INFO
    if sweep is not None:
        study, meta, swept = sweep_study(*sweep)
        chosen = list(study.names)
        check_sweep(raw, study, sweep[0])
    else:
        study, _ = parse_study(raw)
        meta = {n: {"description": study.description.get(n, "") or describe(study, n),
                    "compare_per_year": number(study.compare_per_year.get(n)),
                    "compare_source": study.compare_source.get(n, "")} for n in study.names}
        chosen = choose(study, names)
    kind = "sweep" if sweep is not None else "study"
    out_dir = Path(out_dir) if out_dir else output_dir() / f"{input_path.stem}-{kind}"
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"{out_dir} is a file, not a folder")
    out_dir.mkdir(parents=True, exist_ok=True)
    comparison = out_dir / "comparison.xlsx"
    if same_file(comparison, input_path):
        raise OutputError(f"the comparison would overwrite the input {input_path}; choose another folder with -o")
    files = {n: path_in(out_dir, n, ".xlsx") for n in [BASE_NAME, *chosen]}
    clash = [n for n, p in files.items() if same_file(p, input_path) or p == comparison]
    if clash:
        raise OutputError(f"the plan of '{clash[0]}' would overwrite {files[clash[0]]}; rename the scenario or "
                          "choose another folder with -o")
    by_file = {}
    for n, p in files.items():
        if p in by_file:
            raise OutputError(f"the scenarios '{by_file[p]}' and '{n}' give the same file name {p.name}; rename "
                              "one of them")
        by_file[p] = n
    check_target(comparison, "comparison", force)
    maps = check_target(out_dir / "maps.png", "png", force)
    for p in files.values():
        check_target(p, "solution", force)
        check_target(map_path(p), "png", force)
    with output_lock(comparison):
        remove_stale_temps([*files.values(), *map(map_path, files.values()), maps])
        remote = dask is not None
        tasks, results = [], {}
        base_meta = {"description": "the workbook as it is"}
        tasks.append(RunTask(BASE_NAME, base_inputs, input_path, None if remote else files[BASE_NAME], security,
                          reuse, keep_plan=True, meta=base_meta, tee=tee))
        for n in chosen:
            try:
                inputs = study_scenario_inputs(raw, study, n)
            except InputError as exc:
                results[n] = RunResult(n, "input_error", issues_text(exc), **meta.get(n, {}))
                continue
            inputs.settings.update(settings or {})
            tasks.append(RunTask(n, inputs, input_path, None if remote else files[n], security, reuse,
                              meta=meta.get(n, {}), tee=tee))
        del raw
        bar = _Progress(len(tasks) + len(results), progress, kind)
        try:
            for r in results.values():
                bar.done(r, log, ran=False)
            if remote:
                n_workers = _run_dask(tasks, dask, results, bar, log)
            else:
                n_workers = default_workers() if workers is None else workers
                _run_local(tasks, n_workers, results, bar, log, level=log_level)
        finally:
            bar.close()
        for r in results.values():
            if r.tables is not None:  # a remote worker sent its tables back: write them here
                r.output = write_solution(r.tables, files[r.name], input_path=input_path)
                r.tables = None
            r.x = None
        ordered = [results[n] for n in [BASE_NAME, *chosen] if n in results]
        path = write_comparison(ordered, comparison, base_name=BASE_NAME,
                                sweep=None if sweep is None else swept,
                                currency=base_inputs.settings.get("currency", "USD"))
        maps = study_maps(ordered, maps, f"{input_path.stem}: {kind} plans")
    return StudyReport(ordered, path, out_dir, time.perf_counter() - t0, n_workers, maps)


def study_maps(results: list[RunResult], path: Path, title: str) -> Path | None:
    """Draw the maps of the runs with a plan side by side (one panel each, one frame) to ``path``; None (with
    a `maps.MapWarning`) when there is none or it cannot be drawn."""
    panels = []
    for r in results:
        if r.network is not None and len(drawable(r.network)[0]):
            panels.append((f"{r.name}: {r.objective:,.0f}" if r.objective is not None else r.name, r.network))
        r.network = None
    return write_map(path, plan_maps_png(panels, title) if panels else None)



def _run_local(tasks, workers, results, bar, log, fn=solve_run, level=None):
    """Run ``tasks`` in ``workers`` processes (0: here).  A worker process that dies takes only its own task:
    the pool is renewed and the other tasks in flight run again; a task that kills two pools is a failure."""
    if workers == 0:
        start = None
        for t in tasks:
            t.start = t.start or start
            r = fn(t)
            start = _record(r, results, bar, log) or start
        return

    queue = list(tasks)
    ctx = multiprocessing.get_context("spawn")  # no fork of the parent's state; the same on every platform
    while queue:
        with _pool(workers, ctx, level) as pool:
            broken = _guarded(pool, lambda: _schedule(pool, queue, workers, results, bar, log, fn))
        for t in broken:  # each task that was in flight runs again alone: only the one that kills it fails
            with _pool(1, ctx, level) as pool:
                if _guarded(pool, lambda: _schedule(pool, [t], 1, results, bar, log, fn)):
                    _record(RunResult(t.name, "error", "the worker process died while solving it", **t.meta),
                            results, bar, log)


def _pool(workers, ctx, level=None) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=worker_init, initargs=(level,))


def _guarded(pool, schedule):
    """``schedule()``; on Ctrl-C or SIGTERM in the parent the workers are ended at once (not waited for), so
    none goes on solving and writing after the study has stopped."""
    try:
        return schedule()
    except BaseException:
        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            proc.terminate()
        pool.shutdown(wait=True, cancel_futures=True)
        raise


def worker_init(level: int | None = None) -> None:
    """Run in each worker process as it starts: it ends with its parent (Linux: the kernel sends it SIGTERM
    when the parent dies, even by SIGKILL), and Ctrl-C at the terminal stops the parent, which ends the
    workers, instead of each worker separately.  ``level``: the ``corridor`` loggers of the worker go to its
    stderr at that level and above, each line marked with the worker's process id (None: logging as Python
    leaves it, warnings and above only)."""
    if level is not None:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(name)s[%(process)d]: %(message)s"))
        logger = logging.getLogger("corridor")
        logger.addHandler(handler)
        logger.setLevel(level)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() == 1:  # the parent died before the request took effect
            os._exit(1)
    except (OSError, AttributeError):  # not Linux: the parent's own clean-up ends the workers
        pass


PR_SET_PDEATHSIG = 1


def _schedule(pool, queue, slots, results, bar, log, fn=solve_run):
    """Keep ``slots`` tasks of ``queue`` in flight on ``pool`` until it is empty; the base goes first and the
    tasks submitted after it carry its plan.  Returns the tasks in flight when the pool broke (else [])."""
    base = results.get(BASE_NAME)
    running, start = {}, base.x if base is not None and base.status == "optimal" else None
    while queue or running:
        while queue and len(running) < slots:
            t = queue.pop(0)
            t.start = t.start or start
            running[pool.submit(fn, t)] = t
            bar.started()
        done, _ = wait(list(running), return_when=FIRST_COMPLETED)
        for fut in done:
            t = running.pop(fut)
            try:
                r = fut.result()
            except BrokenProcessPool:
                return [t, *running.values()]
            except Exception as exc:  # noqa: BLE001 - e.g. a Dask worker lost: the task's failure only
                r = RunResult(t.name, "error", f"{type(exc).__name__}: {exc}", **t.meta)
            start = _record(r, results, bar, log) or start
    return []


def _record(r: RunResult, results, bar, log):
    """Keep ``r``, log it; returns the base plan when ``r`` is the base with a plan."""
    results[r.name] = r
    bar.done(r, log)
    plan = getattr(r, "x", None)
    return plan if r.name == BASE_NAME and plan and r.status == "optimal" else None


def _run_dask(tasks, address, results, bar, log) -> int:
    """Run ``tasks`` on the Dask cluster at ``address`` (workers return their tables; the parent writes)."""
    try:
        from distributed import Client
    except ImportError:
        raise InputError([Issue("--dask", None, "", "Dask is not installed: pip install 'corridor[dask]' (or "
                                                    "run without --dask to use local worker processes)")]) from None
    with Client(address, timeout="30s") as client:
        slots = max(1, sum(client.nthreads().values()))
        executor = client.get_executor(pure=False)
        _schedule(executor, list(tasks), slots, results, bar, log)
    return slots


class _Progress:
    """The study's progress bar (`corridor.io.progress.Progress`: runs done of all, how many run now, the elapsed
    time, moving during a long solve) on ``stream`` when it is a terminal, and the per-run log lines."""

    def __init__(self, total, stream=None, kind="study"):
        self.total, self.n, self.running = total, 0, 0
        self.bar = Progress(f"corridor {kind}", total, stream, enabled=None if stream is not None else False)

    def started(self):
        self.running += 1
        self.bar.note(f"{self.running} running")

    def done(self, r: RunResult, log, ran=True):
        self.n += 1
        self.running = max(0, self.running - 1) if ran else self.running
        obj = f"{r.objective:>18,.0f}" if r.objective is not None else " " * 18
        how = ", ".join((["re-solved in place"] if r.reused else []) + (["base plan as start"] if r.warm else []))
        how = f"  ({how})" if how else ""
        msg = "" if r.has_plan and r.status == "optimal" else f"  {r.message}"
        with self.bar.outside():
            log(f"[{self.n}/{self.total}] {r.name:<24} {r.status:<22}{obj} {r.seconds:7.1f} s{how}{msg}")
        self.bar.advance()
        self.bar.note(f"{self.running} running")

    def close(self):
        self.bar.close()


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


__all__ = ["StudyReport", "RunTask", "default_workers", "run_study", "solve_run", "sweep_study"]
