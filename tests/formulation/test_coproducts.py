"""Hand-solvable cases of joint production (contract v2 site_products): co-products made with the output,
reagents consumed at the site node, disposal at a cost, provenance inherited, and the rows that force a
plan out of existence named."""
from __future__ import annotations

import pytest

from builders import Net, solved
from corridor.formulation.build import formulate
from corridor.io.issues import InputError
from corridor.io.validate import read_inputs
from corridor.pipeline import run


def chem(disposal=4.0, lace_demand=2.0, **site_kw):
    """Mine M (ore 1/t) -> site S (KZ): 1 t ore makes 0.5 t reo (2/t processing) and 0.3 t lace, and consumes
    0.2 t hcl (supplied at S, 5/t).  S -> K (JP): reo and lace at 1/t.  K takes 10 t reo and ``lace_demand`` t of
    lace (penalty 1000/t); lace may be discarded at ``disposal``/t (None: it cannot)."""
    n = (Net(periods=1).node("M", "mine").node("S", "site").node("K", "market", "JP")
         .supply("M", 100, cost=1).supply("S", 1000, cost=5, commodity="hcl")
         .site("S", 100, cost=2, yield_=0.5, **site_kw)
         .link("MS", "M", "S").link("SK", "S", "K", cost=1, commodity="reo").link("SKL", "S", "K", cost=1,
                                                                                  commodity="lace")
         .demand("K", 10).demand("K", lace_demand, commodity="lace"))
    n.sheets["commodities"] += [{"commodity": "lace", "disposal_cost_per_t": disposal}, {"commodity": "hcl"}]
    n.add("site_products", site="S", commodity="lace", **{"yield": 0.3})
    n.add("site_products", site="S", commodity="hcl", **{"yield": -0.2})
    return n



def processing(rep):
    return {(r.output_commodity, r.role): r.output_t for r in rep.tables["processing"].itertuples()}


def test_joint_production_with_reagent_and_disposal(tmp_path):
    """20 t ore processed: 10 reo, 6 lace (2 delivered, 4 discarded at S for 4/t), 4 hcl consumed.
    Cost: ore 20 + processing 40 + hcl 20 + freight 10 + 2 + disposal 16 = 108."""
    rep = solved(chem(), tmp_path)
    assert rep.result.objective == pytest.approx(108)
    made = processing(rep)
    assert made[("reo", "main")] == pytest.approx(10)
    assert made[("lace", "co-product")] == pytest.approx(6)
    assert made[("hcl", "reagent")] == pytest.approx(-4)
    disp = rep.tables["disposal"]
    assert list(disp.node) == ["S"] and disp.discarded_t.sum() == pytest.approx(4) and disp.cost.sum() == 16
    summary = dict(zip(rep.tables["summary"].item, rep.tables["summary"].value))
    assert summary["cost_disposal"] == pytest.approx(16)


def test_a_coproduct_that_cannot_be_discarded_limits_the_process(tmp_path):
    """No disposal and no storage: the lace made must be delivered, at most 2 t, so at most 6.67 t ore are
    processed (3.33 t reo, 6.67 t short at 1000/t).  Cost 6.67 + 13.33 + 6.67 + 3.33 + 2 + 6666.67 = 6698.67."""
    rep = solved(chem(disposal=None), tmp_path)
    assert rep.result.objective == pytest.approx(20 / 3 * 4 + 10 / 3 + 2 + 1000 * 20 / 3)
    assert processing(rep)[("reo", "main")] == pytest.approx(10 / 3)
    sec = rep.tables["security"]
    element = {r.metric: r.value for r in sec.itertuples() if r.scope == "element" and r.market == "K"}
    assert element["expected_shortfall_t:reo"] == pytest.approx(20 / 3)
    assert element["expected_shortfall_t:lace"] == pytest.approx(0)
    assert element["expected_shortfall_share:reo"] == pytest.approx(2 / 3)
    assert "disposal" not in rep.tables or rep.tables["disposal"].empty


def test_storage_takes_a_coproduct_in_an_open_horizon(tmp_path):
    """With a lace store at S (0.5/t held) instead of disposal, the 4 t surplus are kept: 108 - 16 + 2."""
    n = chem(disposal=None).storage("S", cap=100, hold=0.5, commodity="lace")
    rep = solved(n, tmp_path)
    assert rep.result.objective == pytest.approx(94)


def test_must_meet_demand_with_nowhere_for_the_coproduct_names_the_rows(tmp_path):
    n = chem(disposal=None)
    n.sheets["demand"][0]["must_meet"] = "yes"
    rep = run(n.write(tmp_path / "forced.xlsx"), tmp_path / "forced-solution.xlsx")
    assert rep.result.status == "infeasible"
    cells = rep.explanation.cells()
    assert ("site_products", 2, "yield") in cells, rep.explanation.lines()
    assert ("commodities", 4, "disposal_cost_per_t") in cells, rep.explanation.lines()


def test_a_reagent_shipped_in_from_two_sources(tmp_path):
    """Hcl at S costs 1.5/t (at most 1 t); from hub H (RU) it costs 1 + 1 freight, by a leg through CN.  A
    transit policy on reo makes the CN-crossed hcl a tag of its own, so the reagent has two tags at S
    (ReagentUse).  The 4 t are 1 at S (1.5) + 3 from H (6) = 7.5 instead of 20: 108 - 12.5 = 95.5."""
    n = chem().node("H", "hub", "RU").supply("H", 100, cost=1, commodity="hcl")
    n.sheets["supply"][1].update(capacity_t=1, cost_per_t=1.5)
    n.link("HS", "H", "S", cost=1, commodity="hcl", country="CN")
    n.policy("NO-CN", "K", "transit_country", "CN", max_share=1.0, commodity="reo")
    rep = solved(n, tmp_path)
    assert rep.result.objective == pytest.approx(95.5)
    f = formulate(read_inputs(tmp_path / "case.xlsx"))
    assert len(f.col("ReagentUse")) == 2 and len(f.spec.row_blocks["Reagent_Use"].keys) == 1


def test_coproducts_inherit_the_technology_origin_for_licences(tmp_path):
    """Site S uses Chinese technology; a controlled_content rule prohibits CN-technology lace to JP: the lace
    cannot be delivered and is discarded (6 t at 4/t), reo is not affected: 108 - 2 - 8 + 8 = 106 + 2000
    shortfall of lace."""
    n = chem(tech_origin="CN")
    n.licence("CN-LACE", "controlled_content", "CN", rule="prohibited", commodity="lace")
    rep = solved(n, tmp_path)
    assert rep.result.objective == pytest.approx(20 + 40 + 20 + 10 + 24 + 2000)
    assert rep.tables["disposal"].discarded_t.sum() == pytest.approx(6)


def test_a_v1_workbook_keeps_its_optimum(tmp_path):
    """No site_products: the same optimum as without the contract v2 columns, and no role column."""
    n = chem()
    n.sheets["site_products"] = []
    n.sheets["commodities"][2].pop("disposal_cost_per_t")
    rep = solved(n, tmp_path)
    assert rep.result.objective == pytest.approx(20 + 40 + 10 + 2000)  # no lace made: 2 t short
    assert "role" not in rep.tables["processing"].columns


@pytest.mark.parametrize("row, column, needle", [
    ({"site": "K", "commodity": "lace", "yield": 0.1}, "site", "'K' has no sites row"),
    ({"site": "S", "input_commodity": "reo", "commodity": "lace", "yield": 0.1}, "input_commodity",
     "no process with input 'reo'"),
    ({"site": "S", "commodity": "ore", "yield": 0.1}, "commodity", "is the process's input"),
    ({"site": "S", "commodity": "reo", "yield": 0.1}, "commodity", "is the process's output already"),
    ({"site": "S", "commodity": "lace", "yield": 0}, "yield", "is 0"),
    ({"site": "S", "commodity": "lace", "yield": 0.2}, "commodity", "is already listed"),
    ({"site": "S", "commodity": "naoh", "yield": -0.1}, "commodity", "reagent 'naoh' cannot reach site 'S'"),
])
def test_bad_site_products_rows_are_named(tmp_path, row, column, needle):
    n = chem()
    n.sheets["commodities"].append({"commodity": "naoh"})
    n.add("site_products", **row)
    with pytest.raises(InputError) as e:
        read_inputs(n.write(tmp_path / "bad.xlsx"))
    found = [i for i in e.value.issues if i.sheet == "site_products" and i.row == 4 and i.column == column]
    assert found and needle in found[0].message, [str(i) for i in e.value.issues]


def test_several_processes_need_the_input_commodity(tmp_path):
    n = chem().site("S", 10, inp="con", yield_=0.9)
    n.sheets["commodities"].append({"commodity": "con"})
    with pytest.raises(InputError) as e:
        read_inputs(n.write(tmp_path / "two.xlsx"))
    assert any(i.sheet == "site_products" and i.column == "input_commodity" and "has 2 processes" in i.message
               for i in e.value.issues)


def test_a_coproduct_nothing_can_take_is_warned(tmp_path):
    n = chem(disposal=None)
    n.sheets["commodities"].append({"commodity": "slag"})
    n.add("site_products", site="S", commodity="slag", **{"yield": 0.1})
    inputs = read_inputs(n.write(tmp_path / "slag.xlsx"))
    assert any(w.sheet == "site_products" and w.row == 4 and "cannot run" in w.message for w in inputs.warnings)


def test_coproduct_tonnes_are_earmarked_on_their_own(tmp_path):
    """KZ forbids exporting defense-earmarked reo and licenses defense lace (10 per application).  1 t of lace is
    wanted for defense (penalty 500).  The ore carries no earmark, so the lace made with civil reo may be
    earmarked defense on its own (CoSplit): 2 t civil + 1 t defense delivered, 3 t discarded, one licence:
    20 + 40 + 20 + 10 + 3 + 12 + 10 = 115 (tied to the reo's earmark it would be 608: no defense lace)."""
    n = chem().demand("K", 1, commodity="lace", end_use="defense", penalty=500)
    n.licence("KZ-REO-DEF", "export", "KZ", rule="prohibited", commodity="reo", end_use="defense")
    n.licence("KZ-LACE-DEF", "export", "KZ", rule="required", commodity="lace", end_use="defense",
              application_cost=10)
    rep = solved(n, tmp_path)
    assert rep.result.objective == pytest.approx(115)
    f = formulate(read_inputs(tmp_path / "case.xlsx"))
    assert f.col("CoSplit") and f.spec.row_blocks["Coproduct_Split"].keys
