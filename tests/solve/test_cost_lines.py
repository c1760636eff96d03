"""No cost coefficient is lost to the solver's tolerance: the cost lines written to the solution workbook add up
to the objective the solver reported, on the default case (min cost) and under ``max_security``."""
import pandas as pd
import pytest

from builders import two_corridors
from corridor.pipeline import run


def written_costs(path):
    """The ``costs`` sheet and the summary's ``objective`` as written."""
    costs = pd.read_excel(path, sheet_name="costs")
    summary = pd.read_excel(path, sheet_name="summary").set_index("item")["value"]
    return costs, float(summary["objective"])


def test_the_default_case_cost_lines_add_up_to_the_objective(default_case):
    """The embedded default case with its disruption scenarios, solved through the pipeline (the session's solve
    of it, tests/conftest.py: any plan tells).  HiGHS's objective is computed from the coefficients it kept, the
    cost lines from the formulation's own: a coefficient HiGHS dropped would show as a difference."""
    rep = default_case.report
    assert rep.result.proven_optimal
    costs, objective = written_costs(default_case.solution)
    assert len(costs) >= 5 and objective == pytest.approx(rep.result.objective, rel=1e-12)
    assert costs["amount"].sum() == pytest.approx(objective, rel=1e-9)
    assert sum(rep.costs.values()) == pytest.approx(objective, rel=1e-9)


@pytest.mark.parametrize("metric, pct, objective", [("expected_shortfall", 25, 720), ("worst_case_shortfall", 25, 720),
                                                    ("expected_shortfall", 10, 600)])
def test_the_max_security_cost_lines_add_up_to_the_objective(tmp_path, metric, pct, objective):
    """two_corridors: the most secure plan within 25% (A and B, 720) and within 10% (A alone, 600)."""
    book = two_corridors(objective="max_security", security_metric=metric, cost_budget_pct=pct)
    rep = run(book.write(tmp_path / "c.xlsx"), tmp_path / "o.xlsx")
    assert rep.result.proven_optimal and rep.result.objective == pytest.approx(objective)
    costs, written = written_costs(tmp_path / "o.xlsx")
    assert costs["amount"].sum() == pytest.approx(written, rel=1e-9) and written == pytest.approx(objective)
