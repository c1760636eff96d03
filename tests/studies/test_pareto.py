"""`corridor pareto` end to end on a case solved by hand: the frontier's points, the `pareto` sheet with its chart,
the `summary` sheet of solves and the PNG beside the workbook.

Mine M (KZ, 1,000 t of ore) -> market K (JP, 100 t of oxide, shortfall 50 USD/t).  The existing plant E in China
is reached over the East corridor (ore M -> E at 1 USD/t, oxide E -> K free); a candidate plant N beside the mine
(600 to open) ships over the West corridor through Georgia (N -> K at 2 USD/t).  Disruption east-closed
(probability 0.1) closes East.
  point 1, the least cost:  E only: 0.9*100*1 + 0.1*100*50             = 590, expected shortfall 10 t (0.1)
  point 3, the most secure: N opened: 600 + 0.9*100*1 + 0.1*100*2      = 710, nothing short
  point 2, budget 650 (midway): N cannot be afforded: the least metric is 0.1, the min-cost plan's (590).
Shares of the 100 t: when East is closed the min-cost plan delivers nothing (worst case and CVaR at 0.9: 1.0);
every tonne it delivers crossed China (dependence 0.9 delivered + 0.1 short = 1.0); with N open, China carries
the 90% of the base scenario (0.9) and Georgia the rest.
"""
import openpyxl
import pandas as pd
import pytest

from builders import Net
from corridor.cli import EXIT_OK, main


def plant_case(path):
    n = (Net(periods=1).node("M", "mine").node("E", "site", "CN").node("N", "site").node("K", "market", "JP")
         .supply("M", 1000).site("E", 1000).site("N", 1000, status="candidate", fixed=600)
         .link("ME", "M", "E", cost=1, corridor="East", country="CN")
         .link("EK", "E", "K", corridor="East", commodity="reo")
         .link("MN", "M", "N", corridor="Domestic")
         .link("NK", "N", "K", cost=2, corridor="West", country="GE", commodity="reo")
         .demand("K", 100, penalty=50)
         .disruption("east-closed", 0.1, "corridor", "East"))
    return n.write(path)


def test_pareto_frontier_is_a_staircase_written_with_its_chart_and_png(tmp_path, capsys):
    book = plant_case(tmp_path / "plant.xlsx")
    out = tmp_path / "frontier.xlsx"
    assert main(["pareto", str(book), "--points", "3", "-o", str(out)]) == EXIT_OK
    assert "written" in capsys.readouterr().out
    assert out.exists() and out.with_suffix(".png").stat().st_size > 1000
    table = pd.read_excel(out, sheet_name="pareto")
    assert list(table.point) == [1, 2, 3] and set(table.status) == {"optimal"}
    assert list(table.budget) == pytest.approx([590, 650, 710])
    cost, metric = list(table.expected_cost), list(table["optimised:expected_shortfall"])
    assert cost == pytest.approx([590, 590, 710])
    assert metric == pytest.approx([0.1, 0.1, 0.0], abs=1e-9)
    assert all(b >= a - 1e-6 * abs(a) for a, b in zip(cost, cost[1:]))  # cost never falls ...
    assert all(b <= a + 1e-9 for a, b in zip(metric, metric[1:]))  # ... as security rises
    assert list(table.expected_shortfall_share) == pytest.approx([0.1, 0.1, 0.0], abs=1e-9)
    assert list(table.worst_case_shortfall_share) == pytest.approx([1.0, 1.0, 0.0], abs=1e-9)
    assert list(table.cvar_shortfall_share) == pytest.approx([1.0, 1.0, 0.0], abs=1e-9)
    assert list(table.max_dependence_share) == pytest.approx([1.0, 1.0, 0.9], abs=1e-9)
    assert list(table.sites_open) == ["none", "none", "N"]
    assert list(table.routes_used) == [2, 2, 4]
    assert list(table.routes) == ["EK, ME", "EK, ME", "EK, ME, MN, NK"]
    assert list(table.licences_held) == ["none"] * 3
    wb = openpyxl.load_workbook(out)
    assert len(wb["pareto"]._charts) == 1
    summary = dict(wb["summary"].iter_rows(min_row=2, values_only=True))
    assert summary["input_file"] == "plant.xlsx" and summary["security_metric"] == "expected_shortfall"
    assert summary["points"] == 3
    # point 1 (least cost), point 3 (least metric, then the least cost at it), point 2's least metric: its
    # least-cost step is not solved (the min-cost plan reaches its metric)
    solves = [v for k, v in summary.items() if k.startswith("solve_")]
    assert len(solves) == 4 and all("optimal" in s for s in solves)
    assert solves[0].startswith("cost budget=None cap=None: optimal 590")
