"""The gap of a generated instance after a 60 s solve, with and without the LP starting plan (solve/start.py).

    python docs/scripts/gap_at_60s.py SIZE off|on
"""
import sys
import time

from corridor.bench.generator import generate_inputs
from corridor.formulation.build import formulate
from corridor.solve.highs import solve_spec

inputs = generate_inputs(sys.argv[1], 1)
spec = formulate(inputs).spec
settings = dict(inputs.settings, time_limit_s=60)
if sys.argv[2] == "off":
    settings["heuristic_start"] = "no"
t = time.perf_counter()
r = solve_spec(spec, settings)
print(sys.argv[1], sys.argv[2], r.status, f"objective {r.objective} bound {r.bound} gap {r.gap} "
      f"wall {time.perf_counter() - t:.1f}s", r.stats.get("start"))
