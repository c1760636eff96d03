"""Re-solving numbers-only scenarios on a live HiGHS model (`model.resolve`) gives what a rebuild gives."""
from __future__ import annotations

import copy
from array import array

import pytest

from corridor.bench.generator import generate_inputs
from corridor.formulation.build import formulate
from corridor.formulation.spec import INF, LinearSpec
from corridor.io.validate import read_inputs
from corridor.pipeline import DEFAULT_INPUT
from corridor.solve.highs import run_highs, to_highs
from corridor.solve.persistent import (
    PersistentModel,
    apply_options,
    same_structure,
    scaled,
    start_violation,
)

REL = 1e-6


@pytest.fixture(scope="module")
def case():
    """The default case's validated inputs and base spec."""
    inputs = read_inputs(DEFAULT_INPUT)
    return inputs, formulate(inputs).spec


def numeric_edits(inputs) -> dict:
    """The three numbers-only scenarios of the brief."""
    return {"demand": scaled(inputs, "demand", "quantity_t", 1.1),  # x1.1: the base plan meets 0.9 of it
            "ferry": scaled(inputs, "legs", "capacity_t", 2.0, mode="ferry"),
            "ru": scaled(inputs, "legs", "cost_per_t", 0.5, country="RU")}


def fresh(spec, settings):
    """Objective (and status) of a rebuild: a new Highs from ``spec``."""
    res, _x = run_highs(to_highs(spec, settings), spec)
    return res


def relaxed(spec):
    """``spec`` with every integer flag dropped (the LP relaxation: solves in a fraction of a second)."""
    spec.integer = array("b", bytes(len(spec.integer)))
    return spec


def close(a, b):
    """Objectives equal within the relative tolerance."""
    return a is not None and b is not None and abs(a - b) <= REL * max(1.0, abs(b))


def tiny(cost=1.0, cap=10.0, coef=2.0, demand=4.0) -> LinearSpec:
    """A two-column LP: min cost*a + 3*b, ``coef*a + b >= demand``, ``a <= cap``, ``b`` free above."""
    s = LinearSpec()
    cols = s.add_vars("flow", ["a", "b"], lb=0.0, ub=[cap, None])
    s.add_row(s.block("meet"), "m", [cols["a"], cols["b"]], [coef, 1.0], lo=demand, hi=INF)
    s.add_cost("freight", [cols["a"], cols["b"]], [cost, 3.0], constant=7.0)
    return s


# -- structure ------------------------------------------------------------------------------------------
def test_numeric_edits_keep_the_structure_and_policies_change_it(case):
    """The three numeric edits keep the structure; a policy switched on or a licence granted changes it."""
    inputs, base = case
    for name, edited in numeric_edits(inputs).items():
        assert same_structure(base, formulate(edited).spec), name
    switched = copy.deepcopy(inputs)
    switched.tables["policies"][4]["active"] = "yes"  # EU-DIVERSIFY-CHINA on: new share rows
    assert not same_structure(base, formulate(switched).spec)
    granted = copy.deepcopy(inputs)
    for row in granted.tables["licences"]:
        if row["licence"] == "CN-TRANSIT":
            row["granted"] = "yes"
    assert not same_structure(base, formulate(granted).spec)
    assert not same_structure(base, LinearSpec())
    assert same_structure(LinearSpec(), LinearSpec())


# -- a two-stage MIP by hand: the base plan as start, every numeric edit in place -----------------------------
def two_stage_mip(tmp_path):
    """Mine M (KZ) -> market K (JP), 100 t ore demanded (shortfall 50 USD/t, at least half delivered in every
    scenario: min_fill 0.5).  Route A (East, through CN) 1 USD/t, 90 t, 10 to contract; route B (West, through
    GE) 2 USD/t, 600 to contract; east-closed (probability 0.1) closes East.  Two binaries (A, B contracted) over
    two scenarios.  A alone cannot fill half of K's demand when East is closed, so every plan contracts B:
      base:        A and B: 610 + 0.9*(90*1 + 10*2) + 0.1*100*2            = 729
      demand x1.1: A and B: 610 + 0.9*(90*1 + 20*2) + 0.1*110*2            = 749
      A's 180 t:   A and B: 610 + 0.9*100*1 + 0.1*100*2                    = 720
      CN legs at half cost: 610 + 0.9*(90*0.5 + 10*2) + 0.1*100*2          = 688.5"""
    from builders import Net
    n = (Net(periods=1).node("M", "mine").node("K", "market", "JP").supply("M", 1000)
         .link("A", "M", "K", cost=1, cap=90, corridor="East", country="CN", fixed_cost=10)
         .link("B", "M", "K", cost=2, corridor="West", country="GE", fixed_cost=600)
         .demand("K", 100, commodity="ore", penalty=50, min_fill=0.5)
         .disruption("east-closed", 0.1, "corridor", "East"))
    return read_inputs(n.write(tmp_path / "two-stage.xlsx"))


def test_two_stage_mip_reuse_equals_rebuild_then_back_to_base(tmp_path):
    """A two-stage MIP (tiny, by hand): demand x1.1 re-solved in place with the base plan as start (a valid MIP
    start: the demand rows only bound deliveries above) equals a rebuild and the hand optimum 749; so do the
    other numeric edits in sequence, each from the base plan; back to the base equals the base, 729."""
    inputs = two_stage_mip(tmp_path)
    f = formulate(inputs)
    base = f.spec
    assert f.two_stage and list(f.views) == ["base", "east-closed"] and sum(base.integer) == 2
    settings = dict(inputs.settings)
    pm = PersistentModel(base, settings)
    res0, x0, reused = pm.solve(base)
    assert res0.status == "optimal" and close(res0.objective, 729.0)
    spec = formulate(numeric_edits(inputs)["demand"]).spec
    assert start_violation(spec, x0) <= 1e-6  # the base plan is a valid MIP start for this scenario
    res, x, reused = pm.solve(spec, start=x0)
    ref = fresh(spec, settings)
    assert reused and res.stats["reused"] and res.stats["start_passed"]
    assert res.stats["changes"]["row_bounds"] > 0  # the min_fill rows of both scenarios
    assert res.status == ref.status == "optimal"
    assert close(res.objective, ref.objective) and close(res.objective, 749.0)
    assert len(x) == spec.n_cols
    for edited, hand in ((scaled(inputs, "legs", "capacity_t", 2.0, country="CN"), 720.0),
                         (scaled(inputs, "legs", "cost_per_t", 0.5, country="CN"), 688.5)):
        spec = formulate(edited).spec
        assert start_violation(spec, x0) <= 1e-6
        res, x, reused = pm.solve(spec, start=x0)
        ref = fresh(spec, settings)
        assert reused and res.stats["start_passed"] and res.status == ref.status == "optimal"
        assert close(res.objective, ref.objective) and close(res.objective, hand)
    back, _x, reused = pm.solve(formulate(inputs).spec)  # no leftover of the edited scenarios
    assert reused and back.status == "optimal" and close(back.objective, res0.objective)


# -- the default case's LP relaxation: every edit, in sequence --------------------------------------------
def test_default_case_lp_sequence_each_equals_its_rebuild(case):
    """Default case relaxed to an LP: a sequence of edits, each re-solve equals its rebuild (nothing left over)."""
    inputs, _base = case
    settings = dict(inputs.settings)
    edits = numeric_edits(inputs)
    pm = PersistentModel(relaxed(formulate(inputs).spec), settings)
    objectives, refs = {}, {}
    for name in ("demand", "ferry", "ru", "base", "ru", "demand"):
        spec = relaxed(formulate(inputs if name == "base" else edits[name]).spec)
        res, _x, reused = pm.solve(spec)
        ref = refs.get(name) or refs.setdefault(name, fresh(spec, settings))  # a second visit: the same rebuild
        assert reused, name
        assert res.status == ref.status == "optimal", name
        assert close(res.objective, ref.objective), name
        assert close(objectives.setdefault(name, res.objective), res.objective), name
    assert not close(objectives["demand"], objectives["base"])
    assert not close(objectives["ru"], objectives["base"])


# -- a generated MIP: numeric edits reuse, a structural edit rebuilds ---------------------------------------
def test_generated_mip_numeric_reuse_and_structural_rebuild():
    """Generated MIP: numeric edits are reused, a policy switched off rebuilds; every objective equals a rebuild's."""
    inputs = generate_inputs("xs", 1)
    settings = dict(inputs.settings, mip_rel_gap=1e-9)
    base = formulate(inputs).spec
    pm = PersistentModel(base, settings)
    res0, x0, _ = pm.solve(base)
    structural = copy.deepcopy(inputs)
    for row in structural.tables["policies"]:
        if row["policy"] == "CAP-China":
            row["active"] = "no"
    steps = [(numeric_edits(inputs)["demand"], True), (structural, False), (inputs, False),
             (numeric_edits(inputs)["ru"], True), (numeric_edits(inputs)["ferry"], True), (inputs, True)]
    for inp, expect_reused in steps:
        spec = formulate(inp).spec
        res, _x, reused = pm.solve(spec, start=x0)
        ref = fresh(spec, settings)
        assert reused is expect_reused and res.stats["reused"] is expect_reused
        assert res.status == ref.status
        assert close(res.objective, ref.objective)
    assert close(res.objective, res0.objective)


# -- hand-made LPs: every kind of change, infinities, bad starts, the empty model ----------------------------
def test_tiny_lp_costs_bounds_coefficients_and_offset():
    """A cost, a bound, a coefficient, a right-hand side and an infinite bound changed in place equal a rebuild."""
    pm = PersistentModel(tiny(), {})
    for spec in (tiny(cost=5.0), tiny(cap=1.0), tiny(coef=0.5), tiny(demand=9.0, cap=INF), tiny()):
        res, _x, reused = pm.solve(spec)
        ref = fresh(spec, {})
        assert reused
        assert res.status == ref.status == "optimal"
        assert close(res.objective, ref.objective)
    assert close(res.objective, 7.0 + 2.0)  # a = 2 at cost 1, plus the constant 7


def test_start_of_wrong_length_is_skipped_and_settings_are_applied():
    """A start of the wrong length is skipped; settings are applied, absent ones reset to HiGHS's defaults."""
    pm = PersistentModel(tiny(), {"time_limit_s": 5, "mip_rel_gap": 0.01})
    assert pm.h.getOptionValue("time_limit")[1] == 5.0
    res, _x, reused = pm.solve(tiny(cost=2.0), start=[1.0, 2.0, 3.0])
    assert reused and not res.stats["start_passed"] and res.status == "optimal"
    res, _x, _ = pm.solve(tiny(cost=2.0), settings={})  # absent options go back to HiGHS's defaults
    assert pm.h.getOptionValue("time_limit")[1] == float("inf")
    assert pm.h.getOptionValue("mip_rel_gap")[1] == pytest.approx(1e-4)
    apply_options(pm.h, {"time_limit_s": 3})  # 3 s for the next run: HiGHS counts its limit over all runs
    assert pm.h.getOptionValue("time_limit")[1] == pytest.approx(pm.h.getRunTime() + 3.0)
    res, _x, _ = pm.solve(tiny(cost=2.0), start=[4.0, 0.0])
    assert res.stats["start_passed"] and close(res.objective, 7.0 + 4.0)


def test_empty_model_follows_run_highs():
    """A model without columns gives what `run_highs` gives; going to or from it rebuilds."""
    empty = LinearSpec()
    empty.add_cost("fixed", [], [], constant=5.0)
    pm = PersistentModel(empty, {})
    res, x, reused = pm.solve(empty)
    ref, xr = run_highs(to_highs(empty, {}), empty)
    assert (res.status, res.objective, x) == (ref.status, ref.objective, xr) == ("optimal", 5.0, [])
    res, _x, reused = pm.solve(tiny())  # from the empty model to a real one: rebuilt
    assert not reused and close(res.objective, fresh(tiny(), {}).objective)
    res, x, reused = pm.solve(LinearSpec())
    assert not reused and res.objective == 0.0 and x == []


def test_extra_highs_options_survive_a_rebuild_and_unknown_ones_raise():
    """Extra HiGHS options stay set after a rebuild; an unknown option raises."""
    pm = PersistentModel(tiny(), {}, options={"mip_heuristic_run_rins": False})
    assert pm.h.getOptionValue("mip_heuristic_run_rins")[1] is False
    _res, _x, reused = pm.solve(LinearSpec())  # another structure: rebuilt with the same extra options
    assert not reused and pm.h.getOptionValue("mip_heuristic_run_rins")[1] is False
    with pytest.raises(RuntimeError):
        PersistentModel(tiny(), {}, options={"no_such_option": 1})
