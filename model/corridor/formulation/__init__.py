"""Validated inputs -> the MIP as plain arrays (`spec.LinearSpec`); imports no solver.

`calendar` (periods, transit offsets, seasonal factors), `provenance` (tags: what a tonne must remember for
the rules), `disruptions` (the disruptions sheet as scenarios), `case_data` (every derived index, coefficient
and bound), `build` (the build order), `families` (the constraint families and their registry).
"""
