"""Property-based test of the solution checker (model/checker.py): random valid small workbooks
(`property_books.workbooks`) are solved through the full workbook path and the checker must find no
violation in the written solution and recompute the solver's objective.

In the suite the examples are derandomized (the same examples on every machine and every run, no example
database): a failure here is reproducible.  The long random exploration with many more examples is
``python benchmarks/explore_checker.py --examples 2000``.
"""
from hypothesis import HealthCheck, given, settings

from property_books import check_one, workbooks

SUITE_EXAMPLES = 60


@settings(max_examples=SUITE_EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                 HealthCheck.filter_too_much])
@given(workbooks())
def test_checker_accepts_every_solved_plan(book):
    """Solve a random valid workbook; the checker finds no violation and the same total cost."""
    check_one(book)
