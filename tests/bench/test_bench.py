"""Benchmarking: reference problems through the workbook path, the generator, the harness, the export."""
import math

import openpyxl
import pytest

from builders import two_corridors
from conftest import DATA
from corridor.bench.generator import SIZES, generate, generate_inputs, write_instance
from corridor.bench.objectives import ALL, parse_objectives
from corridor.bench.reference import (
    cannery_workbook,
    reference_instances,
    transport_workbook,
)
from corridor.bench.report import write_outputs
from corridor.bench.runner import plan_jobs, run_jobs
from corridor.cli import EXIT_OK, EXIT_USAGE, main
from corridor.formulation.build import formulate
from corridor.io.validate import read_inputs
from corridor.pipeline import DEFAULT_INPUT, run
from corridor.solve.pyomo import build_model

EXT = DATA
CI_CAP = ["cap41", "cap42", "cap43", "cap44", "cap51", "cap61", "cap62", "cap63", "cap64", "cap71", "cap72",
          "cap73", "cap74"]


@pytest.mark.parametrize("name", CI_CAP + ["transport", "cannery"])
def test_published_optimum_through_the_workbook(tmp_path, name):
    inst = {i[0]: i for i in reference_instances(EXT)}[name]
    _name, convert, src, optimum = inst
    book = convert(src, tmp_path / f"{name}.xlsx")
    rep = run(book, tmp_path / "out.xlsx")
    assert rep.result.proven_optimal
    assert rep.result.objective == pytest.approx(optimum, rel=1e-6)


def test_reference_suite_lists_every_published_instance_of_a_folder():
    found = {i[0]: i for i in reference_instances(EXT)}
    assert sorted(n for n in found if n.startswith("cap")) == sorted(CI_CAP)
    assert {"transport", "cannery"} <= set(found)
    assert found["cap41"][3] == 1040444.375 and found["transport"][3] == pytest.approx(153.675)


def test_transport_converters_round_trip(tmp_path):
    for conv, src, plants, markets, demand in (
            (transport_workbook, EXT / "transport_dantzig" / "transport.json", 2, 3, 900),
            (cannery_workbook, EXT / "transport_dantzig" / "jump_cannery.json", 2, 3, 900)):
        inputs = read_inputs(conv(src, tmp_path / "t.xlsx"))
        assert len(inputs.tables["supply"]) == plants
        assert len({r["market"] for r in inputs.tables["demand"]}) == markets
        assert sum(r["quantity_t"] for r in inputs.tables["demand"]) == demand
        assert len(inputs.tables["routes"]) == plants * markets


def test_generator_is_deterministic_for_a_seed():
    assert generate("s", 3) == generate("s", 3)
    assert generate("s", 3) != generate("s", 4)
    f1, f2 = formulate(generate_inputs("s", 3)), formulate(generate_inputs("s", 3))
    assert f1.spec.stats() == f2.spec.stats()
    assert list(f1.spec.data) == list(f2.spec.data)


def test_generated_workbook_matches_the_in_memory_instance(tmp_path):
    book = write_instance("xs", 2, tmp_path / "xs.xlsx")
    a = run(book, tmp_path / "a.xlsx", write=False)
    b_spec = formulate(generate_inputs("xs", 2)).spec
    assert a.stats == b_spec.stats()
    assert a.result.proven_optimal


def test_named_sizes_grow_by_about_ten():
    nnz = [formulate(generate_inputs(s, 1)).spec.n_nonzeros for s in ("xs", "s", "m")]
    assert 300 <= nnz[0] <= 3000 and 3000 <= nnz[1] <= 30000 and 30000 <= nnz[2] <= 300000
    assert set(SIZES) == {"xs", "s", "m", "l"}


def test_pyomo_path_and_direct_path_agree(default_case):
    direct = default_case.report  # the direct path (the session's solve of the default case, tests/conftest.py)
    pyomo = run(DEFAULT_INPUT, write=False, via="pyomo")
    assert pyomo.result.proven_optimal
    assert pyomo.result.objective == pytest.approx(direct.result.objective, rel=1e-6)
    m = build_model(read_inputs(DEFAULT_INPUT))
    assert {"Ship", "Node_Balance", "Leg_Capacity", "Licence_Gate", "TotalCost"} <= {c.name for c in
                                                                                   m.component_objects()}


def test_export_mps_solves_to_the_same_optimum(tmp_path, default_case):
    import highspy
    out = tmp_path / "case.mps"
    assert main(["export", str(DEFAULT_INPUT), "--format", "mps", "-o", str(out)]) == EXIT_OK
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 1e-9)
    h.readModel(str(out))
    h.run()
    assert h.getInfo().objective_function_value == pytest.approx(default_case.report.result.objective, rel=1e-5)
    lp = tmp_path / "case.lp"
    assert main(["export", str(DEFAULT_INPUT), "--format", "lp", "-o", str(lp)]) == EXIT_OK
    assert "Node_Balance" in lp.read_text()


def bench_records(out):
    """The rows of the ``results`` sheet of a bench run written to ``out``, as dicts, and the workbook."""
    wb = openpyxl.load_workbook(out / "results.xlsx")
    rows = list(wb["results"].iter_rows(values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:]], wb


def test_bench_runs_end_to_end_on_the_smallest_size(tmp_path, capsys, default_case):
    """Every solver path on the smallest generated size; then the default case through the bench's case path on
    the product's path, built as users solve it (its Pyomo and MPS paths against the direct one on the default
    case: test_pyomo_path_and_direct_path_agree, test_export_mps_solves_to_the_same_optimum)."""
    out = tmp_path / "bench"
    code = main(["bench", "--sizes", "xs", "--cases", "none", "--solvers", "highs,appsi_highs,highs_mps,scip",
                 "-o", str(out)])
    text = capsys.readouterr().out
    assert code == EXIT_OK, text
    assert (out / "results.csv").exists() and (out / "stages_vs_nnz.png").exists()
    assert (out / "build_handover_by_solver.png").exists()
    recs, wb = bench_records(out)
    assert {"targets", "results", "stages"} <= set(wb.sheetnames)
    done = [r for r in recs if r["status"] != "skipped"]
    assert {r["instance"] for r in done} == {"gen-xs"}
    assert {r["solver"] for r in done} == {"highs", "appsi_highs", "highs_mps"}
    for r in done:
        assert r["status"] == "optimal"
        assert r["nonzeros"] > 0 and r["s_build"] > 0 and r["s_solve"] > 0 and r["peak_mb"] > 0
    objs = [r["objective"] for r in done]
    assert max(objs) == pytest.approx(min(objs), rel=1e-4)
    highs = [r for r in done if r["solver"] == "highs"]
    assert all(r["root_lp_bound"] <= r["objective"] + 1e-6 for r in highs)
    assert {r["objective_kind"] for r in done} == {"min_cost"}

    out = tmp_path / "bench-default"
    code = main(["bench", "--sizes", "none", "--cases", "default", "--objectives", "min_cost", "-o", str(out)])
    text = capsys.readouterr().out
    assert code == EXIT_OK, text
    default, _wb = bench_records(out)
    shipped = formulate(read_inputs(DEFAULT_INPUT)).spec  # the model users solve: with its disruption scenarios
    assert [(r["instance"], r["solver"], r["objective_kind"], r["status"]) for r in default] == [
        ("default", "highs", "min_cost", "optimal")]
    r = default[0]
    assert r["nonzeros"] == shipped.n_nonzeros and r["scenarios"] == 7
    assert r["s_build"] > 0 and r["s_solve"] > 0 and r["peak_mb"] > 0
    assert r["objective"] == pytest.approx(default_case.report.result.objective, rel=1e-6)
    assert r["root_lp_bound"] <= r["objective"] + 1e-6


def test_bench_times_every_security_objective_beside_min_cost(tmp_path):
    """A small case with a disruption, timed for min cost, every max_security metric and a 3-point frontier: one
    record per objective with its solve seconds over the min-cost solve's, and a target row per objective."""
    book = two_corridors().write(tmp_path / "tc.xlsx")
    wanted = "expected_shortfall,cvar_shortfall,worst_case_shortfall,max_dependence,frontier3"
    jobs = plan_jobs(tmp_path / "bench", cases=[], workbooks=[book], objectives=wanted)
    assert [j["objective"] for j in jobs] == ["min_cost", *wanted.split(",")]
    res = write_outputs(run_jobs(jobs, progress=lambda _text: None), tmp_path / "bench")
    df = res["frame"].set_index("objective_kind")
    assert list(df.index) == ["min_cost", *wanted.split(",")]
    assert set(df.status) == {"optimal"} and set(df.scenarios) == {2}
    for kind, r in df.iterrows():
        assert isinstance(r.x_min_cost, float) and r.x_min_cost > 0 and r.s_solve > 0, kind
        if kind != "min_cost":
            assert r.steps >= 2 and r.steps_proven == r.steps and not math.isnan(r.metric_value), kind
    assert df.at["min_cost", "x_min_cost"] == pytest.approx(1.0)
    assert df.at["min_cost", "objective"] == pytest.approx(600)  # route A only (tests/builders.two_corridors)
    assert df.at["expected_shortfall", "metric_value"] == pytest.approx(0.1)  # B costs more than the 10% budget
    # built with the metric's settings: max_dependence tracks transit countries, and all of K's ore crosses CN
    # (without the tracking it would read as the shortfall alone, 0.1)
    assert df.at["max_dependence", "metric_value"] == pytest.approx(1.0)
    assert df.at["frontier3", "points_proven"] == 3 and df.at["frontier3", "objective"] == pytest.approx(720)
    targets = res["targets"].set_index("instance").loc[["tc"]]
    text = " ".join(targets.target)
    for metric in ("expected_shortfall", "cvar_shortfall", "worst_case_shortfall", "max_dependence"):
        assert f"max_security {metric} solve vs its min-cost solve" in text
    assert "3-point frontier of expected_shortfall" in text
    assert set(targets.required) == {"<= 2 and proven", "<= 5 and proven"}
    assert all(isinstance(m, float) and m > 0 for m in targets.measured)
    wb = openpyxl.load_workbook(tmp_path / "bench" / "results.xlsx")
    head = next(wb["objectives"].iter_rows(values_only=True))
    assert {"objective_kind", "s_solve", "x_min_cost", "metric_value", "steps", "steps_proven"} <= set(head)


def test_bench_objectives_are_named_or_refused():
    assert parse_objectives("frontier5,expected_shortfall,frontier5") == ["min_cost", "frontier5", "expected_shortfall"]
    assert parse_objectives("all") == list(ALL) and ALL[-1] == "frontier5"
    for bad in ("max_cost", "frontier1", "frontier"):
        with pytest.raises(ValueError, match="unknown objective"):
            parse_objectives(bad)
    assert main(["bench", "--objectives", "max_cost"]) == EXIT_USAGE
