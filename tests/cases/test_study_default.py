"""The study shipped in the default case: `corridor study inputs/kazakhstan_rare_earths.xlsx --all` on 2 workers.

Regression figures (expected cost over the disruption scenarios, USD a year; proven optimal): base 251,679,241.23;
cn-transit-granted 251,591,105.04 (China's transit matters little once Japan's subsidy makes the Middle Corridor the
cheaper way to Kuantan); jp-us-no-cn 365,861,971.21 (the price of independence: +114.2 M a year, 5.8 M below the
case file's USD 120 million a year subsidy: the plan builds the Kazakh plant, 150 M a year of annualised capex,
and halves the expected shortfall); caspian-ferry-x2 251,678,429.85 (the ferry does not bind in the base plan);
kz-plant-closed 251,679,241.23 (the base does not open the plant); demand-plus-30 555,180,204.25 (the ore can
meet 95% of today's demand, not 130%); northern-freight-half 245,043,991.23; independence-without-kz-plant
415,361,433.57 (+163.7 M: without the plant Japan is short through the Caspian winter); g7-carbon-tax
377,314,244.76 (+125.6 M: 101.7 M of tax at Baotou, and ore moved to the western plants).
"""
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from corridor.formulation.build import formulate
from corridor.io.edits import parse_study
from corridor.io.reader import read_workbook
from corridor.io.validate import read_inputs
from corridor.pipeline import run
from corridor.solve.persistent import same_structure
from corridor.studies.runner import run_study
from corridor.studies.scenario import study_scenario_inputs

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "inputs" / "kazakhstan_rare_earths.xlsx"
EXPECTED = {
    "base": 251_679_241.23, "cn-transit-granted": 251_591_105.04, "jp-us-no-cn": 365_861_971.21,
    "caspian-ferry-x2": 251_678_429.85, "kz-plant-closed": 251_679_241.23, "demand-plus-30": 555_180_204.25,
    "northern-freight-half": 245_043_991.23, "independence-without-kz-plant": 415_361_433.57,
    "g7-carbon-tax": 377_314_244.76,
}
REL = 1e-6  # the case's mip_rel_gap: a scenario warm-started from another plan may stop anywhere within it


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    out = tmp_path_factory.mktemp("study")
    lines = []
    rep = run_study(DEFAULT, workers=2, out_dir=out, log=lines.append)
    return rep, lines, out


def test_every_scenario_is_solved_and_written(study):
    rep, lines, out = study
    assert [r.name for r in rep.results] == list(EXPECTED)
    assert {r.name: r.objective for r in rep.results} == pytest.approx(EXPECTED, rel=REL)
    assert all(r.status == "optimal" for r in rep.results)
    assert len(lines) == len(EXPECTED) and all("optimal" in s for s in lines)
    for name in EXPECTED:
        assert openpyxl.load_workbook(out / f"{name}.xlsx", read_only=True)["summary"] is not None


def test_comparison_shows_the_price_of_independence_beside_the_subsidy(study):
    rep, _, out = study
    ws = openpyxl.load_workbook(out / "comparison.xlsx", read_only=True)["overview"]
    rows = list(ws.iter_rows(values_only=True))
    by = {r[0]: dict(zip(rows[0], r)) for r in rows[1:]}
    jp = by["jp-us-no-cn"]
    price = EXPECTED["jp-us-no-cn"] - EXPECTED["base"]
    assert jp["horizon_days"] == 365
    assert jp["delta_per_year"] == pytest.approx(price, abs=2 * REL * EXPECTED["base"])
    assert jp["compare_per_year"] == 120_000_000
    assert "120 million" in jp["compare_source"]
    assert jp["delta_per_year_minus_compare"] == pytest.approx(price - 120e6, abs=2 * REL * EXPECTED["base"])
    assert jp["verdict"] == ("costs 114.2 M USD/yr more than the base: 5.8 M USD/yr below the reference "
                             "(120.0 M USD/yr)")
    with zipfile.ZipFile(out / "comparison.xlsx") as z:
        xml = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert any("Total cost by scenario" in c for c in xml)
    assert any("Corridor mix" in c for c in xml)


def test_kpis_show_what_each_question_changes(study):
    """Each question moves the figure it is about.  Tonnes are the plan sheets' scenario (base), not summed over
    the disruption scenarios: the base sends 300,000 t of ore a year through China to Baotou."""
    rep, _, _ = study
    by = {r.name: r for r in rep.results}
    assert by["base"].kpi("site_open", "KZ-NEW-PLANT") == "no"
    assert by["base"].kpi("site", "CN-BAOTOU") == pytest.approx(300_000, rel=1e-3)
    # independence: the plant is built (its capex counted) and ore through China falls
    assert by["jp-us-no-cn"].kpi("site_open", "KZ-NEW-PLANT") == "yes"
    assert by["jp-us-no-cn"].kpi("cost", "site_fixed") == pytest.approx(150e6)
    assert by["jp-us-no-cn"].kpi("corridor", "ore: China") < 0.6 * by["base"].kpi("corridor", "ore: China")
    assert by["independence-without-kz-plant"].kpi("site_open", "KZ-NEW-PLANT") == "no"
    assert by["kz-plant-closed"].kpi("site", "KZ-NEW-PLANT") == 0
    assert by["demand-plus-30"].kpi("shortfall", "total") > by["base"].kpi("shortfall", "total")
    tax = by["g7-carbon-tax"]
    # the tax line is the expected cost over the disruption scenarios; the site's tonnes are the base scenario's,
    # the most Baotou separates in any of them
    assert 0.9 * 500 * tax.kpi("site", "CN-BAOTOU") < tax.kpi("cost", "tax") <= 500 * tax.kpi("site", "CN-BAOTOU")
    assert tax.kpi("site", "CN-BAOTOU") < by["base"].kpi("site", "CN-BAOTOU") - 50_000


def edit(target, changes):
    """Copy the default case to ``target`` and apply ``(sheet, match(row dict), column, f(old))`` by hand."""
    shutil.copy(DEFAULT, target)
    wb = openpyxl.load_workbook(target)
    for sheet, match, column, f in changes:
        ws = wb[sheet]
        header = [c.value for c in ws[1]]
        hits = [r for r in ws.iter_rows(min_row=2) if r[0].value is not None
                and match(dict(zip(header, (c.value for c in r))))]
        assert hits, sheet
        for r in hits:
            r[header.index(column)].value = f(r[header.index(column)].value)
    del wb["scenarios"]
    wb.save(target)
    return target


def same_model(a, b) -> bool:
    """True when two `LinearSpec`s are one program, number for number: the structure (`same_structure`), the
    bounds, coefficients, right-hand sides, cost lines and cost constants."""
    arrays = ("lb", "ub", "data", "row_lo", "row_hi")
    return (same_structure(a, b) and all(getattr(a, n) == getattr(b, n) for n in arrays)
            and list(a.costs) == list(b.costs)
            and all(a.costs[k][0] == b.costs[k][0] and a.costs[k][1] == b.costs[k][1] for k in a.costs)
            and a.cost_constants == b.cost_constants)


@pytest.mark.parametrize("name, changes, cold", [
    pytest.param("northern-freight-half", [("legs", lambda r: r["country"] == "RU", "cost_per_t", lambda v: v * 0.5)],
                 True, id="northern-freight-half"),
    pytest.param("independence-without-kz-plant", [
        ("policies", lambda r: r["policy"].startswith("JP-US-NO-CN"), "active", lambda v: "yes"),
        ("sites", lambda r: r["site"] == "KZ-NEW-PLANT", "capacity_t", lambda v: 0)], False,
        id="independence-without-kz-plant"),
    pytest.param("g7-carbon-tax", [("charges", lambda r: r["charge"] == "G7-CARBON-CN", "per_t", lambda v: 500)], False,
                 id="g7-carbon-tax"),
])
def test_study_scenario_is_the_model_of_a_copy_edited_by_hand(study, tmp_path, name, changes, cold):
    """The scenario the study solved is the default case edited by hand with openpyxl (not by the override
    code): the same model, number for number, so the same optimum, the regression figure above.  The first, a
    numbers-only scenario (re-solved in place from the base plan by a worker that holds the base's model), is
    also solved cold from the copy: the study's objective equals that solve's."""
    rep, _, _ = study
    copy = edit(tmp_path / f"{name}.xlsx", changes)
    raw = read_workbook(DEFAULT)
    scenario = formulate(study_scenario_inputs(raw, parse_study(raw)[0], name)).spec
    by_hand = formulate(read_inputs(copy)).spec
    assert same_model(scenario, by_hand)
    assert not same_model(scenario, formulate(read_inputs(DEFAULT)).spec)  # (the edit changes the model)
    objective = next(r.objective for r in rep.results if r.name == name)
    assert objective == pytest.approx(EXPECTED[name], rel=REL)
    if cold:
        alone = run(copy, write=False, security=False)
        assert alone.result.proven_optimal
        assert objective == pytest.approx(alone.result.objective, rel=1e-9)
