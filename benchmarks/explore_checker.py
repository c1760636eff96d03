#!/usr/bin/env python3
"""The long random exploration behind the checker's property test: many random valid workbooks
(tests/property_books.py), each solved through the full workbook path and checked by `corridor check`.

    python benchmarks/explore_checker.py --examples 2000 [--seed 7] [--workers 2]

The suite runs the same property on a fixed, derandomized set of examples (tests/test_checker_property.py);
this runs fresh random ones (a seed per worker, printed, so a run can be repeated) and reports the first
failing workbook of each worker, shrunk by Hypothesis to its smallest form.  It exits 1 when any worker
finds one.  Not a test: it takes about 0.5 s an example on one core.
"""
from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def explore(job) -> tuple[int, int, str]:
    """(seed, examples run, "" or the failure) of one worker's share of the exploration."""
    seed, examples = job
    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as hypothesis_seed

    from property_books import check_one, workbooks

    count = [0]

    @hypothesis_seed(seed)
    @settings(max_examples=examples, deadline=None, database=None, print_blob=True,
              suppress_health_check=list(HealthCheck))
    @given(workbooks())
    def prop(book):
        count[0] += 1
        check_one(book)

    try:
        prop()
    except Exception:  # noqa: BLE001 - the shrunk failing example, reported by the parent
        return seed, count[0], traceback.format_exc(limit=8)
    return seed, count[0], ""


def main(argv=None) -> int:
    """Run the exploration (see the module docstring); 1 when any worker found a failing workbook."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--examples", type=int, default=2000, help="examples in all (default 2000)")
    ap.add_argument("--seed", type=int, default=None, help="first worker's seed (default: from the clock)")
    ap.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    args = ap.parse_args(argv)
    if args.examples < 1 or args.workers < 1:
        ap.error("--examples and --workers must be at least 1")
    first = args.seed if args.seed is not None else int(time.time())
    share = [args.examples // args.workers + (i < args.examples % args.workers) for i in range(args.workers)]
    jobs = [(first + i, n) for i, n in enumerate(share) if n]
    t0 = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(len(jobs)) as pool:
        results = pool.map(explore, jobs)
    total = sum(n for _s, n, _f in results)
    failures = [(s, f) for s, _n, f in results if f]
    print(f"{total} examples (seeds {', '.join(str(s) for s, _n in jobs)}) in {time.perf_counter() - t0:.0f} s: "
          f"{len(failures)} failing")
    for seed, failure in failures:
        print(f"--- seed {seed}:\n{failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
