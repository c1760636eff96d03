"""Outputs are never half-written, never written twice at once, never formulas, never outside their folder;
a solve stopped by its time limit says so with its own exit code."""
import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from builders import Net
from corridor.cli import (
    EXIT_NOT_PROVEN,
    EXIT_OK,
    EXIT_OUTPUT,
    EXIT_STOPPED_NO_PLAN,
    main,
)
from corridor.io.files import output_lock, path_in, safe_filename, safe_sheet_title
from corridor.io.writer import write_solution
from corridor.pipeline import DEFAULT_INPUT

ROOT = Path(__file__).resolve().parents[2]


def sha(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def generated(tmp_path, size, **settings_):
    """A generated instance (model.generator) written as an input workbook with ``settings_`` overridden."""
    from corridor.bench.generator import generate
    from corridor.io.books import write_sheets
    book = generate(size, 1)
    book["settings"].update(settings_)
    return write_sheets(tmp_path / f"gen-{size}.xlsx", book, stream=True)


# -- time limit ------------------------------------------------------------------------------------------

def test_time_limit_with_a_plan_writes_it_marked_not_proven(tmp_path, capsys):
    """The generated size-m instance needs about a minute to prove optimal on 2 cores; HiGHS finds a first
    plan within a fraction of a second.  Stopped after 3 s, the plan is written, marked NOT proven optimal
    with its gap, and the exit code is 5."""
    book = generated(tmp_path, "m", time_limit_s=3, security_report="no")
    out = tmp_path / "plan.xlsx"
    assert main(["solve", str(book), "-o", str(out)]) == EXIT_NOT_PROVEN
    text = capsys.readouterr()
    assert "status     time_limit_with_plan: stopped by the time limit with a plan: NOT proven optimal" in text.out
    assert "NOT proven optimal (time_limit_with_plan, gap" in text.err
    summary = {r[0]: r[1] for r in openpyxl.load_workbook(out)["summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["status"] == "time_limit_with_plan" and summary["proven_optimal"] == "no"
    assert summary["relative_gap"] > 0 and summary["best_bound"] < summary["objective"]


def test_time_limit_without_a_plan_has_its_own_exit_code(tmp_path, capsys):
    book = generated(tmp_path, "s", time_limit_s=0.001)
    out = tmp_path / "plan.xlsx"
    assert main(["solve", str(book), "-o", str(out)]) == EXIT_STOPPED_NO_PLAN
    text = capsys.readouterr()
    assert "status     time_limit_no_plan: stopped by the time limit before any plan was found" in text.out
    assert "before it found any plan; nothing was written" in text.err
    assert not out.exists()


# -- atomic writes, a killed writer, concurrent runs ------------------------------------------------------

_BIG_WRITER = """
import sys
import pandas as pd
from corridor.io.writer import write_solution
n = 400_000
df = pd.DataFrame({"route": ["R%d" % (i % 97) for i in range(n)], "tonnes": [float(i) for i in range(n)]})
write_solution({"summary": pd.DataFrame({"item": ["status"], "value": ["new"]}), "route_flows": df}, sys.argv[1])
"""


def test_a_writer_killed_mid_write_leaves_the_previous_output_intact(tmp_path):
    """A real process writes a large workbook over an existing output and is killed (SIGKILL) while its
    temporary file grows: the previous output is byte-for-byte intact and still opens; the next run on
    that output removes the killed run's temporary file."""
    out = tmp_path / "plan.xlsx"
    import pandas as pd
    write_solution({"summary": pd.DataFrame({"item": ["status"], "value": ["previous"]})}, out)
    before = sha(out)
    proc = subprocess.Popen([sys.executable, "-c", _BIG_WRITER, str(out)], cwd=ROOT)
    try:
        deadline = time.time() + 120
        temps = []
        while time.time() < deadline and proc.poll() is None:
            temps = list(tmp_path.glob(".plan.xlsx.*.tmp"))
            if temps and temps[0].stat().st_size > 0:
                break
            time.sleep(0.005)
        assert proc.poll() is None and temps, "the writer finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert sha(out) == before
    wb = openpyxl.load_workbook(out)
    assert wb["summary"]["B2"].value == "previous"
    assert list(tmp_path.glob(".plan.xlsx.*.tmp")), "the killed writer's temporary file should be left over"
    with output_lock(out):
        assert not list(tmp_path.glob(".plan.xlsx.*.tmp"))


def test_a_second_run_on_the_same_output_is_refused(tmp_path):
    """Two real `corridor solve` processes on one output: the second is refused (exit 4, with a message
    naming the first's process) while the first runs; the first finishes normally."""
    out = tmp_path / "plan.xlsx"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "corridor", "solve", str(DEFAULT_INPUT), "-o", str(out)]
    first = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lock = tmp_path / ".plan.xlsx.lock"
    deadline = time.time() + 120
    while time.time() < deadline and first.poll() is None and not (lock.exists() and lock.stat().st_size):
        time.sleep(0.01)
    assert first.poll() is None, "the first run ended before the second could start"
    second = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    out1, err1 = first.communicate(timeout=300)
    assert second.returncode == EXIT_OUTPUT
    assert f"another corridor run is writing {out}" in second.stderr and f"pid {first.pid}" in second.stderr
    assert "Traceback" not in second.stderr + second.stdout
    assert first.returncode == EXIT_OK, err1
    assert openpyxl.load_workbook(out)["summary"]["B2"].value == "optimal"
    assert not lock.exists()


def test_the_lock_is_released_after_a_run_and_refuses_inside_one(tmp_path):
    out = tmp_path / "o.xlsx"
    with output_lock(out):
        with pytest.raises(Exception, match="another corridor run is writing"):
            with output_lock(out):
                pass
    with output_lock(out):  # released: a later run takes it
        pass
    assert not (tmp_path / ".o.xlsx.lock").exists()


def test_writing_over_the_input_is_refused_before_reading(tmp_path, capsys):
    book = Net().node("M", "mine").node("K", "market").supply("M", 5).link("R", "M", "K").demand(
        "K", 5, commodity="ore").write(tmp_path / "in.xlsx")
    before = sha(book)
    assert main(["solve", str(book), "-o", str(tmp_path / "." / "in.xlsx")]) == EXIT_OUTPUT
    assert "refusing to write the solution over the input workbook" in capsys.readouterr().err
    assert sha(book) == before and sorted(p.name for p in tmp_path.iterdir()) == ["in.xlsx"]


# -- formula-like text, names that could become paths ------------------------------------------------------

def test_formula_like_text_is_written_as_text_everywhere(tmp_path):
    """Route ids typed as '=...', '+...', '-...', '@...' reach several solution sheets (and the
    corridor_periods header when used as a corridor label): every such cell is a plain string."""
    n = Net().node("M", "mine").node("K", "market", "JP").supply("M", 100)
    for i, rid in enumerate(("=1+1", "+SUM(A1)", "-2", "@cmd")):
        n.link(rid, "M", "K", cost=1 + i, commodity="ore", corridor="=HYPERLINK(\"x\")" if i == 0 else "C",
               cap=3)
    n.demand("K", 12, commodity="ore")
    out = tmp_path / "o.xlsx"
    assert main(["solve", str(n.write(tmp_path / "f.xlsx")), "-o", str(out)]) == EXIT_OK
    wb = openpyxl.load_workbook(out)
    hits = [c for ws in wb for row in ws.iter_rows() for c in row
            if isinstance(c.value, str) and c.value[:1] in "=+-@"]
    values = {c.value for c in hits}
    assert {"=1+1", "+SUM(A1)", "-2", "@cmd", "=HYPERLINK(\"x\")"} <= values
    assert all(c.data_type == "s" for c in hits)
    header = [c.value for c in wb["corridor_periods"][1]]
    assert "=HYPERLINK(\"x\")" in header


HOSTILE = ["../../etc/passwd", "/etc/passwd", "..\\..\\windows\\system32", "C:\\temp\\x", "CON", "nul.txt", "..",
           ".", "", " ", "a/../../b", "~/x", "$HOME", "%APPDATA%", "scénario\u202e", "x" * 300, "\x00evil"]


@pytest.mark.parametrize("name", HOSTILE)
def test_names_never_become_paths_outside_the_folder(tmp_path, name):
    target = path_in(tmp_path, name, ".xlsx")
    assert target.parent == tmp_path.resolve()
    assert target.name == safe_filename(name) + ".xlsx" and not target.name.startswith(".")
    assert len(safe_filename(name)) <= 80


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_text_stays_inside_the_folder(name):
    folder = Path("/tmp/corridor-names").resolve()
    assert path_in(folder, name).parent == folder


def test_sheet_titles_from_user_text_are_valid_and_unique(tmp_path):
    import pandas as pd
    taken = []
    for text in ("a/b", "a:b", "A_B", "[x]*?", "'quoted'", "y" * 40, "y" * 40):
        t = safe_sheet_title(text, taken)
        assert len(t) <= 31 and not set(t) & set("[]:*?/\\") and t.lower() not in {x.lower() for x in taken}
        taken.append(t)
    out = write_solution({"summary": pd.DataFrame({"item": ["x"], "value": [1]}),
                          "../../escape": pd.DataFrame({"a": [1]})}, tmp_path / "s.xlsx")
    assert openpyxl.load_workbook(out).sheetnames == ["summary", ".._.._escape"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.xlsx"]
