"""The family registry (corridor.formulation.families): every row block a model holds has an entry, every
entry is written by some case, every tracer it names exists, and the family table of docs/formulation.md
is the one the registry generates."""
from pathlib import Path

import pytest
from golden import coproduct_case, economics_case, investment_case, rich_case, security_case

from corridor.diagnose.trace import TRACERS
from corridor.formulation import families
from corridor.formulation.build import formulate
from corridor.io.validate import read_inputs
from corridor.pipeline import DEFAULT_INPUT
from corridor.solve.secure import SecureSolver

DOCS = Path(__file__).resolve().parents[2] / "docs" / "formulation.md"
METRICS = ("expected_shortfall", "worst_case_shortfall", "cvar_shortfall", "max_dependence")


@pytest.fixture(scope="module")
def blocks_written(tmp_path_factory) -> set:
    """The row blocks with rows in the rich case, the default case, the security step of every metric and the
    rich case's security step (its contracts get Route_Active_Horizon rows)."""
    tmp = tmp_path_factory.mktemp("registry")
    found = set()
    for f in (formulate(read_inputs(rich_case().write(tmp / "rich.xlsx"))), formulate(read_inputs(DEFAULT_INPUT)),
              formulate(read_inputs(investment_case().write(tmp / "investments.xlsx"))),
              formulate(read_inputs(coproduct_case().write(tmp / "coproducts.xlsx"))),
              formulate(read_inputs(economics_case().write(tmp / "economics.xlsx")))):
        found |= {name for name, rb in f.spec.row_blocks.items() if rb.keys}
    for metric in METRICS:
        inputs = read_inputs(security_case(metric).write(tmp / f"{metric}.xlsx"))
        f = formulate(inputs)
        SecureSolver(f, inputs.settings)  # adds the metric's rows, the budget and the cap
        found |= {name for name, rb in f.spec.row_blocks.items() if rb.keys}
    f = formulate(read_inputs(rich_case().write(tmp / "rich-secure.xlsx")))
    SecureSolver(f, {"security_metric": "expected_shortfall"})
    found |= {name for name, rb in f.spec.row_blocks.items() if rb.keys}
    return found


def test_every_row_block_has_a_registry_entry(blocks_written):
    registered = {b.name for fam in families.FAMILIES for b in fam.blocks}
    assert blocks_written - registered == set(), "row blocks without a registry entry"
    assert registered - blocks_written == set(), "registry entries no case writes (stale, or a case is missing)"


def test_every_tracer_the_registry_names_exists_and_every_tracer_is_named():
    assert families.tracer_names() == set(TRACERS)


def test_the_registry_drives_the_derived_tables():
    assert families.elastic_blocks() == ("Site_Min_Throughput", "Route_Period_Min", "Policy_Min_Share",
                                         "Policy_Max_Share", "Policy_Active_Routes", "Licence_Quota",
                                         "Demand_Must_Meet", "Demand_Min_Fill")
    assert families.once_blocks() == {"Licence_Single", "Policy_Active_Routes", "Worst_Shortfall", "Cvar_Excess",
                                      "Dependence_Cap", "Cost_Budget", "Security_Cap", "Investment_Units",
                                      "Investment_Choice", "Investment_Exclusive"}
    assert families.big_m_blocks() == {"Site_Capacity": "site", "Route_Active": "route", "Route_Period_Max": "route",
                                       "Route_Active_Horizon": "route", "Licence_Gate": "licence",
                                       "Licence_Cover_Gate": "licence"}
    assert [f.name for f in families.FAMILIES if f.build is not None] == [
        "supply_limits", "site_processing", "route_volumes", "leg_capacity", "node_balance",
        "coproduct_split", "reagent_use", "storage_limits", "demand_limits", "licence_holding", "licence_gating",
        "policy_shares", "policy_active_routes", "charge_budgets", "investment_limits"]


def test_the_family_table_of_the_docs_is_fresh():
    text = DOCS.read_text()
    table = text.split(families.DOCS_START, 1)[1].split(families.DOCS_END, 1)[0]
    assert table.strip() == families.families_markdown().strip(), (
        "docs/formulation.md is stale: run `corridor docs --formulation docs/formulation.md`")


def test_the_docs_command_refreshes_the_table(tmp_path):
    from corridor.cli import EXIT_OK, main
    stale = tmp_path / "formulation.md"
    stale.write_text(f"# x\n\n{families.DOCS_START}\n| old |\n{families.DOCS_END}\n\nafter\n")
    assert main(["docs", "--formulation", str(stale)]) == EXIT_OK
    text = stale.read_text()
    assert families.families_markdown() in text and "| old |" not in text and text.endswith("after\n")
