"""``time_limit_s`` bounds the whole run: the security steps, the frontier points and the corridor N-1 re-solves
share one budget, and the report says what it left out, which step stopped and with what gap.

The budget's clock is replaced by a fake one that only moves when a solve "takes" the seconds the test says,
so which step runs out of time is decided by the test, never by the machine's speed (no timing is asserted).
A solve given a few microseconds by the budget is run for real: HiGHS stops at once with its start plan.
"""
import pytest

from builders import Net, two_corridors
from corridor.cli import EXIT_NOT_PROVEN, main
from corridor.formulation.build import formulate
from corridor.io.validate import read_inputs
from corridor.pipeline import run
from corridor.results import n1 as n1_module
from corridor.solve import budget as budget_module
from corridor.solve import frontier as frontier_module
from corridor.solve import secure as secure_module
from corridor.solve import untracked as untracked_module
from corridor.solve.budget import TimeBudget
from corridor.solve.frontier import frontier_plans
from corridor.solve.secure import COST, FREE_METRIC, METRIC, SecureSolver
from corridor.solve.steps import NOT_COMPUTED


class FakeTime:
    """The budget's clock: moves only by what each wrapped solve takes (``takes[i]`` for the i-th solve; the
    last value repeats).  ``limits``: the seconds each wrapped solve was given (its time limit less the run time
    its HiGHS instance has used before)."""

    def __init__(self, monkeypatch):
        self.t, self.takes, self.limits, self.mp = 0.0, [0.0], [], monkeypatch
        monkeypatch.setattr(budget_module, "now", lambda: self.t)

    def wrap(self, module, *takes):
        real = module.run_highs
        self.takes = list(takes)

        def run_highs(h, spec):
            limit = h.getOptionValue("time_limit")  # HiGHS counts it over the instance's runs: the seconds left
            given = (limit[1] if isinstance(limit, tuple) else limit) - h.getRunTime()
            if given < 1e-3:  # on this clock a solve given a microsecond stops at HiGHS's first check, with its start
                h.setOptionValue("time_limit", 0.0)  # (a limit HiGHS's run time has passed)
            out = real(h, spec)
            self.limits.append(given)
            self.t += self.takes[min(len(self.limits) - 1, len(self.takes) - 1)]
            return out

        self.mp.setattr(module, "run_highs", run_highs)
        if hasattr(module, "relaxation_bound"):  # every step a search, so each takes the time the test says
            self.mp.setattr(module, "relaxation_bound", lambda *a: None)
        return self


def summary(rep):
    return rep.tables["summary"].set_index("item")["value"]


def total(rep, metric):
    sec = rep.tables["security"]
    return float(sec[(sec.scope == "total") & (sec.metric == metric)]["value"].iloc[0])


def test_the_budget_without_a_limit_and_its_even_share(monkeypatch):
    fake = FakeTime(monkeypatch)
    free = TimeBudget.of({"time_limit_s": None}).start()
    assert free.remaining() == float("inf") and not free.spent and free.settings({"a": 1}) == {"a": 1,
                                                                                             "time_limit_s": None}
    b = TimeBudget(12).start()
    fake.t = 3.0
    assert b.remaining() == 9.0 and b.share(3) == 3.0 and b.settings({}, 100)["time_limit_s"] == 9.0
    fake.t = 12.0
    assert b.spent and "12 s" in b.describe()


def test_a_metric_step_stopped_by_the_budget_is_said_and_the_min_cost_plan_is_not_called_most_secure(
        tmp_path, monkeypatch):
    """The min-cost step leaves 1 microsecond: the unbudgeted metric step stops at once with its start plan (the
    min-cost plan), every later step and the N-1 re-solves are not computed.  The most secure plan (720, no
    shortfall) is not found, so the run must not call the min-cost plan the most secure, nor give gap 0."""
    fake = FakeTime(monkeypatch).wrap(secure_module, 10 - 1e-6, 1.0)
    book = two_corridors(objective="max_security", cost_budget_pct=25, time_limit_s=10).write(tmp_path / "c.xlsx")
    rep = run(book, tmp_path / "o.xlsx")
    r, s = rep.result, summary(rep)
    assert fake.limits[1] == pytest.approx(1e-6)  # the metric step got what the min-cost step left
    assert r.status == "time_limit_with_plan" and not r.proven_optimal and r.objective == pytest.approx(600)
    assert r.gap is None or r.gap > 0  # the stopped metric step's gap, never the min-cost step's 0
    assert s["security_plan"].startswith("NOT proven the most secure")
    assert s["security_stopped_step"].startswith(FREE_METRIC)
    assert "min-cost plan" in r.message and "not computed" in r.message
    steps = [v for k, v in s.items() if k.startswith("security_step_")]
    assert [v.split(":")[0] for v in steps if v.endswith("was spent)")] == [METRIC]
    # the metric on the summary is the plan's own value from its flows (the security sheet), 10 t of 100 short
    assert s["security_metric_value"] == pytest.approx(0.1) == total(rep, "expected_shortfall_share")
    not_done = [v for k, v in rep.tables["summary"].values if k == "not_computed"]
    assert any("East, West" in v and "not re-solved" in v for v in not_done)
    n1 = rep.tables["security"].set_index("metric")
    assert n1.loc["deliverable_share_without:East", "detail"].startswith("not re-solved")


def test_the_cli_says_the_plan_is_not_proven_the_most_secure(tmp_path, monkeypatch, capsys):
    FakeTime(monkeypatch).wrap(secure_module, 10 - 1e-6, 1.0)
    book = two_corridors(objective="max_security", cost_budget_pct=25, time_limit_s=10).write(tmp_path / "c.xlsx")
    assert main(["solve", str(book), "-o", str(tmp_path / "o.xlsx")]) == EXIT_NOT_PROVEN
    out = capsys.readouterr().out
    assert "NOT proven the most secure" in out and "not done" in out and "stopped    " + FREE_METRIC in out


def test_a_stopped_cost_step_keeps_the_proven_metric_and_says_the_cost_is_not_proven(tmp_path, monkeypatch):
    """The unbudgeted metric step is proven (no shortfall) and leaves 1 microsecond: the least-cost step at that
    metric stops with its start plan.  The plan is the most secure (proven) but its cost is not proven least."""
    fake = FakeTime(monkeypatch).wrap(secure_module, 0.0, 10 - 1e-6, 1.0)
    book = two_corridors(objective="max_security", cost_budget_pct=40, time_limit_s=10).write(tmp_path / "c.xlsx")
    rep = run(book, tmp_path / "o.xlsx", security=False)
    r, s = rep.result, summary(rep)
    assert fake.limits[2] == pytest.approx(1e-6)
    assert r.status == "time_limit_with_plan" and not r.proven_optimal and r.objective >= 720 - 1e-6
    assert s["security_plan"].startswith("the most secure") and "cost is NOT proven the least" in r.message
    assert s["security_stopped_step"].startswith(COST)
    assert s["security_metric_value"] == pytest.approx(0.0, abs=1e-9)
    assert sum(rep.costs.values()) == pytest.approx(r.objective, rel=1e-9)


def test_the_metric_is_the_plans_own_value_never_the_solver_variable(tmp_path):
    """Worst case: B (capacity 50, no fixed cost) backs A up, so the min-cost plan loses half the demand when East
    is closed.  A solve may leave WorstShortfall anywhere in [0.5, 1]: the plan's metric is 0.5 whatever it is."""
    n = (Net(periods=1, objective="max_security", security_metric="worst_case_shortfall")
         .node("M", "mine").node("K", "market", "JP").supply("M", 1000)
         .link("A", "M", "K", cost=1, corridor="East").link("B", "M", "K", cost=5, cap=50, corridor="West")
         .demand("K", 100, commodity="ore", penalty=50).disruption("east-closed", 0.1, "corridor", "East"))
    f = formulate(read_inputs(n.write(tmp_path / "w.xlsx")))
    ss = SecureSolver(f, f.d.settings)
    res, x = ss.run("cost")
    w = f.spec.col["WorstShortfall"]["all"]
    x = list(x)
    x[w] = 1.0  # a valid but loose value of the variable
    assert ss.rows.metric_cols == {w: 1.0} and ss.metric_of(x) == pytest.approx(0.5)


def test_the_n1_re_solves_share_what_the_plan_left_and_list_what_they_skipped(tmp_path, monkeypatch):
    """Three corridors, 10 s: the first re-solve gets 10/3 and takes 6, the second gets (10 - 6) / 2 and takes 6;
    nothing is left for West (sorted last), which is listed as not re-solved (the plan itself is proven)."""
    fake = FakeTime(monkeypatch).wrap(n1_module, 6.0)
    n = (Net(periods=1, time_limit_s=10).node("M", "mine").node("K", "market", "JP").supply("M", 1000)
         .link("A", "M", "K", cost=1, cap=50, corridor="East").link("B", "M", "K", cost=2, cap=30, corridor="West")
         .link("C", "M", "K", cost=3, cap=40, corridor="North").demand("K", 100, commodity="ore"))
    rep = run(n.write(tmp_path / "n.xlsx"), tmp_path / "o.xlsx")
    assert rep.result.proven_optimal and fake.limits == pytest.approx([10 / 3, 2.0])
    sec = rep.tables["security"].set_index("metric")
    assert sec.loc["deliverable_share_without:East", "value"] == pytest.approx(0.7)
    assert sec.loc["deliverable_share_without:North", "value"] == pytest.approx(0.8)
    west = sec.loc["deliverable_share_without:West"]
    assert west["value"] != west["value"] and west["detail"].startswith("not re-solved")  # NaN: not computed
    assert rep.not_computed == ["corridor N-1 rows for 1 of 3 corridors not re-solved (the run's time limit of "
                                "10 s was spent): West"]
    assert list(summary(rep)[["not_computed"]]) == rep.not_computed


def test_the_frontier_points_share_the_budget_evenly(tmp_path, monkeypatch):
    """4 points in 8 s: point 1 gets 8/4 and takes 1; point 4 gets 7/3 for its metric step (takes 1) and the
    rest of its share, 4/3, for its cost step (takes 1); point 2 gets 5/2 and takes 5, so its cost step and
    point 3 are not computed.  (Points 2 and 3 would end on the min-cost plan, which needs no cost step,
    `frontier.reaches`: that shortcut is turned off here so that each point is two solves.)"""
    fake = FakeTime(monkeypatch).wrap(secure_module, 1.0, 1.0, 1.0, 5.0)
    monkeypatch.setattr(frontier_module, "reaches", lambda ss, proven, res: False)
    inputs = read_inputs(two_corridors(time_limit_s=8).write(tmp_path / "c.xlsx"))
    settings = {**inputs.settings, "objective": "max_security"}
    ss, sweep = frontier_plans(formulate(inputs), settings, points=4)
    assert fake.limits == pytest.approx([2.0, 7 / 3, 4 / 3, 2.5])
    status = [res.status for _b, res, _x in sweep]
    assert status == ["optimal", "time_limit_with_plan", NOT_COMPUTED, "optimal"]
    assert "least cost at this metric was not computed" in sweep[1][1].message
    assert "point 3 not computed" in sweep[2][1].message
    assert [s.status for s in ss.steps][-1] == NOT_COMPUTED


def test_the_plain_min_cost_solve_of_a_dependence_run_leaves_time_for_the_tagged_step(tmp_path, monkeypatch):
    """max_dependence's min-cost step is solved on the model without dependence tags first: that solve gets
    at most 0.9 of the time left (9 of 10 s) and here takes all of it, yet the tagged step still runs in the
    second that remains and is proven by the plain model's bound (600: route A only).  Given the whole 10 s, a
    plain solve that took them would have left the run with no plan at all."""
    fake = FakeTime(monkeypatch).wrap(untracked_module, 9.0)
    book = two_corridors(objective="max_security", security_metric="max_dependence", cost_budget_pct=25,
                         time_limit_s=10).write(tmp_path / "c.xlsx")
    rep = run(book, tmp_path / "o.xlsx")
    assert fake.limits[0] == pytest.approx(9.0)
    first = rep.security["steps"][0]
    assert first.startswith("least cost (the min-cost optimum): optimal, cost 600") and "proven by its bound" in first
    assert rep.security["min_cost"] == pytest.approx(600)
