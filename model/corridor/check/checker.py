"""The solution checker: `corridor check INPUT.xlsx SOLUTION.xlsx`.

Verifies a solution workbook (as `corridor solve` wrote it, or as a planner edited it by hand) against its
input workbook, with code written from the workbook contract (`shared/spec/workbook.md`) and the
project's documented interpretations (docs/formulation.md, docs/security.md), independently of the
optimisation model: it shares only the reading and validation of the input (`corridor.io.validate`).

Families, in the order they run (each documented in its own function):

- ``investment`` (`invest`, contract v2): the units decided per investment and period (whole, within
  max_units, not before earliest_period, one alternative of an exclusive_group), the units in service they give
  (from the decision + lead_periods), the figures of the investments and payers sheets;
- ``route``, ``leg capacity`` (`flow`): route-periods (arrival, max/min volume with seasonal
  factors), shared leg capacities in the period each leg is used;
- ``site``, ``storage``, ``demand``, ``balance``, ``supply`` (`flow`, `balance`): processing
  capacity / availability / opening / minimum, stock only where allowed and within capacity, deliveries
  and shortfall, node balances per commodity (supply derived from them, within its capacity; co-products made,
  reagents consumed and tonnes discarded included);
- ``plan``, ``disposal`` (`coproducts`, contract v2): the processing sheet's co-product and reagent rows follow
  from the input processed (site_products yields); the disposal sheet discards only commodities with a
  disposal_cost_per_t, at that cost (run before the balances, which count the discards);
- ``provenance`` (`tags`): the tag columns are consistent (tonnes of each tag balance at every
  node and period), so a hand edit cannot smuggle tonnes past a rule;
- ``licence``, ``policy`` (`rules`): prohibited flows, licences held, quotas, policy shares and
  counts;
- ``charge`` (`economics`, contract v2): the tonnes each tariff, tax, fee, subsidy and premium counts (routes and
  corridors in the dispatch period, legs in the period the tonnes enter them, sites on the input, markets on the
  tonnes delivered; commodity, period and processing-country filters), budgets of subsidies and premiums, the
  charges and charge_payers sheets;
- ``cost`` (`costs`): every cost line recomputed and compared with the solution; with years each line is a
  present value (every period's money times 1 / (1 + discount_rate)^(year - first year)); contract v2: revenue
  and the margin under max_margin, the disposal line and one line per kind of charge.

A site may have several rows, one per input commodity (contract v2): each is a process, checked on its own
(capacity, availability, opening, minimum throughput, cost), and the output of every process of a site enters
that node's balance; so do its co-products (made at their yields with the output, carrying the site's provenance,
each earmarked on its own), and the reagents it consumes leave it.  The capacity of a leg, a process, a supply or
a storage row is its base capacity plus what the investments in service add (times the target's capacity
factors; storage has none).  Demand rows may carry a min_fill (a share of quantity_t delivered in every period
and scenario) and a price_per_t (revenue under max_margin); licence rules with scope = chain read the
destination at the end of the chain (the tonnes' destination earmark).

``plan`` violations are cells of the solution that contradict the input or each other (an unknown id, a
reported figure that does not follow from the plan).  With disruption scenarios the plan sheets hold every
scenario's plan (a ``scenario`` column, the summary's ``plan_sheets_scenario`` first): each is checked against its
scenario's data (capacities, balances, provenance, licences held, policies, min_fill, charges), the first-stage
decisions (routes contracted, sites opened, licence applications, investments) once, and the expected cost over
the scenarios with the disruptions sheet's probabilities; a violation in another scenario's plan names it.  The
sheets that show one scenario only (licences' held and tonnes_covered, charges, charge_payers) are checked
against the plan sheets' scenario.
"""
from __future__ import annotations

from pathlib import Path

from corridor.check import balance as checker_balance
from corridor.check import coproducts as checker_coproducts
from corridor.check import costs as checker_costs
from corridor.check import economics as checker_economics
from corridor.check import flow as checker_flow
from corridor.check import invest as checker_invest
from corridor.check import rules as checker_rules
from corridor.check import tags as checker_tags
from corridor.check.case import derive
from corridor.check.common import BASE, CheckReport, Ctx, Violation, fmt
from corridor.check.plan import SolutionError, read_plan
from corridor.io.validate import read_inputs

__all__ = ["CheckReport", "SolutionError", "Violation", "check", "format_report"]


def check(input_path: str | Path, solution_path: str | Path) -> CheckReport:
    """Check the plan in ``solution_path`` against ``input_path``.

    Raises `corridor.io.issues.InputError` when the input is not valid and `SolutionError` when the solution
    workbook cannot be read, is incomplete, holds no plan or shows a scenario the input does not define.
    """
    inputs = read_inputs(input_path)
    plan = read_plan(solution_path)
    scenario = plan.scenario
    has_scenarios = bool(inputs.tables.get("disruptions"))
    case = derive(inputs, scenario)
    if scenario not in case.probabilities:
        known = ", ".join(case.probabilities)
        raise SolutionError(f"the solution's plan sheets show scenario '{scenario}', which the input does not "
                            f"define (scenarios: {known})")
    name = Path(solution_path).name
    for sheet, why in (("investments", case.investments), ("disposal", case.disposal), ("charges", case.charges)):
        if why and sheet not in plan.sheets:
            what = {"investments": "investments", "disposal": "disposal costs", "charges": "charges"}[sheet]
            raise SolutionError(f"{name} is not a complete solution workbook: sheet '{sheet}' is missing (the input "
                                f"has {what})")
    report = CheckReport(str(input_path), str(solution_path), scenario, len(case.probabilities))
    report.currency = str(plan.summary.get("currency", ("",))[0] or inputs.settings.get("currency") or "")
    sha = str(plan.summary.get("input_sha256", (None,))[0] or "")
    if sha and inputs.sha256 and sha != inputs.sha256:
        report.notes.append(f"the solution was written for an input with SHA-256 {sha[:12]}..., this input has "
                            f"{inputs.sha256[:12]}...: checked against this input")
    ctx = Ctx(case, plan, report)
    ctxs = [ctx] + [Ctx(derive(inputs, s), plan.view(s), report, primary=False) for s in plan.shown[1:]
                    if s in case.probabilities]
    _unknown_scenarios(ctx, plan)
    if has_scenarios:
        _note_scenarios(report, case, ctxs)
    report.checked = [c.case.scenario for c in ctxs]
    checker_invest.check_investments(ctx)  # first stage: decided once for every scenario
    checker_costs.check_years(ctx)
    for other in ctxs[1:]:
        other.decided, other.serving, other.inv_rows = ctx.decided, ctx.serving, ctx.inv_rows
    for c in ctxs:
        for family in SECOND_STAGE:
            family(c)
    checker_costs.check_costs(ctxs)
    report.notes = list(dict.fromkeys(report.notes))  # (a note every scenario makes is said once)
    report.notes.append("not checked: the report sheets derived from the plan (leg_use, corridor_shares, "
                        "corridor_periods, security" + (", capacity_in_service" if case.investments else "")
                        + ") and the security metrics")
    return report


SECOND_STAGE = (checker_flow.check_route_flows, checker_flow.check_legs, checker_flow.check_sites,
                checker_flow.check_storage, checker_flow.check_demand, checker_coproducts.check_coproducts,
                checker_balance.check_balances, checker_tags.check_provenance, checker_rules.check_licences,
                checker_rules.check_policies, checker_economics.check_charges)  # the families run per scenario


def _unknown_scenarios(ctx, plan):
    """``plan``: rows of the plan sheets that name a scenario the input does not define."""
    for sheet, by in plan.by_scenario.items():
        for name, recs in by.items():
            if name not in ctx.case.probabilities:
                ctx.add("plan", f"{sheet}: scenario '{name}' is not a scenario of the input (scenarios: "
                        f"{', '.join(ctx.case.probabilities)}); its rows are left out",
                        solution=[(sheet, r["_row"]) for r in recs])


def _note_scenarios(report, case, ctxs):
    shown = [c.case.scenario for c in ctxs]
    first = (f"the plan sheets' scenario '{case.scenario}' (probability {fmt(case.probability)}"
             + (", no disruption)" if case.scenario == BASE else ", its disruptions applied)"))
    if len(shown) > 1:
        report.notes.append(f"the plan sheets hold the plans of {len(shown)} scenarios, each checked against its "
                            f"scenario's data: {first} and {', '.join(shown[1:])}")
    else:
        report.notes.append(f"the plan sheets show scenario '{case.scenario}' (probability {fmt(case.probability)}); "
                            "they were checked against that scenario's data"
                            + (" (no disruption)" if case.scenario == BASE else " (its disruptions applied)"))
    left = [s for s in case.probabilities if s not in shown]
    if left:
        report.notes.append(f"the plan sheets hold no plan of scenario{'s' if len(left) > 1 else ''} "
                            f"{', '.join(left)}: only {'their' if len(left) > 1 else 'its'} costs on the scenarios "
                            "sheet count")


def format_report(report: CheckReport) -> list:
    """The lines `corridor check` prints: one per violation, the notes, then the summary line."""
    lines = [str(v) for v in report.violations]
    lines += [f"note: {n}" for n in report.notes]
    counts = ", ".join(f"{v} {k}" for k, v in report.counts.items())
    if counts:
        lines.append(f"checked: {counts}")
    cur = f" {report.currency}" if report.currency else ""
    if report.violations:
        fams = ", ".join(f"{k} {len(v)}" for k, v in report.by_family().items())
        n = len(report.violations)
        lines.append(f"{n} violation{'s' if n != 1 else ''} ({fams})")
    elif report.total is None:
        lines.append("no violation: the plan satisfies every rule of the input; its first-stage cost lines equal the "
                     "solution's (without a scenarios sheet the expected total cannot be recomputed)")
    else:
        what = "expected total cost" if report.scenarios > 1 else "total cost"
        what = what.replace("total cost", "margin") if report.margin else what
        lines.append(f"no violation: the plan satisfies every rule of the input; {what} {fmt(report.total)}{cur} "
                     f"equals the solution's objective {fmt(report.objective)}{cur}")
    return lines
