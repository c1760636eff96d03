"""Plan maps (`corridor.io.maps`, issue 19): the default case's map is a real PNG of the expected size beside the
solution and on its ``map`` sheet, with the corridors drawn in the charts' colours; it is drawn with no
network; a map that cannot be drawn never costs the solution; a study draws one map per run and a page of
small multiples; the network table says which corridors are closed and why."""
from __future__ import annotations

import json
import os
import socket
import warnings
from importlib import resources

import matplotlib.image
import numpy as np
import openpyxl
import pytest

from builders import Net
from corridor.io import maps
from corridor.io.charts import CORRIDOR_COLOURS, corridor_colours
from corridor.io.targets import kind_of
from corridor.io.units import FORMATS
from corridor.io.writer import write_solution
from corridor.studies.runner import run_study

PIXELS = (int(maps.MAP_SIZE[1] * maps.DPI), int(maps.MAP_SIZE[0] * maps.DPI))  # rows, columns: 640 x 1200


@pytest.fixture(scope="module")
def default(default_case):
    """The default case as `corridor solve` solves and writes it (the session's shared solve, tests/conftest.py:
    read-only): (run report, solution path)."""
    rep, out = default_case.report, default_case.solution
    assert rep.result.has_plan, rep.result.message
    return rep, out


def rgb(hexcolour: str) -> np.ndarray:
    hexcolour = hexcolour.lstrip("#")
    return np.array([int(hexcolour[i:i + 2], 16) for i in (0, 2, 4)]) / 255.0


def count(img: np.ndarray, hexcolour: str, tol: float = 0.02) -> int:
    """Pixels of ``img`` (floats 0..1, RGBA) within ``tol`` of ``hexcolour`` on each channel."""
    return int((np.abs(img[:, :, :3] - rgb(hexcolour)) <= tol).all(axis=2).sum())


def test_the_default_map_is_a_png_of_the_expected_size_beside_the_solution(default):
    rep, out = default
    png = out.with_name("kazakhstan_rare_earths-solution-map.png")
    assert rep.map_path == png and png.is_file()
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    img = matplotlib.image.imread(png)
    assert img.shape[:2] == PIXELS
    assert kind_of(png)[0] == "png"  # corridor's picture: a later run may replace it
    umask = os.umask(0)
    os.umask(umask)
    assert png.stat().st_mode & 0o777 == 0o666 & ~umask  # the user's normal permissions, not 0600


def test_the_map_draws_the_corridors_in_the_charts_colours(default):
    rep, out = default
    img = matplotlib.image.imread(maps.map_path(out))
    legs = rep.tables["network"]
    legs = legs[legs.element == "leg"]
    used = set(legs.loc[legs.status == "used", "corridor"])
    assert {"China", "Middle Corridor", "Northern"} <= used  # the default plan's main corridors
    colours = corridor_colours(legs.corridor)
    for corridor in used | set(legs.loc[legs.status == "closed", "corridor"]):
        assert count(img, colours[corridor]) > 40, corridor
    assert colours["China"] == CORRIDOR_COLOURS["China"]  # the workbook charts' colour
    drawn = set(legs.loc[legs.status.isin(("used", "closed")), "corridor"])
    for corridor in set(CORRIDOR_COLOURS) - drawn:  # e.g. Domestic: open but unused, so thin and grey
        assert count(img, CORRIDOR_COLOURS[corridor]) < 10, corridor
    assert count(img, maps.SEA) > img.shape[0] * img.shape[1] // 10  # the outline: sea and land
    assert count(img, maps.LAND) > img.shape[0] * img.shape[1] // 10


def test_the_solution_workbook_has_the_map_after_the_summary_and_its_data(default):
    rep, out = default
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[:2] == ["summary", "map"]
    assert len(wb["map"]._images) == 1
    rows = list(wb["network"].iter_rows(values_only=True))
    assert rows[0][:6] == ("element", "id", "kind", "corridor", "status", "tonnes")
    statuses = {r[4] for r in rows[1:] if r[0] == "leg"}
    assert statuses == {"used", "closed", "unused"}
    closed = [r for r in rows[1:] if r[0] == "leg" and r[4] == "closed"]
    assert any("CN-TRANSIT" in (r[-1] or "") for r in closed)  # China's transit licence is not granted
    lat = rows[0].index("lat") + 1
    assert wb["network"].cell(row=2, column=lat).number_format == FORMATS["deg"]  # a position, in degrees


def test_the_map_is_drawn_with_no_network(default, monkeypatch, tmp_path):
    def refuse(*args, **kwargs):
        raise OSError("no network in this test")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    maps.outline.cache_clear()  # read the shipped outline again, offline
    rep, _out = default
    png = maps.render_plan_map(rep.tables["network"], "offline")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(OSError):
        socket.create_connection(("example.org", 80))


def test_the_outline_is_shipped_package_data():
    data = resources.files("corridor.io").joinpath(maps.OUTLINE)
    text = data.read_text(encoding="utf-8")
    assert len(text) < 300_000
    countries = {c["iso_a3"] for c in json.loads(text)["countries"]}
    assert {"KAZ", "CHN", "JPN", "USA", "NLD", "GEO", "IRN"} <= countries
    assert "Natural Earth" in resources.files("corridor.io").joinpath("data/SOURCE.md").read_text(encoding="utf-8")


def test_the_frame_puts_the_pacific_inside_and_the_cut_in_the_atlantic():
    lons = [73.1, 139.65, -118.2, -115.53, 4.13, 27.76]  # the default case: Kazakhstan, Japan, US, EU
    cut = maps.cut_meridian(lons)
    assert -115.53 < cut < 4.13
    assert maps.unwrap(-118.2, cut) > 180 > maps.unwrap(139.65, cut)  # Long Beach east of Japan
    assert maps.cut_meridian([10.0, 20.0]) == pytest.approx(-165.0)


def test_a_map_that_cannot_be_drawn_never_costs_the_solution(default, monkeypatch, tmp_path):
    rep, out = default
    target = tmp_path / "plan.xlsx"
    stale = maps.map_path(target)
    stale.write_bytes(maps.map_path(out).read_bytes())  # an earlier run's map

    def broken(*args, **kwargs):
        raise RuntimeError("drawing failed")

    monkeypatch.setattr(maps, "render_plan_map", broken)
    with pytest.warns(maps.MapWarning, match="drawing failed"):
        write_solution(rep.tables, target)
    wb = openpyxl.load_workbook(target)
    assert "map" not in wb.sheetnames and "route_flows" in wb.sheetnames
    assert not stale.exists()  # no old map beside the new plan


def positioned(net: Net, where: dict) -> Net:
    for row in net.sheets["nodes"]:
        row["lat"], row["lon"] = where[row["node"]]
    return net


def test_a_study_draws_each_runs_map_and_a_page_of_them(tmp_path):
    n = Net(periods=1).node("M", "mine").node("K", "market", "JP")
    positioned(n, {"M": (49.8, 73.1), "K": (35.45, 139.65)})
    n.supply("M", 100, cost=1.0, commodity="ore")
    n.link("A", "M", "K", cost=10, cap=60, corridor="China").link("B", "M", "K", cost=20, corridor="Southern")
    n.demand("K", 80, commodity="ore")
    n.sheets["scenarios"] = [{"scenario": "closed-a", "sheet": "legs", "key": "A", "column": "capacity_t", "value": 0}]
    book = n.write(tmp_path / "case.xlsx")
    with warnings.catch_warnings():
        warnings.simplefilter("error", maps.MapWarning)
        rep = run_study(book, names=["closed-a"], workers=0, out_dir=tmp_path / "out", log=lambda s: None)
    assert rep.maps == tmp_path / "out" / "maps.png"
    page = matplotlib.image.imread(rep.maps)
    width, height = maps.PANEL_SIZE[0] * 2 * maps.DPI, (maps.PANEL_SIZE[1] + 1.6) * maps.DPI  # 2 panels, 1 row
    assert page.shape[:2] == (round(height), round(width))
    assert count(page, CORRIDOR_COLOURS["China"]) > 20 and count(page, CORRIDOR_COLOURS["Southern"]) > 20
    for name in ("base", "closed-a"):
        assert matplotlib.image.imread(tmp_path / "out" / f"{name}-map.png").shape[:2] == PIXELS
    network = openpyxl.load_workbook(tmp_path / "out" / "closed-a.xlsx")["network"]
    status = {(r[1], r[3]): (r[4], r[-1]) for r in network.iter_rows(min_row=2, values_only=True) if r[0] == "leg"}
    assert status[("A", "China")][0] == "closed" and "capacity" in status[("A", "China")][1]
    assert status[("B", "Southern")][0] == "used"


def test_a_policy_at_zero_share_is_a_closed_corridor(solve_net):
    n = Net(periods=1).node("M", "mine").node("K", "market", "JP")
    n.supply("M", 100, commodity="ore")
    n.link("A", "M", "K", cost=1, corridor="East").link("B", "M", "K", cost=2, corridor="West")
    n.demand("K", 50, commodity="ore")
    n.policy("NO-EAST", "K", "corridor", "East", max_share=0)
    rep = solve_net(n)
    legs = rep.tables["network"].set_index("id")
    assert legs.loc["A", "status"] == "closed" and legs.loc["A", "note"] == "policy NO-EAST"
    assert legs.loc["B", "status"] == "used" and legs.loc["B", "tonnes"] == pytest.approx(50)
    assert rep.map_path is None  # no node has a position: no map, and no warning
    assert "map" not in openpyxl.load_workbook(rep.output_path).sheetnames
