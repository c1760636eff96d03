"""The study shipped in the default case: `corridor study inputs/kazakhstan_rare_earths.xlsx --all` on 2 workers.

Regression figures (expected cost over the disruption scenarios, USD; proven optimal): base 4,678,176,512.25;
cn-transit-granted 4,677,991,126.14; jp-us-no-cn 4,681,753,282.06 (the price of independence: +3,576,769.81 a
year, beside the case file's USD 120 million a year subsidy: with the elements every market is short of NdPr and
Dy+Tb, and the oxide separated in China goes to Korea and the EU); caspian-ferry-x2 4,678,176,512.25 (the ferry
does not bind in the base plan); kz-plant-built 4,605,361,878.08; demand-plus-30 6,389,065,433.43 (more shortfall
penalties: the ore already falls short); northern-freight-half 4,671,541,262.25; independence-with-kz-plant
4,606,093,124.18.  Most of each figure is the shortfall penalty of the NdPr and Dy+Tb the ore cannot make
(about 4.44 billion a year).
"""
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from corridor.pipeline import run
from corridor.studies.runner import run_study

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "inputs" / "kazakhstan_rare_earths.xlsx"
EXPECTED = {
    "base": 4_678_176_512.25, "cn-transit-granted": 4_677_991_126.14, "jp-us-no-cn": 4_681_753_282.06,
    "caspian-ferry-x2": 4_678_176_512.25, "kz-plant-built": 4_605_361_878.08, "demand-plus-30": 6_389_065_433.43,
    "northern-freight-half": 4_671_541_262.25, "independence-with-kz-plant": 4_606_093_124.18,
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
    assert jp["verdict"] == ("costs 3.6 M USD/yr more than the base: 116.4 M USD/yr below the reference "
                             "(120.0 M USD/yr)")
    with zipfile.ZipFile(out / "comparison.xlsx") as z:
        xml = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert any("Total cost by scenario" in c for c in xml)
    assert any("Corridor mix" in c for c in xml)


def test_kpis_show_what_each_question_changes(study):
    rep, _, _ = study
    by = {r.name: r for r in rep.results}
    assert by["base"].kpi("site_open", "KZ-NEW-PLANT") == "no"
    assert by["kz-plant-built"].kpi("site", "KZ-NEW-PLANT") > 0
    # independence: no ore through China to Japan/US-bound processing, and nothing separated in China for them
    assert by["jp-us-no-cn"].kpi("corridor", "ore: China") < by["base"].kpi("corridor", "ore: China")
    assert by["demand-plus-30"].kpi("shortfall", "total") > by["base"].kpi("shortfall", "total")


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


@pytest.mark.parametrize("name, changes", [
    ("jp-us-no-cn", [("policies", lambda r: r["policy"].startswith("JP-US-NO-CN"), "active", lambda v: "yes")]),
    ("northern-freight-half", [("legs", lambda r: r["country"] == "RU", "cost_per_t", lambda v: v * 0.5)]),
    ("independence-with-kz-plant", [
        ("policies", lambda r: r["policy"].startswith("JP-US-NO-CN"), "active", lambda v: "yes"),
        ("sites", lambda r: r["site"] == "KZ-NEW-PLANT", "status", lambda v: "existing"),
        ("sites", lambda r: r["site"] == "KZ-NEW-PLANT", "fixed_cost", lambda v: 0)]),
])
def test_study_objective_equals_a_solve_of_a_copy_edited_by_hand(study, tmp_path, name, changes):
    rep, _, _ = study
    copy = edit(tmp_path / f"{name}.xlsx", changes)
    alone = run(copy, write=False, security=False)
    assert alone.result.proven_optimal
    assert next(r.objective for r in rep.results if r.name == name) == pytest.approx(alone.result.objective,
                                                                                    rel=1e-9)
