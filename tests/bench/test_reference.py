"""Published reference problems, converted to input workbooks and solved through the full workbook path."""
import hashlib

import pytest

from conftest import DATA, SHARED
from corridor.bench.reference import (
    orlib_cap_workbook,
    orlib_optima,
    parse_orlib_cap,
    transport_workbook,
)
from corridor.io.validate import read_inputs
from corridor.pipeline import run

EXT = DATA


def test_dantzig_transport_problem(tmp_path):
    book = transport_workbook(EXT / "transport_dantzig" / "transport.json", tmp_path / "transport.xlsx")
    rep = run(book, tmp_path / "out.xlsx")
    assert rep.result.proven_optimal
    assert rep.result.objective == pytest.approx(153.675, rel=1e-6)
    assert rep.tables["deliveries"]["shortfall_t"].sum() == pytest.approx(0, abs=1e-6)
    # supply limits hold: Seattle 350, San Diego 600
    out = rep.tables["route_flows"].groupby("origin")["tonnes"].sum()
    assert out["seattle"] <= 350 + 1e-6 and out["san-diego"] <= 600 + 1e-6


def test_orlib_cap41_through_the_workbook(tmp_path):
    src = EXT / "orlib_cap" / "cap41.txt"
    book = orlib_cap_workbook(src, tmp_path / "cap41.xlsx")
    caps, fixed, demand, _cost = parse_orlib_cap(src)
    inputs = read_inputs(book)  # converter round trip: counts and totals survive the workbook
    assert len(inputs.tables["sites"]) == len(caps) == 16
    assert len(inputs.tables["demand"]) == len(demand) == 50
    assert sum(r["quantity_t"] for r in inputs.tables["demand"]) == pytest.approx(sum(demand))
    rep = run(book, tmp_path / "cap41-solution.xlsx")
    assert rep.result.proven_optimal
    optimum = orlib_optima(EXT / "orlib_cap" / "capopt.txt")["cap41"]
    assert optimum == 1040444.375
    assert rep.result.objective == pytest.approx(optimum, rel=1e-6)


def test_the_reference_data_is_what_its_sources_say():
    """tests/data holds byte-for-byte copies (SHA256SUMS); with shared/external beside the repository, each
    file is also identical to its copy there."""
    sums = [line.split(None, 1) for line in (DATA / "SHA256SUMS").read_text().splitlines() if line.strip()]
    assert len(sums) == 16
    for digest, name in sums:
        path = DATA / name.strip()
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, name
        original = SHARED / "external" / name.strip()
        if original.exists():
            assert original.read_bytes() == path.read_bytes(), name
    listed = {name.strip().lstrip("./") for _d, name in sums}
    on_disk = {str(p.relative_to(DATA)) for p in DATA.rglob("*") if p.is_file()} - {"SHA256SUMS", "SOURCES.md"}
    assert listed == on_disk
