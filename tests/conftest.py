import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
SHARED = ROOT.parent / "shared"  # the team's collection beside the repository (not needed by the suite)
DATA = ROOT / "tests" / "data"  # the reference problems the suite solves (tests/data/SOURCES.md)


@pytest.fixture
def solve_net(tmp_path):
    """Write a `Net` to a workbook, solve it through the full workbook path, return the run report."""
    from corridor.pipeline import run

    def _solve(net, name="case"):
        path = net.write(tmp_path / f"{name}.xlsx")
        rep = run(path, tmp_path / f"{name}-solution.xlsx")
        assert rep.result.proven_optimal, rep.result.message
        return rep

    return _solve


def flows(rep, by=("route",)):
    """Total tonnes per key over the horizon from the route_flows table."""
    df = rep.tables["route_flows"]
    return df.groupby(list(by))["tonnes"].sum().to_dict() if len(df) else {}
