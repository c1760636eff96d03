import functools
import hashlib
import os
import pickle
import re
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

try:
    import fcntl
except ImportError:  # not POSIX: each xdist worker solves the shared cases itself
    fcntl = None

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
SHARED = ROOT.parent / "shared"  # the team's collection beside the repository (not needed by the suite)
DATA = ROOT / "tests" / "data"  # the reference problems the suite solves (tests/data/SOURCES.md)


@pytest.fixture
def solve_net(tmp_path):
    """Write a `Net` to a workbook, solve it through the full workbook path, return the run report."""
    from corridor.pipeline import run

    def _solve(net, name="case"):
        path = net.write(tmp_path / f"{name}.xlsx")
        rep = run(path, tmp_path / f"{name}-solution.xlsx")
        assert rep.result.proven_optimal, rep.result.message
        return rep

    return _solve


def flows(rep, by=("route",)):
    """Total tonnes per key over the horizon from the route_flows table."""
    df = rep.tables["route_flows"]
    return df.groupby(list(by))["tonnes"].sum().to_dict() if len(df) else {}


# -- xdist: a module's shared fixtures on one worker ---------------------------------------------------------------
# `-n auto` (the README's command) distributes tests one by one (`--dist load`): the first quarter of the suite
# round robin, one test to each worker in turn, so both workers ran the tests of a module such as
# tests/cases/test_study_default.py and each solved its module-scoped fixture (the shipped study, 2-3 minutes).
# Under `--dist load` (what -n gives unless --dist is set) the tests of a module that defines a module-scoped
# fixture go to one worker as one unit; every other test is its own unit, as before.  (`--dist loadgroup` with
# xdist_group marks would say the same, but it does not group on pytest 9.2: pytest-dev/pytest-xdist#1386.)
_MODULE_FIXTURE = re.compile(r"@pytest\.fixture\([^)]*scope\s*=\s*[\"']module[\"']")


@functools.lru_cache(maxsize=None)
def _has_module_fixture(path: str) -> bool:
    """True when the test file at ``path`` (relative to the repository) defines a module-scoped fixture."""
    try:
        return bool(_MODULE_FIXTURE.search((ROOT / path).read_text()))
    except OSError:
        return False


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """The scheduler of `-n N` without ``--dist``: `--dist load`, but a module with a module-scoped fixture is one
    unit of work (`_has_module_fixture`), so that fixture is set up once, on one worker."""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ModuleFixtureScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return path if _has_module_fixture(path) else nodeid

    return ModuleFixtureScheduling(config, log)


# -- the embedded cases, solved once per test session -------------------------------------------------------------
# Solving the default case takes 12-15 s (the strategic case 1-2 minutes) and many modules read its plan: each of
# these fixtures solves its case once per test run and hands out the run report and the written solution
# workbook.  Under xdist the first worker that needs a case solves it in a folder the workers share, holding a
# lock on it, and leaves the report there (pickled); a worker that needs it later reads that (`_solved`).  Both
# are shared, so READ-ONLY: a test that edits the workbook copies it to its own tmp_path first (`copy_solution`).
# The workbook's bytes are checked when the session ends, so a test that wrote to it fails instead of passing on
# stale data.
@dataclass(frozen=True)
class Solved:
    """A case solved through `corridor.pipeline.run`: its input workbook, the run report and the solution."""

    input: Path
    report: object  # corridor.pipeline.RunReport
    solution: Path

    def copy_solution(self, target: Path) -> Path:
        """A copy of the solution workbook at ``target``, for a test that edits it."""
        return Path(shutil.copyfile(self.solution, target))


def _solve_in(folder: Path, book: Callable[[Path], Path]) -> tuple:
    """(input, report, solution, the solution's sha256) of the workbook ``book(folder)`` solved into ``folder``."""
    from corridor.pipeline import default_output, run

    path = book(folder)
    out = folder / default_output(path).name
    rep = run(path, out)
    assert rep.result.proven_optimal, rep.result.message
    return path, rep, out, hashlib.sha256(out.read_bytes()).hexdigest()


def _solved(tmp_path_factory, name: str, book: Callable[[Path], Path]) -> Iterator[Solved]:
    """Solve ``book(folder)`` once per test run: in this worker's temporary folder in a plain run; under xdist in
    a folder beside the workers' own, under a lock, where the report is kept for the other workers (POSIX; each
    worker solves it where there is no fcntl)."""
    if fcntl is None or not os.environ.get("PYTEST_XDIST_WORKER"):
        path, rep, out, digest = _solve_in(tmp_path_factory.mktemp(name), book)
    else:
        shared = tmp_path_factory.getbasetemp().parent / f"shared-{name}"  # the run's folder, above popen-gwN
        shared.mkdir(exist_ok=True)
        kept = shared / "solved.pickle"
        with open(shared.parent / f"shared-{name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed (or the worker dies)
            if kept.exists():
                path, rep, out, digest = pickle.loads(kept.read_bytes())
            else:
                path, rep, out, digest = _solve_in(shared, book)
                part = kept.with_suffix(".part")
                part.write_bytes(pickle.dumps((path, rep, out, digest)))
                os.replace(part, kept)
    yield Solved(path, rep, out)
    assert hashlib.sha256(out.read_bytes()).hexdigest() == digest, f"a test wrote to the shared solution {out}"


@pytest.fixture(scope="session")
def default_case(tmp_path_factory):
    """The embedded default case (`corridor.pipeline.DEFAULT_INPUT`) as `corridor solve` solves it: min cost
    over its disruption scenarios, with the security report, written to kazakhstan_rare_earths-solution.xlsx
    (its map beside it)."""
    from corridor.pipeline import DEFAULT_INPUT

    yield from _solved(tmp_path_factory, "default-case", lambda _folder: DEFAULT_INPUT)


def _base_year_book(folder: Path) -> Path:
    """A copy of the default case without its disruptions sheet, written in ``folder``."""
    import openpyxl

    from corridor.pipeline import DEFAULT_INPUT

    wb = openpyxl.load_workbook(DEFAULT_INPUT)
    del wb["disruptions"]
    book = folder / "input" / "base.xlsx"
    book.parent.mkdir()
    wb.save(book)
    return book


@pytest.fixture(scope="session")
def default_base_year(tmp_path_factory):
    """The default case with its disruptions sheet removed (the base year alone, one scenario: the core model),
    solved and written; its input is that copy of the case."""
    yield from _solved(tmp_path_factory, "base-year", _base_year_book)


@pytest.fixture(scope="session")
def strategic_case(tmp_path_factory):
    """The embedded strategic case 2027-2032 (`corridor.pipeline.STRATEGIC_INPUT`, the same bytes as
    inputs/kazakhstan_rare_earths_2027_2032.xlsx), solved and written."""
    from corridor.pipeline import STRATEGIC_INPUT

    yield from _solved(tmp_path_factory, "strategic-case", lambda _folder: STRATEGIC_INPUT)
