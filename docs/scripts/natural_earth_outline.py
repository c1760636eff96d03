"""Convert Natural Earth's 1:110m admin-0 countries into the outline the plan maps draw (run once, by hand).

    python -m venv /tmp/shp && /tmp/shp/bin/pip install pyshp          # pyshp: for this script only
    pip download geopandas==0.14.4 --no-deps -d /tmp/gpd                # its wheel ships the shapefile
    unzip -q /tmp/gpd/geopandas-0.14.4-py3-none-any.whl 'geopandas/datasets/*' -d /tmp/gpd/x
    /tmp/shp/bin/python docs/scripts/natural_earth_outline.py \
        /tmp/gpd/x/geopandas/datasets/naturalearth_lowres/naturalearth_lowres.shp \
        model/corridor/io/data/ne_110m_countries.json

Output (model/corridor/io/data/SOURCE.md): ``{"source": ..., "countries": [{"name", "iso_a3", "rings"}]}``,
each ring a flat list ``[lon, lat, lon, lat, ...]`` rounded to 0.1 degree, repeated points dropped, rings
that collapse to fewer than 4 points dropped; Antarctica is left out (no corridor goes there).
"""
import json
import sys

import shapefile  # pyshp

SOURCE = ("Natural Earth 1:110m Cultural Vectors, Admin 0 - Countries (public domain), v5.1.1 as redistributed "
          "in geopandas 0.14.4 (datasets/naturalearth_lowres); rounded to 0.1 degree by "
          "docs/scripts/natural_earth_outline.py")


def rings(shape) -> list:
    """The shape's rings as flat rounded coordinate lists."""
    starts = list(shape.parts) + [len(shape.points)]
    out = []
    for a, b in zip(starts[:-1], starts[1:]):
        ring = []
        for lon, lat in shape.points[a:b]:
            p = (round(lon, 1), round(lat, 1))
            if not ring or ring[-1] != p:
                ring.append(p)
        if len(ring) >= 4:
            out.append([v for p in ring for v in p])
    return out


def main(src: str, dst: str) -> None:
    reader = shapefile.Reader(src)
    names = [f[0] for f in reader.fields[1:]]
    countries = []
    for rec, shape in zip(reader.records(), reader.shapes()):
        row = dict(zip(names, rec))
        if row["name"] == "Antarctica":
            continue
        got = rings(shape)
        if got:
            countries.append({"name": row["name"], "iso_a3": row["iso_a3"], "rings": got})
    countries.sort(key=lambda c: c["name"])
    with open(dst, "w", encoding="utf-8") as f:
        json.dump({"source": SOURCE, "countries": countries}, f, separators=(",", ":"))
    print(f"{len(countries)} countries, {sum(len(c['rings']) for c in countries)} rings, "
          f"{sum(len(r) // 2 for c in countries for r in c['rings'])} points -> {dst}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
