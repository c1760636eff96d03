"""The embedded strategic case 2027-2032 (contract v2): the case file's calibration targets for what is built.

Three solves of the 72-period case (about 10, 20 and 20 s): the case as shipped, the JP-US-NO-CN world, and
that world with a 60-month lead for the Kazakh plant.  Figures quoted are from `corridor solve` on the case.
"""

from pathlib import Path

import openpyxl
import pytest

from corridor import formulate, read_inputs
from corridor.pipeline import STRATEGIC_INPUT, run

REPO_COPY = Path(__file__).resolve().parents[2] / "inputs" / STRATEGIC_INPUT.name
PLANTS = ("KZ-PLANT-S", "KZ-PLANT-M", "KZ-PLANT-L")


def variant(tmp_path, name, independent=False, plant_lead=None):
    """A copy of the strategic case with the JP-US-NO-CN policy rows switched on and/or another lead time for
    the Kazakh plant's three sizes."""
    wb = openpyxl.load_workbook(STRATEGIC_INPUT)
    for sheet, key, prefix, column, value in (
        ("policies", "policy", "JP-US-NO-CN" if independent else None, "active", "yes"),
        ("investments", "investment", "KZ-PLANT" if plant_lead is not None else None, "lead_periods", plant_lead),
    ):
        if prefix is None:
            continue
        ws = wb[sheet]
        head = [c.value for c in ws[1]]
        for row in ws.iter_rows(min_row=2):
            if str(row[head.index(key)].value).startswith(prefix):
                row[head.index(column)].value = value
    path = tmp_path / f"{name}.xlsx"
    wb.save(path)
    return path


def solved(tmp_path_factory, name, **kw):
    tmp = tmp_path_factory.mktemp(name)
    book = variant(tmp, name, **kw) if kw else STRATEGIC_INPUT
    rep = run(book, tmp / f"{name}-solution.xlsx")
    assert rep.result.proven_optimal, rep.result.message
    assert rep.result.gap <= 1e-4
    return rep


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return solved(tmp_path_factory, "strategic")


@pytest.fixture(scope="module")
def independent(tmp_path_factory):
    return solved(tmp_path_factory, "independent", independent=True)


def decided(rep):
    inv = rep.tables["investments"]
    return {(r.investment, r.period): r.decided_units for r in inv.itertuples() if r.decided_units > 0}


def first_run(rep, site):
    proc = rep.tables["processing"]
    ran = proc[(proc.site == site) & (proc.input_t > 1e-6)]
    return ran.period.min() if len(ran) else None


def long_haul_per_month(rep, periods):
    """Mean tonnes a month dispatched out of Kazakhstan (ore and concentrate on every corridor but the 20 km
    domestic hop to the concentrator) over ``periods``."""
    flows = rep.tables["route_flows"]
    hauled = flows[(flows.corridor != "Domestic") & (flows.commodity != "reo")]
    by_month = hauled.groupby("dispatch_period").tonnes.sum()
    return sum(by_month.get(p, 0.0) for p in periods) / len(periods)


def test_the_repository_copy_is_the_embedded_case():
    assert REPO_COPY.read_bytes() == STRATEGIC_INPUT.read_bytes()


def test_the_concentrator_is_built_at_once_and_tonnes_shipped_fall_ninefold(base):
    """KZ-CONCENTRATOR (110 M USD, 18 months) is decided in the first period, runs from 2028-07, and from
    then on the corridors carry concentrate, a ninth of the ore tonnes: 38,965 t a month in 2027, 4,679 from
    2029 (the case file: "about a factor 10")."""
    assert decided(base) == {("KZ-CONCENTRATOR", "2027-01"): 1}
    assert first_run(base, "KZ-CONCENTRATOR") == "2028-07"
    periods = list(base.tables["investments"].period.unique())
    before = long_haul_per_month(base, [p for p in periods if p < "2028-07"])
    after = long_haul_per_month(base, [p for p in periods if p >= "2029-01"])
    assert 7.5 <= before / after <= 10.5
    assert base.costs["capex"] == pytest.approx(110e6)
    payers = base.tables["payers"].set_index("payer")
    assert payers.loc["US-KZ-JV", "capex_pv"] == pytest.approx(110e6)
    # the freight line falls with the tonnes: about 2.5x over the horizon, 18 months of it before the concentrator
    assert base.costs["freight"] < 0.45 * 521.7e6


def test_without_china_a_kazakh_plant_is_built_and_runs_after_its_lead(independent, base):
    """In the JP-US-NO-CN world Japan and the US may not take oxide made in China: the plants outside China
    separate about 890 t of oxide a month for 1,200 t of Japanese and US demand, so one Kazakh plant size is
    built at once and first runs 36 months later, 2030-01."""
    built = decided(independent)
    plants = [(i, a) for (i, a) in built if i in PLANTS]
    assert len(plants) == 1, built
    ((plant, when),) = plants
    assert first_run(independent, "KZ-NEW-PLANT") >= "2030-01"
    assert first_run(independent, "KZ-NEW-PLANT") == f"{int(when[:4]) + 3}{when[4:]}"
    assert not [i for (i, _a) in decided(base) if i in PLANTS]  # the base world has China's plants
    shortfall = independent.tables["deliveries"].groupby("market").shortfall_t.sum()
    assert shortfall["JP-YOKOHAMA"] > 1000  # the plant comes too late for 2027-2029


def test_with_a_60_month_lead_the_plant_cannot_run_before_2032(tmp_path, independent):
    """A unit decided in 2027-01 with a 60-month lead serves only 2032.  Checked on the model itself, so it
    holds for every plan: before 2032 the Kazakh plant's capacity row has no unit in service on its right-hand
    side and a capacity of 0.  (Solved, the JP-US-NO-CN world then builds no plant: 12 months of one cannot
    repay its capex, and Japan's shortfall over 2027-2032 rises from 13,000 t to 28,600 t.)"""
    f = formulate(read_inputs(variant(tmp_path, "late", independent=True, plant_lead=60)))
    build = {j: key for key, j in f.col("Build").items()}
    process = {j for key, j in f.col("Process").items() if key[0] == "KZ-NEW-PLANT"}
    spec = f.spec
    block = spec.row_blocks["Site_Capacity"]
    checked = set()
    for key, r in zip(block.keys, block.rows()):
        cols, hi = spec.indices[spec.indptr[r] : spec.indptr[r + 1]], spec.row_hi[r]
        site, period = key[0], key[-1]
        if site != "KZ-NEW-PLANT":
            continue
        plants = [build[j] for j in cols if j in build]
        assert all(i in PLANTS for i, _a in plants)
        if period < "2032-01":
            assert not plants and hi == 0 and set(cols) <= process, (key, plants, hi)
        else:
            assert plants and all(a <= f"{int(period[:4]) - 5}{period[4:]}" for _i, a in plants)
        checked.add(period)
    assert len(checked) == 72
    assert first_run(independent, "KZ-NEW-PLANT") < "2032-01"  # with the case's 36 months it runs earlier
