"""Joint production (contract v2 ``site_products``): co-products, reagents and disposal, as model data.

A process ``s`` (a sites row) makes, per tonne of input, its output at ``yield`` and each co-product at its own
yield (``coproducts[s]``), and consumes each reagent at the site node (``reagents[s]``, yields as positive
amounts).  A commodity with ``commodities.disposal_cost_per_t`` may be discarded at any node (``disposal``).

Which tags exist: a process arc (input tag, output tag) is kept when its input can reach the site, each reagent
can reach the site node, and at least one of its outputs (the output or a co-product) can reach a use.  Its
other outputs are then *forced*: they get balance rows at the site node (and stock, discard and onward flows
where those exist), so a tonne made must go somewhere - a plan that makes a co-product it cannot use, store,
deliver or discard does not exist.
"""
from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from corridor.formulation.provenance import untag

if TYPE_CHECKING:
    from corridor.formulation.case_data import CaseData


def prepare_coproducts(d: CaseData, tables: dict) -> None:
    """``d.coproducts`` / ``d.reagents``: process id -> [(commodity, t per t of input)]; ``d.disposal``:
    commodity -> cost per tonne discarded; ``d.product_rows``: (process, commodity) -> site_products row."""
    pid = {(rec["site"], rec["input_commodity"]): s for s, rec in d.sites.items()}
    for r in tables.get("site_products", []):
        s = pid[(r["site"], r["input_commodity"])]
        d.product_rows[(s, r["commodity"])] = r["_row"]
        if r["yield"] > 0:
            d.coproducts[s].append((r["commodity"], r["yield"]))
        else:
            d.reagents[s].append((r["commodity"], -r["yield"]))
    for r in tables["commodities"]:
        if r.get("disposal_cost_per_t") is not None:
            d.disposal[r["commodity"]] = r["disposal_cost_per_t"]


def joint_arcs(d: CaseData, site_nodes: dict, live: set, live_at: dict) -> None:
    """``d.proc_arcs`` of every process that can run (``site_nodes``: node -> [(process, input commodity)]),
    the forced outputs added to ``live_at`` (node -> its tags), then the reagent and discard tags."""
    forced = set()  # outputs of the arcs kept: made jointly, they need balance rows even if no use is near
    for node, procs in site_nodes.items():
        for s, c_in in procs:
            d.proc_arcs[s] = live_arcs(d, s, node, [k for k in live_at[node] if untag(k)[0] == c_in], live, live_at)
            forced |= forced_outputs(d, s, node, d.proc_arcs[s], live)
    for (n, k) in sorted(forced - live):
        live_at[n].append(k)
    reagent_and_discard_tags(d, live_at)


def live_arcs(d: CaseData, s: str, node: str, inputs: list, live: set, live_at: dict) -> list:
    """The (input tag, output tag) arcs of process ``s`` at ``node`` worth having (see the module docstring);
    ``live_at``: node -> its live tags."""
    tg = d.tagging
    for c, _y in d.reagents.get(s, ()):
        if not any(untag(k)[0] == c for k in live_at.get(node, ())):
            return []  # a reagent that cannot reach the site node: the process cannot run
    arcs = []
    for k in inputs:
        co_live = any((node, k3) in live for opts in tg.coproduct_options(s, k) for k3 in opts)
        for k2 in tg.site_outputs(s, k):
            if (node, k2) in live or co_live:
                arcs.append((k, k2))
    return arcs


def forced_outputs(d: CaseData, s: str, node: str, arcs: list, live: set) -> set:
    """Every (node, tag) the arcs of process ``s`` make: their outputs, and per input tag and co-product the
    options it can be earmarked as (``d.co_options[(s, k_in)]``: [(commodity, yield, [tags])]; the live
    options, or the first one when none is live: the tonnes are made all the same)."""
    out = set()
    for k in dict.fromkeys(k for k, _k2 in arcs):
        opts = []
        for (c2, y), tags in zip(d.coproducts.get(s, ()), d.tagging.coproduct_options(s, k)):
            kept = [k3 for k3 in tags if (node, k3) in live] or tags[:1]
            opts.append((c2, y, kept))
            out.update((node, k3) for k3 in kept)
        if opts:
            d.co_options[(s, k)] = opts
    out.update((node, k2) for _k, k2 in arcs)
    return out


def reagent_and_discard_tags(d: CaseData, live_at: dict) -> None:
    """``d.reagent_tags[(s, c)]``: the tags of reagent c at process s's node; ``d.discard_tags[(n, c)]``: the
    tags of a disposable commodity c at node n (every node where it can be)."""
    for s, rs in d.reagents.items():
        if not d.proc_arcs.get(s):
            continue
        node = d.sites[s]["site"]
        for c, _y in rs:
            d.reagent_tags[(s, c)] = [k for k in live_at[node] if untag(k)[0] == c]
    if d.disposal:
        for n, ks in live_at.items():
            for k in ks:
                c = untag(k)[0]
                if c in d.disposal:
                    d.discard_tags.setdefault((n, c), []).append(k)


def coproduct_made(d: CaseData) -> dict:
    """(site node, commodity) -> the most its processes can make over the horizon as co-products (t)."""
    made = defaultdict(float)
    for (s, _p), (cap, _c, _m) in d.site_period.items():
        for c, y in d.coproducts.get(s, ()):
            made[(d.sites[s]["site"], c)] += cap * y
    return made
