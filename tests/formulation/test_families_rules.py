"""Hand-solvable cases for licences and policies; optimum and decisive flows asserted."""
import pytest

from builders import Net
from conftest import flows


def two_sites(periods=1, horizon="cyclic", cn_cost=1.0, my_cost=5.0, cn_tech=None):
    """Ore from a KZ mine processed in CN (cheap) or MY, sold in JP."""
    n = (Net(periods=periods, horizon=horizon).node("M", "mine", "KZ").node("CN", "site", "CN")
         .node("MY", "site", "MY").node("K", "market", "JP").supply("M", 10_000)
         .site("CN", 1000, cost=cn_cost, **({"tech_origin": cn_tech} if cn_tech else {})).site("MY", 1000, cost=my_cost)
         .link("M-CN", "M", "CN").link("M-MY", "M", "MY")
         .link("CN-K", "CN", "K", commodity="reo", country="CN").link("MY-K", "MY", "K", commodity="reo", country="MY"))
    return n


def test_prohibited_end_use(solve_net):
    """CN exports need a licence (free here); CN exports to defense are prohibited.  Civil 10 t from CN at 1/t,
    defense 5 t from MY at 5/t: 10 + 25 = 35.  Ore needs no end-use earmark (no rule tells ore apart by end
    use); the MY output is earmarked for defense."""
    n = (two_sites().licence("CN-EXP", "export", "CN", commodity="reo", validity_periods=1)
         .licence("CN-MIL", "export", "CN", rule="prohibited", end_use="defense")
         .demand("K", 10).demand("K", 5, end_use="defense"))
    rep = solve_net(n)
    assert rep.result.objective == pytest.approx(35)
    f = flows(rep, ("route", "earmarked_end_use"))
    assert f == {("M-CN", "*"): pytest.approx(10), ("M-MY", "*"): pytest.approx(5),
                 ("CN-K", "*"): pytest.approx(10), ("MY-K", "defense"): pytest.approx(5)}
    assert rep.tables["deliveries"]["shortfall_t"].sum() == pytest.approx(0)


def test_controlled_content_follows_the_technology_not_the_site_country(solve_net):
    """The CN-country site uses JP technology; the MY site uses CN technology.  A controlled_content rule of
    CN prohibits defense use of CN-technology output: defense 5 t must come from the CN-country site."""
    n = (two_sites(cn_cost=5.0, my_cost=1.0).licence("CN-CC", "controlled_content", "CN", rule="prohibited",
                                                      end_use="defense"))
    n.sheets["sites"][0]["tech_origin"] = "JP"
    n.sheets["sites"][1]["tech_origin"] = "CN"
    n.demand("K", 10).demand("K", 5, end_use="defense")
    rep = solve_net(n)
    assert rep.result.objective == pytest.approx(10 * 1 + 5 * 5)
    f = flows(rep, ("route", "tech_origin_tag"))
    assert f[("MY-K", "CN")] == pytest.approx(10) and f[("CN-K", "-")] == pytest.approx(5)


def transit_case(periods=4, horizon="open", **lic):
    """Gated route G (1/t) runs through CN from KZ to JP; alternative A costs 20/t.  10 t a period."""
    n = (Net(periods=periods, horizon=horizon).node("M", "mine", "KZ").node("B", "border", "KZ")
         .node("K", "market", "JP").supply("M", 10_000)
         .leg("G1", "M", "B", cost=1).leg("G2", "B", "K", country="CN").route("G", ["G1", "G2"], corridor="China")
         .link("A", "M", "K", cost=20, corridor="West").demand("K", 10, commodity="ore"))
    n.licence("CN-TR", "transit", "CN", **lic)
    return n


def test_licence_lead_time_delays_the_flow(solve_net):
    """Licence: lead 2, validity 4, 100 per application, open horizon of 4 periods.  Apply in P1: covers P3-P4.
    P1, P2 by A (2*10*20 = 400), P3, P4 by G (20) + 100 = 520."""
    rep = solve_net(transit_case(lead_periods=2, validity_periods=4, application_cost=100))
    assert rep.result.objective == pytest.approx(520)
    f = flows(rep, ("route", "dispatch_period"))
    assert f == {("A", "P1"): pytest.approx(10), ("A", "P2"): pytest.approx(10), ("G", "P3"): pytest.approx(10),
                 ("G", "P4"): pytest.approx(10)}
    lic = rep.tables["licences"].set_index("period")
    assert lic.loc["P1", "applied"] == 1 and lic["held"].tolist() == [0, 0, 1, 1]
    assert lic["tonnes_covered"].tolist() == pytest.approx([0, 0, 10, 10])


def test_licence_validity_renewal(solve_net):
    """Validity 2, lead 0, 30 per application, open 4 periods: apply in P1 and P3; all by G: 40 + 60 = 100."""
    rep = solve_net(transit_case(validity_periods=2, application_cost=30))
    assert rep.result.objective == pytest.approx(100)
    lic = rep.tables["licences"].set_index("period")
    assert lic["applied"].tolist() == [1, 0, 1, 0] and lic["held"].tolist() == [1, 1, 1, 1]


def test_licence_quota_binds(solve_net):
    """Cyclic 2 periods, validity 2 (one licence covers the year), quota 50 t, 10 per application;
    demand 40 t a period: 50 t by G (1/t), 30 t by A (20/t): 50 + 600 + 10 = 660."""
    n = transit_case(periods=2, horizon="cyclic", validity_periods=2, quota_t=50, application_cost=10)
    n.sheets["demand"][0]["quantity_t"] = 40
    rep = solve_net(n)
    assert rep.result.objective == pytest.approx(660)
    f = flows(rep)
    assert f["G"] == pytest.approx(50) and f["A"] == pytest.approx(30)
    assert rep.tables["licences"]["tonnes_covered"].sum() == pytest.approx(50)


def test_required_licence_not_granted_acts_as_prohibited(solve_net):
    rep = solve_net(transit_case(validity_periods=4, granted="no"))
    assert rep.result.objective == pytest.approx(4 * 10 * 20)
    assert set(flows(rep)) == {"A"}
    dec = rep.tables["decisions"]
    assert ((dec.decision == "flow prohibited") & (dec.id == "G")).any()


def test_transit_rule_limited_to_destination_countries(solve_net):
    """A transit ban for destination US does not touch flows to JP: all by G at 1/t = 40."""
    rep = solve_net(transit_case(rule="prohibited", destination_country="US,KR"))
    assert rep.result.objective == pytest.approx(40)


def two_corridors(**route_kw):
    n = (Net().node("M", "mine").node("K", "market", "JP").supply("M", 1000)
         .link("A", "M", "K", cost=1, corridor="East", **route_kw).link("B", "M", "K", cost=2, corridor="West")
         .demand("K", 100, commodity="ore"))
    return n


def test_policy_max_share_by_corridor(solve_net):
    """East (1/t) at most 60% of the market's tonnes: 60 + 40*2 = 140."""
    rep = solve_net(two_corridors().policy("P", "K", "corridor", "East", max_share=0.6))
    assert rep.result.objective == pytest.approx(140)
    assert flows(rep) == {"A": pytest.approx(60), "B": pytest.approx(40)}
    sh = rep.tables["corridor_shares"].set_index("corridor")["share"]
    assert sh["East"] == pytest.approx(0.6)


def test_policy_min_share_by_route(solve_net):
    """At least 30% by route B: 70 + 30*2 = 130."""
    rep = solve_net(two_corridors().policy("P", "*", "route", "B", min_share=0.3))
    assert rep.result.objective == pytest.approx(130)


def test_policy_single_sourcing(solve_net):
    """A carries at most 60; without the policy 60 + 40*2 = 140; single sourcing forces all 100 on B = 200."""
    assert solve_net(two_corridors(max_volume_t=60), "free").result.objective == pytest.approx(140)
    rep = solve_net(two_corridors(max_volume_t=60).policy("ONE", "K", "max_active_routes", max_count=1), "one")
    assert rep.result.objective == pytest.approx(200)
    assert set(flows(rep)) == {"B"}


def test_policy_transit_country(solve_net):
    """No tonnes through CN: everything by A at 20/t over 1 period = 200."""
    n = transit_case(periods=1, validity_periods=1)
    n.sheets["licences"].clear()
    rep = solve_net(n.policy("NO-CN", "K", "transit_country", "CN", max_share=0))
    assert rep.result.objective == pytest.approx(200)


def test_policy_processing_country(solve_net):
    """No CN-processed tonnes into K: 10 t processed in MY at 5/t = 50 (else 10 in CN at 1/t)."""
    rep = solve_net(two_sites().demand("K", 10).policy("NO-CN", "K", "processing_country", "CN", max_share=0))
    assert rep.result.objective == pytest.approx(50)
    assert set(flows(rep)) == {"M-MY", "MY-K"}


def test_inactive_policy_is_ignored(solve_net):
    rep = solve_net(two_corridors().policy("P", "K", "corridor", "East", max_share=0.6, active="no"))
    assert rep.result.objective == pytest.approx(100)


def test_leg_capacity_holds_for_a_route_carrying_several_tags(solve_net):
    """A rule on defense tonnes splits the only route's flow into civil and defense tags; the route's single
    leg (10 t) still caps their sum: 10 delivered of 30, the 20 short at 1000 -> 20000 + 10*1 freight."""
    n = (Net().node("M", "mine", "KZ").node("K", "market", "JP").supply("M", 100, commodity="reo")
         .link("R", "M", "K", cost=1, cap=10, commodity="reo")
         .licence("KZ-DEF", "export", "KZ", end_use="defense", validity_periods=1)
         .demand("K", 15).demand("K", 15, end_use="defense"))
    rep = solve_net(n)
    assert rep.result.objective == pytest.approx(20010)
    assert flows(rep) == {"R": pytest.approx(10)}
    assert set(rep.tables["route_flows"].earmarked_end_use) <= {"*", "defense"}


def test_shared_leg_capacity_over_two_multi_tag_routes(solve_net):
    """Two routes share a 10 t leg and each carries civil and defense tags (a defense rule tells them apart):
    the leg still caps their sum.  10 of 30 delivered, 20 short at 1000, freight 1/t -> 20010."""
    n = (Net().node("M", "mine", "KZ").node("H").node("K", "market", "JP").supply("M", 100, commodity="reo")
         .leg("SH", "M", "H", cost=1, cap=10).leg("A", "H", "K").leg("B", "H", "K")
         .route("RA", ["SH", "A"], commodity="reo").route("RB", ["SH", "B"], commodity="reo")
         .licence("KZ-DEF", "export", "KZ", end_use="defense", validity_periods=1)
         .demand("K", 15).demand("K", 15, end_use="defense"))
    rep = solve_net(n)
    assert rep.result.objective == pytest.approx(20010)
    assert sum(flows(rep).values()) == pytest.approx(10)
    assert "Leg_Capacity" in rep_blocks(rep)


def rep_blocks(rep):
    from corridor.formulation.build import formulate
    from corridor.io.validate import read_inputs
    return {name for name, b in formulate(read_inputs(rep.input_path)).spec.row_blocks.items() if b.keys}


@pytest.mark.parametrize("order", [1, -1])
def test_policy_rows_in_any_order(solve_net, order):
    """A policy on a node without demand must not leak into a later market = * policy."""
    n = two_corridors()
    rows = [{"policy": "P-H", "market": "M", "measure": "corridor", "value": "East", "max_share": 0.0},
            {"policy": "P-ALL", "market": "*", "measure": "corridor", "value": "East", "max_share": 0.6}]
    n.sheets["policies"].extend(rows[::order])
    assert solve_net(n).result.objective == pytest.approx(140)
