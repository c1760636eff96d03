"""The terminal (issue 19 item 3): HiGHS never on stdout, its log through logging with -v, --quiet, --json,
--time-limit / --gap / --threads reaching the solve, the usage error's own exit code, progress on stderr.

Every command runs in a real subprocess (``python -m corridor``), on a tiny workbook, so that what reaches the
file descriptors is what a user or a script sees (HiGHS writes to the C-level stdout, not to sys.stdout)."""
import io
import json
import logging
import os
import subprocess
import sys
import time

import pytest

from builders import Net
from corridor.cli import EXIT_CODES, EXIT_INPUT, EXIT_OK, EXIT_USAGE, parser
from corridor.io.progress import FORCE_ENV, Progress
from corridor.solve.runtime import HighsLog


def small(folder, name="in.xlsx"):
    """Mine M -> market K (JP), 10 t of ore over one leg: solved in milliseconds."""
    n = (Net(periods=1).node("M", "mine").node("K", "market", "JP").supply("M", 100)
         .link("A", "M", "K", cost=1).demand("K", 10, commodity="ore"))
    return n.write(folder / name)


def corridor(*argv, cwd, progress=None, timeout=180):
    """Run ``python -m corridor ARGV`` in ``cwd``; ``progress`` sets CORRIDOR_PROGRESS (None: unset)."""
    env = {k: v for k, v in os.environ.items() if k != FORCE_ENV}
    if progress is not None:
        env[FORCE_ENV] = progress
    return subprocess.run([sys.executable, "-m", "corridor", *map(str, argv)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def no_highs(text):
    return "HiGHS" not in text and "Running HiGHS" not in text and "Coefficient ranges" not in text


def test_solve_json_is_one_object_and_the_command_line_settings_reach_the_solve(tmp_path):
    book = small(tmp_path)
    p = corridor("solve", book, "-o", tmp_path / "plan.xlsx", "--json", "--time-limit", "0.5", "--gap", "0.2",
                 "--threads", "1", cwd=tmp_path)
    assert p.returncode == EXIT_OK, p.stderr
    out = json.loads(p.stdout)  # the whole of stdout is one JSON object
    assert p.stdout.strip().count("\n") == 0
    for key in ("command", "exit_code", "seconds", "files", "status", "objective", "bound", "gap", "costs",
                "settings", "stage_seconds", "model"):
        assert key in out, key
    assert out["command"] == "solve" and out["exit_code"] == 0 and out["status"] == "optimal"
    assert out["objective"] == pytest.approx(10.0) and out["costs"]["freight"] == pytest.approx(10.0)
    assert out["settings"] == {"time_limit_s": 0.5, "mip_rel_gap": 0.2, "threads": 1}
    assert [os.path.basename(f) for f in out["files"]] == ["plan.xlsx"] and (tmp_path / "plan.xlsx").exists()
    assert p.stderr == ""


def test_the_settings_the_solve_used_are_printed(tmp_path):
    p = corridor("solve", small(tmp_path), "-o", tmp_path / "plan.xlsx", "--gap", "1%", cwd=tmp_path)
    assert p.returncode == EXIT_OK, p.stderr
    assert "settings   time_limit_s 600.0, mip_rel_gap 0.01, threads None" in p.stdout
    assert no_highs(p.stdout) and p.stderr == ""


@pytest.mark.parametrize("command", ["export", "validate"])
def test_nothing_of_highs_reaches_stdout(tmp_path, command):
    book = small(tmp_path)
    argv = [command, book] + (["-o", tmp_path / "m.mps"] if command == "export" else [])
    p = corridor(*argv, cwd=tmp_path)
    assert p.returncode == EXIT_OK, p.stderr
    assert no_highs(p.stdout) and no_highs(p.stderr), p.stdout


def test_verbose_sends_the_solver_log_to_stderr_through_logging(tmp_path):
    p = corridor("solve", small(tmp_path), "-o", tmp_path / "plan.xlsx", "-v", cwd=tmp_path)
    assert p.returncode == EXIT_OK, p.stderr
    assert no_highs(p.stdout), p.stdout
    log = [line for line in p.stderr.splitlines() if line.startswith("corridor.highs: ")]
    assert any("Model status" in line for line in log) and any("Coefficient ranges" in line for line in log), p.stderr
    assert "Running HiGHS" not in p.stderr  # the banner is debug: -vv
    p = corridor("-vv", "solve", small(tmp_path), "-o", tmp_path / "plan.xlsx", cwd=tmp_path)
    assert "corridor.highs: Running HiGHS" in p.stderr and no_highs(p.stdout)


def test_quiet_prints_nothing_on_success_and_keeps_the_exit_code(tmp_path):
    book = small(tmp_path)
    p = corridor("solve", book, "-o", tmp_path / "plan.xlsx", "-q", cwd=tmp_path)
    assert (p.returncode, p.stdout, p.stderr) == (EXIT_OK, "", "")
    assert (tmp_path / "plan.xlsx").exists()
    bad = tmp_path / "bad.xlsx"
    bad.write_text("node,kind\n")
    p = corridor("validate", bad, "--quiet", cwd=tmp_path)
    assert p.returncode == EXIT_INPUT and p.stdout == "" and "not an .xlsx workbook" in p.stderr


def test_a_usage_error_and_an_invalid_workbook_have_different_exit_codes(tmp_path):
    assert EXIT_USAGE != EXIT_INPUT
    bad = tmp_path / "bad.xlsx"
    bad.write_text("node,kind\n")
    typed_wrong = [("sovle", bad), ("solve", bad, "--gap", "0.9"), ("solve", bad, "--threads", "0"),
                   ("solve", bad, "--time-limit", "0"), ("bench", "--solvers", "nope")]
    for argv in typed_wrong:
        p = corridor(*argv, cwd=tmp_path)
        assert p.returncode == EXIT_USAGE, (argv, p.returncode, p.stderr)
        assert "Traceback" not in p.stderr
    p = corridor("validate", bad, "--json", cwd=tmp_path)
    assert p.returncode == EXIT_INPUT
    out = json.loads(p.stdout)
    assert out["exit_code"] == EXIT_INPUT and out["valid"] is False and "not an .xlsx workbook" in out["issues"][0]


def test_the_help_lists_the_exit_codes():
    text = parser().format_help()
    assert EXIT_CODES.splitlines()[0] in text
    assert "64   usage error" in text and "2    an input workbook" in text
    for option in ("--quiet", "--json", "--time-limit", "--gap", "--threads"):
        assert option in parser()._subparsers._group_actions[0].choices["solve"].format_help()


def test_progress_is_drawn_on_stderr_only_when_forced_or_a_terminal(tmp_path):
    book = small(tmp_path)
    p = corridor("solve", book, "-o", tmp_path / "plan.xlsx", cwd=tmp_path, progress="1")
    assert p.returncode == EXIT_OK, p.stderr
    assert "corridor solve: solve 00:0" in p.stderr and "corridor solve: write" in p.stderr
    assert "corridor solve" not in p.stdout
    p = corridor("solve", book, "-o", tmp_path / "plan.xlsx", cwd=tmp_path)  # a pipe: no progress
    assert p.stderr == ""
    p = corridor("solve", book, "-o", tmp_path / "plan.xlsx", "--json", cwd=tmp_path, progress="1")
    assert p.stderr == "" and json.loads(p.stdout)["status"] == "optimal"  # never with --json


def test_a_sweep_reports_json_and_its_workers_log_through_logging(tmp_path):
    book = small(tmp_path)
    p = corridor("sweep", book, "--set", "demand:*:quantity_t", "--values", "1x,2x", "--workers", "1", "-o",
                 tmp_path / "sw", "--json", "-vv", "--gap", "0.05", cwd=tmp_path, progress="1")
    assert p.returncode == EXIT_OK, p.stderr
    out = json.loads(p.stdout)
    assert [r["status"] for r in out["runs"]] == ["optimal"] * 3
    assert [r["objective"] for r in out["runs"]] == pytest.approx([10, 10, 20])
    assert any(f.endswith("comparison.xlsx") for f in out["files"])
    assert "corridor.highs[" in p.stderr and "Model status" in p.stderr  # the worker's own logging, on stderr
    assert "corridor sweep:" not in p.stderr  # no progress with --json, even forced


def test_progress_moves_while_nothing_ends():
    stream = io.StringIO()
    with Progress("corridor solve: solve", stream=stream, enabled=True) as bar:
        bar.describe("corridor solve: solve")
        time.sleep(1.3)  # one long solve: no step ends, the clock still moves
    frames = stream.getvalue().split("\r")
    assert any("corridor solve: solve 00:01" in f for f in frames), frames


def test_the_highs_log_is_cut_into_lines_at_their_levels(caplog):
    class Event:
        def __init__(self, message):
            self.message = message

    sink = HighsLog(logging.getLogger("corridor.highs.test"))
    with caplog.at_level(logging.DEBUG, logger="corridor.highs.test"):
        for piece in ["Running ", "HiGHS\nModel status", "        : Optimal\n\n", "WARNING: odd\n", "tail"]:
            sink(Event(piece))
        sink.flush()
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.INFO, "Running HiGHS"), (logging.INFO, "Model status        : Optimal"),
        (logging.WARNING, "WARNING: odd"), (logging.INFO, "tail")]
