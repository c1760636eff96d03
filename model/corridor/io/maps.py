"""Maps of plans, drawn offline with matplotlib from a solution's ``network`` table (`corridor.results.network`).

What a map shows:

- coastlines and country borders: Natural Earth 1:110m countries, public domain, shipped in the package
  (``io/data/ne_110m_countries.json``, see ``io/data/SOURCE.md``); nothing is downloaded;
- the nodes by kind (mine, site, port, border, hub, market: one marker each, in the legend), markets, sites
  and mines labelled;
- the legs the plan uses, as straight lines between their nodes (a schematic: not the track or the sea lane),
  one line per corridor over the leg, in the corridor's colour (`charts.CORRIDOR_COLOURS`, the colours of the
  workbook charts), wider with more tonnes (width grows with the square root of the tonnes over the horizon);
- closed or prohibited corridors (the model may send them nothing in the plan sheets' scenario: a licence
  refused, a policy capping them at zero, no capacity, a disruption of that scenario) dashed in their colour;
- open legs the plan does not use, thin and grey.

Projection: plain longitude/latitude (equal degrees both ways).  The map is cut at the meridian in the middle of
the widest stretch of longitude without a node, so a case that spans Europe to Japan and the US west coast is
drawn with the Pacific inside the map (Long Beach east of Japan) and the Atlantic at the cut; the latitudes
shown are widened to fill the frame.

`plan_map_png` renders one plan, `plan_maps_png` a page of small multiples (one panel per run, one extent);
`add_map_sheet` puts a picture on a workbook's ``map`` sheet; `write_map` writes a PNG atomically
(`files.replace_atomically`).  A failure to draw is a `MapWarning`, never an exception: the plan is written
without its map.
"""
from __future__ import annotations

import functools
import io
import json
import math
import warnings
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from corridor.io.charts import corridor_colours
from corridor.io.files import replace_atomically
from corridor.io.targets import kind_of

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from openpyxl import Workbook

OUTLINE = "data/ne_110m_countries.json"  # package data of corridor.io (SOURCE.md beside it)
DPI = 100
MAP_SIZE = (12.0, 6.4)  # inches: one plan's map is 1200 x 640 pixels
PANEL_SIZE = (6.0, 3.2)  # inches per panel of the small multiples
PANEL_SCALE = 0.6  # their line widths
PNG_METADATA = {"Software": "corridor map"}  # `targets.kind_of` knows corridor's pictures by this
NODE_STYLE = {  # node kind -> (marker, face colour, size)
    "mine": ("^", "#3A3A3A", 60), "site": ("s", "#FFFFFF", 42), "port": ("o", "#7F7F7F", 30),
    "border": ("D", "#FFFFFF", 18), "hub": ("h", "#BFBFBF", 36), "market": ("*", "#FFD966", 130),
}
LABELLED = ("market", "mine", "site")  # the kinds labelled, in this order of precedence
LAND, SEA, BORDER, UNUSED = "#EFEFEA", "#DDE9F3", "#A6A6A6", "#B3B3B3"


class MapWarning(UserWarning):
    """A plan's map could not be drawn or written (the plan itself is written without it)."""


def map_path(solution: str | Path) -> Path:
    """Where the map of the solution workbook ``solution`` goes: ``<stem>-map.png`` beside it."""
    solution = Path(solution)
    return solution.with_name(f"{solution.stem}-map.png")


@functools.lru_cache(maxsize=1)
def outline() -> tuple:
    """The shipped countries as ``(rings, lon ranges)``: each ring an (n, 2) array of lon/lat, each range
    (min lon, max lon) of its ring."""
    data = json.loads(resources.files("corridor.io").joinpath(OUTLINE).read_text(encoding="utf-8"))
    rings = [np.asarray(r, dtype=float).reshape(-1, 2) for c in data["countries"] for r in c["rings"]]
    return rings, np.array([(r[:, 0].min(), r[:, 0].max()) for r in rings])


def cut_meridian(lons: Sequence[float]) -> float:
    """The western edge of an unwrapped frame: the middle of the widest gap between the longitudes (going
    round), so that every longitude lies in ``[cut, cut + 360)`` with no node near the cut."""
    xs = sorted({float(x) % 360 for x in lons})
    if not xs:
        return -180.0
    if len(xs) == 1:
        return xs[0] - 180.0
    gaps = [(xs[(i + 1) % len(xs)] - x) % 360 or 360 for i, x in enumerate(xs)]
    i = int(np.argmax(gaps))
    cut = (xs[i] + gaps[i] / 2) % 360
    return cut - 360 if cut > 180 else cut


def unwrap(lon: float, cut: float) -> float:
    """``lon`` moved by whole turns into ``[cut, cut + 360)``."""
    return cut + (float(lon) - cut) % 360


def drawable(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(nodes, legs) of a ``network`` table that have positions at both ends."""
    num = table.copy()
    for c in ("lat", "lon", "to_lat", "to_lon", "tonnes"):
        num[c] = pd.to_numeric(num[c], errors="coerce")
    nodes = num[(num.element == "node") & num.lat.notna() & num.lon.notna()]
    legs = num[(num.element == "leg") & num[["lat", "lon", "to_lat", "to_lon"]].notna().all(axis=1)]
    return nodes, legs


def extent(tables: Sequence[pd.DataFrame], box: tuple[float, float]) -> tuple[float, float, float, float, float]:
    """``(cut, west, east, south, north)`` of a frame that fits the nodes of every table with a margin,
    widened to the width:height ratio of ``box`` (inches) at equal degrees both ways."""
    lats, lons = [], []
    for t in tables:
        nodes, _legs = drawable(t)
        lats += nodes.lat.tolist()
        lons += nodes.lon.tolist()
    if not lons:
        raise ValueError("no node has a position (lat and lon on the nodes sheet)")
    cut = cut_meridian(lons)
    xs = [unwrap(x, cut) for x in lons]
    west, east, south, north = min(xs), max(xs), min(lats), max(lats)
    pad = max(4.0, 0.06 * max(east - west, north - south))
    west, east, south, north = west - pad, east + pad, south - pad, north + pad
    ratio = box[0] / box[1]
    width, height = east - west, north - south
    if width / height > ratio:  # too wide: show more latitudes, within the poles
        extra = width / ratio - height
        south, north = south - extra / 2, north + extra / 2
        if north > 90:
            south, north = south - (north - 90), 90.0
        if south < -90:
            south, north = -90.0, min(90.0, north + (-90 - south))
    else:
        extra = height * ratio - width
        west, east = west - extra / 2, east + extra / 2
    return cut, west, east, south, north


def width_of(tonnes: float, most: float, scale: float = 1.0) -> float:
    """Line width (points) of a leg carrying ``tonnes`` when the widest carries ``most`` (``scale``: smaller
    panels)."""
    return scale * (1.2 + 6.0 * math.sqrt(max(tonnes, 0.0) / most)) if most > 0 else 1.2 * scale


def draw_plan(ax: Axes, table: pd.DataFrame, frame: tuple, colours: dict, most: float, labels: bool = True,
              scale: float = 1.0) -> None:
    """Draw the outline, the legs and the nodes of one ``network`` table on ``ax`` in ``frame`` (`extent`);
    ``labels``: name the markets, mines and sites (one label per 3 degrees); ``scale``: line widths."""
    from matplotlib.collections import LineCollection, PolyCollection

    cut, west, east, south, north = frame
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_facecolor(SEA)
    ax.set_xticks([])
    ax.set_yticks([])
    rings, spans = outline()
    polys = [r + [k, 0] for r, (lo, hi) in zip(rings, spans) for k in (-360.0, 0.0, 360.0)
             if hi + k >= west and lo + k <= east]
    ax.add_collection(PolyCollection(polys, facecolors=LAND, edgecolors=BORDER, linewidths=0.4, zorder=1))
    nodes, legs = drawable(table)

    def seg(r):
        return [(unwrap(r.lon, cut), r.lat), (unwrap(r.to_lon, cut), r.to_lat)]

    unused = legs[legs.status == "unused"]
    if len(unused):
        ax.add_collection(LineCollection([seg(r) for r in unused.itertuples()], colors=UNUSED, linewidths=0.7,
                                         zorder=2))
    closed = legs[legs.status == "closed"]
    if len(closed):
        ax.add_collection(LineCollection([seg(r) for r in closed.itertuples()], linestyles=(0, (4, 2.5)),
                                         colors=[f"#{colours.get(str(r.corridor), '808080')}"
                                                 for r in closed.itertuples()], linewidths=1.3, zorder=3))
    used = legs[legs.status == "used"].sort_values("tonnes", ascending=False)  # the thin ones on top
    if len(used):
        ax.add_collection(LineCollection([seg(r) for r in used.itertuples()], capstyle="round", zorder=4,
                                         colors=[f"#{colours.get(str(r.corridor), '808080')}"
                                                 for r in used.itertuples()],
                                         linewidths=[width_of(r.tonnes, most, scale) for r in used.itertuples()]))
    for kind, (marker, face, size) in NODE_STYLE.items():
        these = nodes[nodes.kind == kind]
        if len(these):
            ax.scatter([unwrap(x, cut) for x in these.lon], these.lat, marker=marker, s=size if labels else size / 2,
                       facecolors=face, edgecolors="#202020", linewidths=0.7, zorder=5)
    if labels:
        placed = []  # the markets first, then the mine, then the sites; none within 3 degrees of another
        for kind in LABELLED:
            for r in nodes[nodes.kind == kind].itertuples():
                x = unwrap(r.lon, cut)
                if any(abs(x - px) < 3 and abs(r.lat - py) < 3 for px, py in placed):
                    continue
                placed.append((x, r.lat))
                ax.annotate(str(r.id), (x, r.lat), xytext=(4, 3), textcoords="offset points", fontsize=6.5,
                            color="#202020", zorder=6)


def legend_handles(corridors: Sequence[str], colours: dict, most: float, kinds: Sequence[str],
                   scale: float = 1.0) -> tuple:
    """(corridor and line-style handles, node kind handles, width handles) for the legend."""
    from matplotlib.lines import Line2D

    lines = [Line2D([], [], color=f"#{colours[c]}", lw=3, label=c) for c in corridors]
    lines += [Line2D([], [], color="#595959", lw=1.3, ls=(0, (4, 2.5)), label="closed or prohibited"),
              Line2D([], [], color=UNUSED, lw=0.9, label="open, not used")]
    marks = [Line2D([], [], ls="", marker=NODE_STYLE[k][0], markerfacecolor=NODE_STYLE[k][1],
                    markeredgecolor="#202020", markersize=8 if k == "market" else 6, label=k)
             for k in NODE_STYLE if k in kinds]
    widths = []
    if most > 0:
        step = 10 ** math.floor(math.log10(most))
        for t in dict.fromkeys(v for v in (round(most / step) * step, step, step / 10) if 0 < v <= most * 1.01):
            widths.append(Line2D([], [], color="#595959", lw=width_of(t, most, scale), label=f"{t:,.0f} t"))
    return lines, marks, widths


def map_title(tables: dict, solution: str | Path | None = None) -> str:
    """The map's title: the case (input file stem; with the solution's name when it is not the default
    ``<case>-solution``), the objective and its value, and a note when the plan is not proven optimal."""
    summary = tables.get("summary")
    info = summary.set_index("item")["value"].to_dict() if summary is not None and len(summary) else {}
    case = Path(str(info.get("input_file") or "plan")).stem
    if solution is not None and Path(solution).stem != f"{case}-solution":
        case = f"{case}: {Path(solution).stem}"
    kind, value, cur = info.get("objective_kind", "objective"), info.get("objective"), info.get("currency") or ""
    if kind == "max_security" and info.get("security_metric_value") is not None:
        what = f"max_security: {info.get('security_metric')} {float(info['security_metric_value']):.2%}"
    elif isinstance(value, (int, float)) and math.isfinite(value):
        what = f"{kind}: {'margin' if kind == 'max_margin' else 'objective'} {value:,.0f} {cur}".rstrip()
    else:
        what = str(kind)
    if str(info.get("proven_optimal", "yes")) == "no":
        gap = info.get("relative_gap")
        what += f" (not proven optimal, gap {gap:.2%})" if isinstance(gap, (int, float)) else " (not proven optimal)"
    return f"{case} - {what}"


def _figure(size: tuple[float, float]):
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    return Figure(figsize=size, dpi=DPI)


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata=PNG_METADATA)
    return buf.getvalue()


def _corridors(tables: Sequence[pd.DataFrame]) -> tuple[dict, list, float, list]:
    """(colours of every corridor, corridors used or closed somewhere, most tonnes on a leg, node kinds)."""
    every, shown, most, kinds = set(), [], 0.0, set()
    for t in tables:
        nodes, legs = drawable(t)
        every |= {str(c) for c in t.loc[t.element == "leg", "corridor"].dropna()}
        shown += [str(c) for c in legs.loc[legs.status.isin(("used", "closed")), "corridor"]]
        if len(legs):
            most = max(most, float(legs.tonnes.max()))
        kinds |= set(nodes.kind)
    return corridor_colours(every), sorted(set(shown)), most, sorted(kinds)


def render_plan_map(table: pd.DataFrame, title: str) -> bytes:
    """The PNG (`MAP_SIZE` at `DPI`) of one plan's ``network`` table; raises on failure (`plan_map_png` warns)."""
    fig = _figure(MAP_SIZE)
    ax = fig.add_axes((0.01, 0.14, 0.98, 0.80))
    box = (MAP_SIZE[0] * 0.98, MAP_SIZE[1] * 0.80)
    colours, shown, most, kinds = _corridors([table])
    draw_plan(ax, table, extent([table], box), colours, most)
    ax.set_title(title, fontsize=11)
    lines, marks, widths = legend_handles(shown, colours, most, kinds)
    fig.legend(handles=lines, loc="lower left", ncol=max(1, math.ceil(len(lines) / 2)), fontsize=7.5, frameon=False,
               bbox_to_anchor=(0.01, 0.0), title="corridor (plan's tonnes, all periods)", title_fontsize=7.5)
    fig.legend(handles=marks, loc="lower center", ncol=math.ceil(len(marks) / 2) or 1, fontsize=7.5, frameon=False,
               bbox_to_anchor=(0.66, 0.0), title="node", title_fontsize=7.5)
    if widths:
        fig.legend(handles=widths, loc="lower right", fontsize=7.5, frameon=False, bbox_to_anchor=(0.99, 0.0),
                   title="tonnes on a leg", title_fontsize=7.5)
    return _png(fig)


def render_plan_maps(panels: Sequence[tuple[str, pd.DataFrame]], title: str = "") -> bytes:
    """The PNG of small multiples: one panel per ``(title, network table)``, all in one frame, one legend."""
    n = len(panels)
    if not n:
        raise ValueError("no plan to draw")
    cols = 1 if n == 1 else 2 if n <= 4 else 3
    rows = math.ceil(n / cols)
    legend_h, top_h = 1.1, 0.5
    size = (cols * PANEL_SIZE[0], rows * PANEL_SIZE[1] + legend_h + top_h)
    fig = _figure(size)
    tables = [t for _name, t in panels]
    colours, shown, most, kinds = _corridors(tables)
    box = (PANEL_SIZE[0] * 0.96, PANEL_SIZE[1] * 0.84)
    frame = extent(tables, box)
    for i, (name, table) in enumerate(panels):
        r, c = divmod(i, cols)
        left = (c + 0.02) * PANEL_SIZE[0] / size[0]
        bottom = (legend_h + (rows - 1 - r) * PANEL_SIZE[1] + 0.04 * PANEL_SIZE[1]) / size[1]
        ax = fig.add_axes((left, bottom, box[0] / size[0], box[1] / size[1]))
        draw_plan(ax, table, frame, colours, most, labels=False, scale=PANEL_SCALE)
        ax.set_title(name, fontsize=8.5)
    if title:
        fig.suptitle(title, fontsize=11, y=1 - 0.15 / size[1], va="top")
    lines, marks, widths = legend_handles(shown, colours, most, kinds, PANEL_SCALE)
    fig.legend(handles=lines + marks + widths, loc="lower center", ncol=min(8, len(lines + marks + widths)),
               fontsize=7.5, frameon=False, bbox_to_anchor=(0.5, 0.0))
    return _png(fig)


def plan_map_png(tables: dict, solution: str | Path | None = None) -> bytes | None:
    """The map of a solution's ``tables``: None when they have no ``network`` table or none of its nodes has a
    position (``lat``/``lon`` are optional), and None with a `MapWarning` when it cannot be drawn."""
    table = tables.get("network")
    if table is None or not len(drawable(table)[0]):  # no node has a position: a case without a map
        return None
    try:
        return render_plan_map(table, map_title(tables, solution))
    except Exception as exc:  # noqa: BLE001 - a map must never cost the plan
        warnings.warn(f"the plan map was not drawn: {type(exc).__name__}: {exc}", MapWarning, stacklevel=2)
        return None


def plan_maps_png(panels: Sequence[tuple[str, pd.DataFrame]], title: str = "") -> bytes | None:
    """`render_plan_maps`, or None with a `MapWarning` when the page cannot be drawn."""
    try:
        return render_plan_maps(panels, title)
    except Exception as exc:  # noqa: BLE001 - the study's other outputs stand without it
        warnings.warn(f"the page of plan maps was not drawn: {type(exc).__name__}: {exc}", MapWarning, stacklevel=2)
        return None


def write_map(path: str | Path, png: bytes | None) -> Path | None:
    """Write ``png`` to ``path`` atomically and return the path; with no picture (it was not drawn) remove an
    earlier map of corridor's there, so that no old map sits beside a new plan.  A failure is a `MapWarning`."""
    path = Path(path)
    try:
        if png is None:
            if path.is_file() and kind_of(path)[0] == "png":
                path.unlink()
            return None
        return replace_atomically(path, lambda tmp: Path(tmp).write_bytes(png))
    except OSError as exc:
        warnings.warn(f"the plan map {path} was not written: {exc}", MapWarning, stacklevel=2)
        return None


def add_map_sheet(wb: Workbook, png: bytes, title: str = "map") -> bool:
    """Put the picture ``png`` on a new sheet ``title`` of ``wb``, right after the summary sheet; False with a
    `MapWarning` when it cannot be (the workbook is then as it was)."""
    try:
        from openpyxl.drawing.image import Image

        img = Image(io.BytesIO(png))
    except Exception as exc:  # noqa: BLE001 - e.g. Pillow missing: the workbook goes without its map
        warnings.warn(f"the plan map was not put in the workbook: {type(exc).__name__}: {exc}", MapWarning,
                      stacklevel=2)
        return False
    ws = wb.create_sheet(title, index=wb.sheetnames.index("summary") + 1 if "summary" in wb.sheetnames else 0)
    ws["A1"] = "Map of the plan (its data: the network sheet; lines run straight between nodes, not along tracks)"
    ws.add_image(img, "A2")
    return True


__all__ = ["MapWarning", "add_map_sheet", "cut_meridian", "extent", "map_path", "map_title", "outline",
           "plan_map_png", "plan_maps_png", "render_plan_map", "render_plan_maps", "unwrap", "write_map"]
