"""The second reliability catalogue: files, command-line misuse and faults, as real users and machines produce
them (the first, one mistake per workbook, is tests/io/test_bad_inputs.py).

The promise every case checks:
- the exit code is the documented one (README, docs/reliability.md): 0 done, 2 input refused, 64 a usage
  error, 4 output refused, 6 no plan because the solver stopped or refused, 130 Ctrl-C, 143 SIGTERM;
- no Python traceback, whatever happens;
- no input's bytes change, and a file that is not the command's own earlier output is never replaced;
- on failure nothing is written (no new file in the folder), and a previous output stays intact.
"""
from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

from builders import Net
from corridor.cli import EXIT_INPUT, EXIT_OK, EXIT_OUTPUT, EXIT_STOPPED_NO_PLAN, EXIT_USAGE, main

ROOT = Path(__file__).resolve().parents[2]


def sha(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def small(folder: Path, name: str = "in.xlsx", **settings) -> Path:
    """A tiny valid workbook: mine M -> market K, 10 t of ore."""
    n = (Net(periods=1, **settings).node("M", "mine").node("K", "market", "JP").supply("M", 100)
         .link("A", "M", "K", cost=1).demand("K", 10, commodity="ore"))
    return n.write(folder / name)


def run_cli(argv, capsys) -> tuple[int, str]:
    capsys.readouterr()
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:  # argparse: a usage error
        code = exc.code
    cap = capsys.readouterr()
    text = cap.out + cap.err
    assert "Traceback" not in text
    return code, text


def files_in(folder: Path) -> dict:
    return {p.name: sha(p) for p in folder.iterdir() if p.is_file() and not p.is_symlink()}


# -- data loss: no writer replaces a file that is not its own earlier output ---------------------------------

@pytest.mark.parametrize("argv, needle", [
    (["template", "{plan}"], "exists and is an input workbook"),
    (["docs", "-o", "{plan}"], "must end in .md"),
    (["solve", "{other}", "-o", "{plan}"], "exists and is an input workbook"),
    (["pareto", "{other}", "-o", "{plan}"], "exists and is an input workbook"),
    (["export", "{other}", "-o", "{folder}/model.mps"], "exists and is a file corridor did not write"),
    (["docs", "-o", "{folder}/notes.md"], "exists and is a file corridor did not write"),
], ids=["template-over-input", "docs-over-workbook", "solve-over-input", "pareto-over-input", "export-over-text",
        "docs-over-notes"])
def test_a_writer_never_replaces_what_it_did_not_write(tmp_path, capsys, argv, needle):
    plan, other = small(tmp_path, "plan.xlsx"), small(tmp_path, "other.xlsx")
    (tmp_path / "model.mps").write_text("my own notes, not a model\n")
    (tmp_path / "notes.md").write_text("# my notes\n")
    before = files_in(tmp_path)
    code, text = run_cli([a.format(plan=plan, other=other, folder=tmp_path) for a in argv], capsys)
    assert code == EXIT_OUTPUT, text
    assert needle in text
    assert files_in(tmp_path) == before, "a file was replaced or created"
    if "--force" not in argv and "must end" not in needle:
        assert "--force" in text


def test_own_outputs_are_replaced_and_force_replaces_anything(tmp_path, capsys):
    plan = small(tmp_path, "plan.xlsx")
    template = tmp_path / "t.xlsx"
    assert run_cli(["template", template], capsys)[0] == EXIT_OK
    assert run_cli(["template", template], capsys)[0] == EXIT_OK  # its own earlier output
    wb = openpyxl.load_workbook(template)  # a planner fills the template in: it is an input from then on
    wb["nodes"].append(["M", "mine", "KZ"])
    wb.save(template)
    code, text = run_cli(["template", template], capsys)
    assert code == EXIT_OUTPUT and "an input workbook made from a corridor template" in text
    assert run_cli(["template", plan, "--force"], capsys)[0] == EXIT_OK
    docs = tmp_path / "inputs.md"
    assert run_cli(["docs", "-o", docs], capsys)[0] == EXIT_OK
    assert run_cli(["docs", "-o", docs], capsys)[0] == EXIT_OK
    solution = tmp_path / "s.xlsx"
    assert run_cli(["solve", small(tmp_path, "in.xlsx"), "-o", solution], capsys)[0] == EXIT_OK
    assert run_cli(["solve", tmp_path / "in.xlsx", "-o", solution], capsys)[0] == EXIT_OK


def test_a_solution_of_an_earlier_version_is_replaced(tmp_path, capsys):
    """Solutions written before outputs were marked are recognised by their sheets."""
    old = tmp_path / "plan.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "summary"
    wb.create_sheet("costs")
    wb.save(old)
    assert run_cli(["solve", small(tmp_path), "-o", old], capsys)[0] == EXIT_OK
    assert "route_flows" in openpyxl.load_workbook(old).sheetnames


def test_study_never_writes_over_its_input(tmp_path, capsys):
    folder = tmp_path / "s"
    folder.mkdir()
    book = small(folder, "comparison.xlsx")
    before = sha(book)
    code, text = run_cli(["study", book, "-o", folder, "--workers", "0"], capsys)
    assert code in (EXIT_INPUT, EXIT_OUTPUT), text
    assert sha(book) == before


def test_an_output_given_as_an_input_is_named_for_what_it_is(tmp_path, capsys):
    solution = tmp_path / "plan-solution.xlsx"
    assert run_cli(["solve", small(tmp_path), "-o", solution], capsys)[0] == EXIT_OK
    before = sha(solution)
    for argv in (["solve", solution, "-o", tmp_path / "x.xlsx"], ["validate", solution],
                 ["study", solution, "-o", tmp_path / "st"]):
        code, text = run_cli(argv, capsys)
        assert code == EXIT_INPUT, text
        assert "is a corridor solution workbook, not an input workbook" in text
    code, text = run_cli(["check", solution, tmp_path / "in.xlsx"], capsys)
    assert code == EXIT_INPUT and "the arguments look swapped" in text and "corridor check INPUT.xlsx SOLUTION" in text
    assert sha(solution) == before


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_devices_pipes_and_folders_are_never_replaced(tmp_path, capsys):
    book = small(tmp_path)
    fifo = tmp_path / "pipe.xlsx"
    os.mkfifo(fifo)
    folder = tmp_path / "dir.xlsx"
    folder.mkdir()
    for target, what in ((fifo, "is a pipe"), (folder, "is a folder"), (Path("/dev/null"), "is not a regular file")):
        code, text = run_cli(["solve", book, "-o", target], capsys)
        assert code == EXIT_OUTPUT and (what in text or "must end in .xlsx" in text), text
    assert fifo.is_fifo() and folder.is_dir()
    link = tmp_path / "to-pipe.xlsx"
    link.symlink_to(fifo)
    code, text = run_cli(["solve", book, "-o", link], capsys)
    assert code == EXIT_OUTPUT and "not a regular file" in text and link.is_symlink()


def test_a_link_is_written_through_and_stays_a_link(tmp_path, capsys):
    book = small(tmp_path)
    real = tmp_path / "real.xlsx"
    assert run_cli(["solve", book, "-o", real], capsys)[0] == EXIT_OK
    link = tmp_path / "latest.xlsx"
    link.symlink_to(real)
    before = real.stat().st_mtime_ns
    time.sleep(0.01)
    assert run_cli(["solve", book, "-o", link], capsys)[0] == EXIT_OK
    assert link.is_symlink() and os.path.realpath(link) == str(real.resolve())
    assert real.stat().st_mtime_ns != before


@pytest.mark.parametrize("argv, needle", [
    (["solve", "{book}", "-o", ""], "needs a file name"),
    (["solve", "{book}", "-o", "{folder}/plan.csv"], "must end in .xlsx"),
    (["template", "{folder}/t.csv"], "must end in .xlsx"),
    (["export", "{book}", "--format", "lp", "-o", "{folder}/m.mps"], "must end in .lp"),
    (["bench", "--time-limit", "0"], "is not a number of seconds above 0"),
    (["bench", "--time-limit", "-1"], "is not a number of seconds above 0"),
    (["bench", "--time-limit", "nan"], "is not a number of seconds above 0"),
    (["bench", "--cases", "annual"], "unknown case 'annual' for --cases (allowed: default, strategic or none)"),
    (["pareto", "{book}", "--points", "1000000"], "at most 101"),
    (["pareto", "{book}", "--points", "1"], "at least 2 points"),
    (["study", "{book}", "--workers", "-1"], "is not a whole number >= 0"),
    (["docs", "--formulation", "{folder}/missing.md"], "could not write"),
], ids=["blank-o", "csv-o", "template-csv", "export-suffix", "tl-0", "tl-neg", "tl-nan", "cases-unknown", "points-huge",
        "points-1", "workers-neg", "docs-missing"])
def test_misused_options_are_refused_with_a_message(tmp_path, capsys, argv, needle):
    book = small(tmp_path)
    before = files_in(tmp_path)
    code, text = run_cli([a.format(book=book, folder=tmp_path) for a in argv], capsys)
    assert code in (EXIT_USAGE, EXIT_OUTPUT), text  # the command line is wrong, or its output cannot be written
    assert needle in text
    assert files_in(tmp_path) == before


def test_scenario_names_in_any_script_name_their_files_and_clashes_name_both(tmp_path, capsys):
    n = Net(periods=1).node("M", "mine").node("K", "market", "JP").supply("M", 100).link(
        "A", "M", "K", cost=1).demand("K", 10, commodity="ore")
    n.add("scenarios", scenario="Кризис", sheet="legs", key="A", column="cost_per_t", value=2)
    n.add("scenarios", scenario="危机", sheet="legs", key="A", column="cost_per_t", value=3)
    book = n.write(tmp_path / "study.xlsx")
    code, text = run_cli(["study", book, "-o", tmp_path / "out", "--workers", "0"], capsys)
    assert code == EXIT_OK, text
    assert (tmp_path / "out" / "Кризис.xlsx").is_file() and (tmp_path / "out" / "危机.xlsx").is_file()
    n.add("scenarios", scenario="a/b", sheet="legs", key="A", column="cost_per_t", value=4)
    n.add("scenarios", scenario="a_b", sheet="legs", key="A", column="cost_per_t", value=5)
    code, text = run_cli(["study", n.write(tmp_path / "clash.xlsx"), "-o", tmp_path / "c", "--workers", "0"], capsys)
    assert code == EXIT_OUTPUT and "'a/b' and 'a_b' give the same file name a_b.xlsx" in text


def test_template_from_keeps_formula_like_ids_as_text_on_every_sheet(tmp_path, capsys):
    n = (Net(periods=1).node("=HYPERLINK(\"http://x.invalid\",\"M\")", "mine").node("K", "market", "JP")
         .supply("=HYPERLINK(\"http://x.invalid\",\"M\")", 100).link("A", "=HYPERLINK(\"http://x.invalid\",\"M\")", "K")
         .demand("K", 10, commodity="ore"))
    book = n.write(tmp_path / "in.xlsx")
    out = tmp_path / "t.xlsx"
    code, text = run_cli(["template", out, "--from", book], capsys)
    assert code == EXIT_OK, text
    wb = openpyxl.load_workbook(out)
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)
             and c.value.startswith("=HYPERLINK")]
    assert cells and all(c.data_type == "s" for c in cells)  # the ids copied from the input stay text
    assert {c.parent.title for c in cells} == {"nodes", "supply", "legs", "routes"}
    formulas = [c.value for row in wb["_lists"].iter_rows() for c in row if c.data_type == "f"]
    assert formulas and all(f.startswith("=IF(") for f in formulas)  # only the lists' own mirrors of id columns


# -- faults: the solver refuses, the machine stops the command -----------------------------------------------

def test_a_model_the_solver_refuses_is_said_not_a_traceback(tmp_path, capsys, monkeypatch):
    import highspy
    monkeypatch.setattr(highspy.Highs, "passModel", lambda self, lp: highspy.HighsStatus.kError)
    book = small(tmp_path)
    out = tmp_path / "plan.xlsx"
    code, text = run_cli(["solve", book, "-o", out], capsys)
    assert code == EXIT_STOPPED_NO_PLAN and "HiGHS refused the model" in text and not out.exists()
    code, text = run_cli(["export", book, "-o", tmp_path / "m.mps"], capsys)
    assert code == EXIT_STOPPED_NO_PLAN and "refused the model" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.xlsx"]


def _slow_case(folder: Path) -> Path:
    """A generated instance whose solve takes far longer than a few seconds (it is interrupted)."""
    from corridor.bench.generator import generate
    from corridor.io.books import write_sheets
    book = generate("m", 3)
    book["settings"]["time_limit_s"] = 300
    book["settings"]["mip_rel_gap"] = 0
    return write_sheets(folder / "slow.xlsx", book, stream=True)


def _ignore_sigint():
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run_and_signal(argv, sig, wait_for, cwd, timeout=120, inherit_ignored_sigint=False):
    """Start ``corridor argv`` in a real process, send ``sig`` once ``wait_for()`` holds (or after 60 s).
    ``inherit_ignored_sigint``: the process starts with SIGINT ignored, as under a parent that ignores it."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "corridor", *map(str, argv)], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=_ignore_sigint if inherit_ignored_sigint else None)
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None and not wait_for():
        time.sleep(0.2)
    time.sleep(1.0)
    assert proc.poll() is None, "the command ended before it could be interrupted"
    os.kill(proc.pid, sig)
    out, err = proc.communicate(timeout=timeout)
    return proc, out + err



@pytest.mark.skipif(sys.platform != "linux", reason="signals and /proc as on Linux")
@pytest.mark.parametrize("sig, code, word", [(signal.SIGINT, 130, "interrupted (Ctrl-C)"),
                                             (signal.SIGTERM, 143, "terminated (SIGTERM)")])
def test_a_signal_during_a_solve_stops_it_cleanly(tmp_path, sig, code, word):
    book = _slow_case(tmp_path)
    out = tmp_path / "plan.xlsx"
    # a previous output: a small case's solution (any earlier solution will do; the default case's took 13 s)
    assert main(["solve", str(small(tmp_path, "previous.xlsx")), "-o", str(out)]) == EXIT_OK
    before = sha(out)
    lock = tmp_path / ".plan.xlsx.lock"
    proc, text = _run_and_signal(["solve", book, "-o", out], sig, lock.exists, tmp_path)
    assert proc.returncode == code, text
    assert word in text and "Traceback" not in text
    assert sha(out) == before, "the previous output changed"
    assert not lock.exists() and not list(tmp_path.glob(".plan.xlsx.*.tmp"))


@pytest.mark.skipif(sys.platform != "linux", reason="signals and /proc as on Linux")
def test_ctrl_c_stops_a_solve_even_when_the_parent_ignores_it(tmp_path):
    """A process inherits an ignored SIGINT (a test runner's worker, a shell's background job), and Python then
    never raises KeyboardInterrupt: corridor installs its own SIGINT handler, so Ctrl-C still stops the solve."""
    book = _slow_case(tmp_path)
    lock = tmp_path / ".plan.xlsx.lock"
    proc, text = _run_and_signal(["solve", book, "-o", tmp_path / "plan.xlsx"], signal.SIGINT, lock.exists,
                                 tmp_path, timeout=60, inherit_ignored_sigint=True)
    assert proc.returncode == 130, text
    assert "interrupted (Ctrl-C)" in text and not (tmp_path / "plan.xlsx").exists()


@pytest.mark.skipif(sys.platform != "linux", reason="signals and /proc as on Linux")
@pytest.mark.parametrize("sig, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130), (signal.SIGKILL, -9)])
def test_a_stopped_study_leaves_no_worker_and_no_lock(tmp_path, sig, code):
    book = _slow_case(tmp_path)
    wb = openpyxl.load_workbook(book)
    ws = wb.create_sheet("scenarios")
    ws.append(["scenario", "sheet", "key", "column", "value"])
    for k in range(3):
        ws.append([f"s{k}", "supply", "*", "capacity_t", f"x{1 + 0.1 * (k + 1)}"])
    wb.save(book)
    folder = tmp_path / "study"
    lock = folder / ".comparison.xlsx.lock"
    proc, text = _run_and_signal(["study", book, "-o", folder, "--workers", "2"], sig, lock.exists, tmp_path)
    assert proc.returncode == code, text
    assert "Traceback" not in text
    deadline = time.time() + 20
    while time.time() < deadline and _orphans(book):
        time.sleep(0.2)
    assert not _orphans(book), "a worker outlived the study"
    if sig != signal.SIGKILL:
        assert not lock.exists(), "the lock was left behind"
    time.sleep(1.0)
    written = {p.name for p in folder.iterdir()} if folder.exists() else set()
    time.sleep(2.0)
    assert ({p.name for p in folder.iterdir()} if folder.exists() else set()) == written, "files appeared after"


def _orphans(book: Path) -> list:
    """Worker processes of a study still alive (spawned workers carry the parent's interpreter)."""
    mine = []
    for p in Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            cmd = (p / "cmdline").read_bytes().replace(b"\0", b" ")
            state = (p / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if b"multiprocessing" in cmd and state != "Z" and _env_has(p, str(book.parent)):
            mine.append(int(p.name))
    return mine


def _env_has(proc: Path, text: str) -> bool:
    try:
        return text.encode() in (proc / "cwd").resolve().as_posix().encode() or \
            os.readlink(proc / "cwd").startswith(text)
    except OSError:
        return False
