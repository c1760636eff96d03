"""The embedded Kazakhstan case: regression of the base plan and the case file's calibration targets."""
import openpyxl
import pytest

from corridor import prepare, read_inputs
from corridor.pipeline import DEFAULT_INPUT, run

EXPECTED_OBJECTIVE = 396_337_133.06  # USD/yr, `corridor solve` on the default case: expected cost over its scenarios
BASE_OBJECTIVE = 317_635_044.55  # USD/yr, the base year alone (disruptions sheet removed), proven optimal at gap 1e-6


def _landed(d, route_id, upto="JP-YOKOHAMA"):
    """Freight + handling per tonne and transit days along a route up to the node ``upto``."""
    cost = days = 0.0
    for leg in d.routes[route_id].legs:
        rec = d.legs[leg]
        cost += (rec["cost_per_t"] or 0) + (rec["handling_cost_per_t"] or 0)
        days += rec["transit_days"] or 0
        if rec["to_node"] == upto:
            return cost, days
    raise AssertionError(f"{route_id} does not reach {upto}")


@pytest.fixture(scope="module")
def data():
    return prepare(read_inputs(DEFAULT_INPUT))


def with_policies(tmp_path, prefix, disruptions=False, plant=True):
    """A copy of the default case with the policy rows whose id starts with ``prefix`` switched on (and its
    disruptions sheet removed unless ``disruptions``: the case file's calibration targets are about one year
    without disruption)."""
    wb = openpyxl.load_workbook(DEFAULT_INPUT)
    ws = wb["policies"]
    head = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if prefix and str(row[head.index("policy")].value).startswith(prefix):
            row[head.index("active")].value = "yes"
    if not disruptions:
        del wb["disruptions"]
    if not plant:  # the plant is planned for 2028: close it, as a planner studying 2027 would
        wb["seasonality"].append(["site", "KZ-NEW-PLANT", "*", 0, 1, "test: 2027, before the plant", ""])
    path = tmp_path / f"{prefix or 'base'}{'' if plant else '-2027'}.xlsx"
    wb.save(path)
    return path


def _solved(tmp_path_factory, name, prefix=None, plant=True):
    """Solve the default case (``prefix=None``) or its deterministic variant (see `with_policies`)."""
    tmp = tmp_path_factory.mktemp(name)
    book = DEFAULT_INPUT if prefix is None else with_policies(tmp, prefix, plant=plant)
    rep = run(book, tmp / f"{name}-solution.xlsx")
    assert rep.result.proven_optimal
    return rep


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return _solved(tmp_path_factory, "base", "")


@pytest.fixture(scope="module")
def independent(tmp_path_factory):
    return _solved(tmp_path_factory, "world", "JP-US-NO-CN")


@pytest.fixture(scope="module")
def independent_2027(tmp_path_factory):
    return _solved(tmp_path_factory, "world2027", "JP-US-NO-CN", plant=False)


@pytest.fixture(scope="module")
def expected(tmp_path_factory):
    return _solved(tmp_path_factory, "expected")


def test_every_row_carries_a_source():
    wb = openpyxl.load_workbook(DEFAULT_INPUT, read_only=True)
    for ws in wb.worksheets:
        rows = list(ws.iter_rows(values_only=True))
        head = [str(h).strip().lower() if h else "" for h in rows[0]]
        assert "source" in head, ws.title
        j = head.index("source")
        assert all(r[j] for r in rows[1:] if any(v is not None for v in r)), ws.title


def test_route_cost_and_time_calibration(data):
    """Middle Corridor landed transport cost to Yokohama is 1.2-1.5x China's; China ~25 days, Middle >= +7."""
    cn_cost, cn_days = _landed(data, "ORE-CN-JP-REFINERY")
    mc_cost, mc_days = _landed(data, "ORE-MC-JP-REFINERY")
    assert 1.2 <= mc_cost / cn_cost <= 1.5
    assert 23 <= cn_days <= 27
    assert mc_days >= cn_days + 7


def test_default_case_regression(expected):
    """The shipped case: expected cost over the base and six disruption scenarios (probabilities assumed)."""
    assert expected.result.objective == pytest.approx(EXPECTED_OBJECTIVE, rel=1e-6)
    assert sum(expected.costs.values()) == pytest.approx(expected.result.objective, rel=1e-9)
    sc = expected.tables["scenarios"].set_index("scenario")
    assert len(sc) == 7 and sc.probability.sum() == pytest.approx(1.0)
    assert sc.loc["base", "probability"] == pytest.approx(0.45)
    # China revoking its export licences for six months is the costliest disruption
    assert sc.total_cost.idxmax() == "cn-revokes-export-licences"
    assert (expected.tables["summary"].set_index("item")["value"]["plan_sheets_scenario"]) == "base"


def test_base_case_regression(base):
    assert base.result.objective == pytest.approx(BASE_OBJECTIVE, rel=1e-6)
    assert sum(base.costs.values()) == pytest.approx(base.result.objective, rel=1e-9)
    assert base.costs["licence"] > 0  # CN export licences are applied for


def test_most_ore_goes_east_to_baotou(base):
    proc = base.tables["processing"]
    ore = proc.groupby("site")["input_t"].sum()
    assert ore["CN-BAOTOU"] / ore.sum() > 0.5
    assert ore.idxmax() == "CN-BAOTOU"


def test_defense_demand_only_from_sites_no_cn_rule_gates(base):
    rf = base.tables["route_flows"]
    defense = rf[(rf.commodity == "reo") & (rf.earmarked_end_use == "defense")]
    assert defense.tonnes.sum() > 0
    assert set(defense.tech_origin_tag) == {"-"}
    assert not defense.licences_needed.str.contains("CN").any()
    assert not defense.origin.isin(["CN-BAOTOU", "JP-REFINERY"]).any()
    dl = base.tables["deliveries"]
    assert dl[dl.end_use == "defense"].shortfall_t.sum() == pytest.approx(0, abs=1e-6)


def test_independence_moves_the_plan_west(base, independent):
    def corridor_tonnes(rep, corridor):
        rf = rep.tables["route_flows"]
        return rf[rf.corridor == corridor].tonnes.sum()

    assert corridor_tonnes(independent, "Middle Corridor") > corridor_tonnes(base, "Middle Corridor") + 1000
    rf = independent.tables["route_flows"]
    jp_us = rf[rf.destination.isin(["JP-YOKOHAMA", "US-LONG-BEACH"])]
    assert not jp_us.transited_tag.str.contains("CN").any()
    assert not (jp_us.processing_country_tag == "CN").any()


def test_caspian_winter_forces_stock_before_november(independent_2027):
    """Without the Kazakh plant (2027), the ferry binds in its 50% months (Nov, Dec); the Middle Corridor ships
    more than its steady level in October, ahead of the closure, and that ore sits in stock at the western-fed
    sites through the winter."""
    independent = independent_2027
    use = independent.tables["leg_use"].set_index(["leg", "period"])
    for p in ("2027-11", "2027-12"):
        assert use.loc[("FERRY-AKTAU-BAKU", p), "utilisation"] == pytest.approx(1.0)
    rf = independent.tables["route_flows"]
    mc = rf[rf.corridor == "Middle Corridor"].groupby("dispatch_period").tonnes.sum()
    assert mc["2027-10"] > mc["2027-06"] + 100
    inv = independent.tables["inventory"]
    western = set(rf[rf.corridor == "Middle Corridor"].destination)
    winter = inv[inv.node.isin(western) & inv.period.isin(["2027-11", "2027-12"])]
    assert winter.stock_t.sum() > 100


def test_price_of_independence_is_reported(base, independent, independent_2027):
    """With the plant as an option the independent world builds it; without it (2027) the price is far higher."""
    price = independent.result.objective - base.result.objective
    price_2027 = independent_2027.result.objective - base.result.objective
    assert 0 < price < price_2027
    dec = independent.tables["decisions"]
    assert "KZ-NEW-PLANT" in set(dec[dec.decision == "site opened"].id)
    print(f"price of independence: {price / 1e6:.1f} M USD/yr with the Kazakh plant as an option, "
          f"{price_2027 / 1e6:.1f} M USD/yr without it (case file subsidy figure: 120 M USD/yr)")
