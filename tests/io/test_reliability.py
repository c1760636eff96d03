"""The reliability pass's promises that are not "exit 2 with one message" (its catalogue cases: tests/bad_cases.py):
`*` periods mean every period, real calendars stay valid, the plausibility ceilings still solve, a licence
window is bounded by the horizon, and messages show invisible characters."""
import pytest

from bad_books import base


def _objective(tmp_path, n, name):
    from corridor.pipeline import run
    rep = run(n.write(tmp_path / f"{name}.xlsx"), write=False, security=False)
    assert rep.result.proven_optimal, rep.result.message
    return rep.result.objective


@pytest.mark.parametrize("sheet", ["disruptions", "seasonality"])
def test_period_star_means_every_period_like_month_star(tmp_path, sheet):
    """`period = *` on the disruptions and seasonality sheets means every period, as `month = *` does: a 30%
    outage of the corridor's last leg (HK) costs the same either way, and something (not nothing)."""
    def case(**when):
        n = base()
        n.sheets["seasonality"] = []
        if when and sheet == "disruptions":
            n.disruption("outage", 0.3, "leg", "HK", cap=0.0, **when)
        elif when:
            n.season("leg", "HK", cap=0.0, **when)
        return n
    star_period = _objective(tmp_path, case(period="*"), "period")
    star_month = _objective(tmp_path, case(month="*"), "month")
    nothing = _objective(tmp_path, case(), "none")
    assert star_period == pytest.approx(star_month)
    assert abs(star_period - nothing) > 1


def _with_periods(tmp_path, periods, **settings):
    from corridor import read_inputs
    n = base()
    n.sheets["periods"] = periods
    n.sheets["settings"].update(settings)
    return read_inputs(n.write(tmp_path / "calendar.xlsx"))


@pytest.mark.parametrize("name, periods", [
    ("monthly", [{"period": f"2027-{m:02d}"} for m in range(1, 13)]),
    ("weekly", [{"period": f"W{k + 1}", "month": min(12, k * 7 // 30 + 1), "days": 7} for k in range(52)]),
    ("quarterly", [{"period": f"Q{k + 1}", "month": m, "days": 91} for k, m in enumerate((1, 4, 7, 10))]),
    ("from_july", [{"period": f"M{k + 1}", "month": (6 + k) % 12 + 1} for k in range(12)]),
    ("two_months_wrapping", [{"period": "Dec", "month": 12}, {"period": "Jan", "month": 1}]),
    ("multi_year", [{"period": f"{y}-{m:02d}", "days": 30.4} for y in range(2027, 2033) for m in range(1, 13)]),
])
def test_valid_calendars_stay_valid(tmp_path, name, periods):
    """The time-order rule refuses rows sorted by name, never a real calendar."""
    inputs = _with_periods(tmp_path, periods, horizon="open")
    assert len(inputs.tables["periods"]) == len(periods)


def test_the_default_case_stays_valid_and_quiet():
    from corridor import read_inputs
    from corridor.pipeline import DEFAULT_INPUT
    inputs = read_inputs(DEFAULT_INPUT)
    assert [str(w) for w in inputs.warnings] == []


def test_figures_at_the_ceilings_are_accepted_and_solve(tmp_path):
    """The plausibility ceilings are no tighter than the solver: 1e12 t, 1e9 per tonne and 1e15 of money solve."""
    n = base()
    n.sheets["supply"][0].update(capacity_t=1e12, cost_per_t=1e9)
    n.sheets["demand"][0].update(quantity_t=1e12, shortfall_penalty_per_t=1e9, price_per_t=1e9)
    n.sheets["licences"][0].update(quota_t=1e12, application_cost=1e15)
    n.sheets["routes"][0].update(fixed_cost=1e15, max_volume_t=1e12 - 1)
    assert _objective(tmp_path, n, "limits") > 0


def test_a_licence_window_loops_over_the_horizon_at_most():
    from corridor.formulation.calendar import Calendar
    rows = [{"period": f"P{k}", "month": k, "days": 30} for k in range(1, 4)]
    assert Calendar(rows, cyclic=True).window("P2", 10 ** 12, 10 ** 12) == ["P3", "P1", "P2"]  # 10**12 + 1 = 2 mod 3
    assert Calendar(rows, cyclic=False).window("P1", 10 ** 12, 5) == []
    assert Calendar(rows, cyclic=False).window("P2", 0, 10 ** 12) == ["P2", "P3"]


def test_messages_show_invisible_characters(tmp_path):
    """Quoted user text shows invisible characters as escapes, so a did-you-mean never shows two identical-looking
    strings."""
    from corridor.io.issues import short, suggest
    assert short("H\u200b") == "H\\u200b" and short("a\tb\n") == "a\\tb\\n"
    assert suggest("H", {"H\u00a0", "K"}) == "; did you mean 'H\\u00a0'?"
