"""Build + hand-over of a generated instance against a raw highspy load of the same arrays (best of N).

    python docs/scripts/build_ratio.py SIZE [REPEAT]     # SIZE: xs, s, m, l (docs/benchmarks.md)
"""
import gc
import sys
import time

from corridor.bench.generator import generate_inputs
from corridor.bench.runner import raw_load_seconds
from corridor.formulation.build import formulate
from corridor.formulation.case_data import prepare
from corridor.solve.highs import to_highs

size = sys.argv[1]
inputs = generate_inputs(size, 1)
best: dict = {}
for _rep in range(int(sys.argv[2]) if len(sys.argv) > 2 else 3):
    gc.collect()
    t0 = time.perf_counter()
    d = prepare(inputs)
    t1 = time.perf_counter()
    f = formulate(d)
    t2 = time.perf_counter()
    h = to_highs(f.spec, dict(d.settings))
    t3 = time.perf_counter()
    del h
    raw = raw_load_seconds(f.spec)
    for k, v in (("prepare", t1 - t0), ("formulate", t2 - t1), ("handover", t3 - t2), ("build_handover", t3 - t0),
                 ("raw_load", raw)):
        best[k] = min(best.get(k, 9e9), v)
    del f, d
print(size, " ".join(f"{k} {v:.3f}" for k, v in best.items()),
      f"ratio {best['build_handover'] / best['raw_load']:.1f}")
