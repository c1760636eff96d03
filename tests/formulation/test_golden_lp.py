"""One golden LP file per constraint family (tests/formulation/lp/<family>.lp): the rows the family writes
on a tiny case (`golden.rich_case`; the security families on the two-corridor case), in canonical LP text,
so that a change in a family's rows shows as a diff, not only through an optimum.  After an intended change:
``CORRIDOR_UPDATE_GOLDEN=1 python -m pytest tests/formulation/test_golden_lp.py`` and review the diff."""
import difflib
import os
from pathlib import Path

import pytest
from golden import coproduct_case, economics_case, investment_case, lp_text, rich_case, security_case

from corridor.formulation import families
from corridor.formulation.build import formulate
from corridor.io.validate import read_inputs
from corridor.solve.secure import SecureSolver

LP = Path(__file__).resolve().parent / "lp"
UPDATE = os.environ.get("CORRIDOR_UPDATE_GOLDEN") == "1"
SECURITY = {"security_metric": ["worst_case_shortfall", "cvar_shortfall", "max_dependence"],
            "security_budget": ["expected_shortfall"]}


@pytest.fixture(scope="module")
def rich_spec(tmp_path_factory):
    return formulate(read_inputs(rich_case().write(tmp_path_factory.mktemp("golden") / "rich.xlsx"))).spec


def _compare(name, text):
    path = LP / f"{name}.lp"
    if UPDATE or not path.exists():
        LP.mkdir(exist_ok=True)
        path.write_text(text)
        if not UPDATE:
            pytest.fail(f"{path} did not exist: written now; review it and commit it")
    expected = path.read_text()
    if text != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), text.splitlines(True), str(path), "now"))
        pytest.fail(f"the rows of {name} changed:\n{diff}")


# families with a golden case of their own (below)
OWN_CASE = ("investment_limits", "reagent_use", "coproduct_split", "charge_budgets")
INVESTED = ("Supply_Capacity", "Site_Capacity", "Leg_Capacity", "Storage_Capacity")  # rows investments enter


@pytest.mark.parametrize("family", [f for f in families.FAMILIES if f.build is not None
                                    and f.name not in OWN_CASE], ids=lambda f: f.name)
def test_family_rows_equal_their_golden_lp(rich_spec, family):
    blocks = [b.name for b in family.blocks]
    assert any(rich_spec.row_blocks[b].keys for b in blocks), f"the rich case writes no row of {family.name}"
    _compare(family.name, lp_text(rich_spec, blocks, f"family {family.name} on tests/formulation/golden.py "
                                                       "rich_case"))


@pytest.mark.parametrize("family", sorted(SECURITY))
def test_security_rows_equal_their_golden_lp(tmp_path, family):
    blocks = [b.name for b in next(f for f in families.FAMILIES if f.name == family).blocks]
    parts = []
    for metric in SECURITY[family]:
        inputs = read_inputs(security_case(metric).write(tmp_path / f"{metric}.xlsx"))
        f = formulate(inputs)
        SecureSolver(f, inputs.settings)
        parts.append(lp_text(f.spec, blocks, f"family {family}, security_metric {metric}, on the two-corridor case"))
    _compare(family, "".join(parts))


def test_investment_rows_equal_their_golden_lp(tmp_path):
    """The investment family's rows and the capacity rows the units enter (with the case's objective, whose
    capex and fixed-cost lines are discounted)."""
    spec = formulate(read_inputs(investment_case().write(tmp_path / "inv.xlsx"))).spec
    blocks = [b.name for b in next(f for f in families.FAMILIES if f.name == "investment_limits").blocks]
    assert all(spec.row_blocks[b].keys for b in blocks)
    text = lp_text(spec, blocks + list(INVESTED), "family investment_limits and the capacity rows of "
                                                  "tests/formulation/golden.py investment_case")
    costs = sorted(f" {line}: " + " ".join(f"{a:+.12g} {_name(spec, j)}" for j, a in sorted(zip(*spec.costs[line]),
                   key=lambda t: _name(spec, t[0]))) + f" {spec.cost_constants.get(line, 0.0):+.12g}"
                   for line in ("capex", "investment_fixed", "supply", "shortfall_penalty"))
    _compare("investment_limits", text + "objective\n" + "\n".join(costs) + "\n")


def _name(spec, j):
    for vb in spec.var_blocks.values():
        if vb.start <= j < vb.start + len(vb.keys):
            key = vb.keys[j - vb.start]
            return f"{vb.name}({','.join(map(str, key)) if isinstance(key, tuple) else key})"
    return str(j)



def test_joint_production_rows_equal_their_golden_lp(tmp_path):
    """Contract v2 site_products: the reagent and co-product split families, the node balances with
    co-products, reagent use and discards, and the disposal cost line."""
    spec = formulate(read_inputs(coproduct_case().write(tmp_path / "chem.xlsx"))).spec
    assert spec.row_blocks["Reagent_Use"].keys
    assert spec.row_blocks["Coproduct_Split"].keys
    text = lp_text(spec, ["Reagent_Use", "Coproduct_Split", "Node_Balance"], "families reagent_use and "
                   "coproduct_split and the node balances of tests/formulation/golden.py coproduct_case")
    costs = " disposal: " + " ".join(f"{a:+.12g} {_name(spec, j)}" for j, a in sorted(
        zip(*spec.costs["disposal"]), key=lambda t: _name(spec, t[0])))
    _compare("reagent_use", text + "objective\n" + costs + "\n")


def test_economics_rows_equal_their_golden_lp(tmp_path):
    """Contract v2 economics: the charge budget family, the min-fill rows, and the revenue and charge lines."""
    spec = formulate(read_inputs(economics_case().write(tmp_path / "econ.xlsx"))).spec
    assert spec.row_blocks["Charge_Budget"].keys and spec.row_blocks["Demand_Min_Fill"].keys
    text = lp_text(spec, ["Charge_Paid", "Charge_Budget", "Demand_Min_Fill"], "family charge_budgets and the "
                   "min-fill rows of tests/formulation/golden.py economics_case")
    costs = "\n".join(f" {line}: " + " ".join(f"{a:+.12g} {_name(spec, j)}" for j, a in sorted(
        zip(*spec.costs[line]), key=lambda t: _name(spec, t[0]))) for line in ("revenue", "tariff", "subsidy", "fee"))
    _compare("charge_budgets", text + "objective\n" + costs + "\n")
