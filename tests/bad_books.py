"""Workbooks for the bad-input catalogue (tests/test_bad_inputs.py): a small valid network and the ways of
making one mistake in it, or a raw file that is not a workbook at all."""
import struct
import zipfile

import openpyxl

from builders import Net
from corridor.io import guard


def base():
    """A small valid network; the Excel rows of its records are noted (header = row 1)."""
    return (Net(periods=2)  # settings: horizon row 2, mip_rel_gap row 3; periods P1 row 2, P2 row 3
            .node("M", "mine").node("S", "site").node("H", "hub").node("K", "market", "JP")  # nodes rows 2-5
            .supply("M", 100)  # supply row 2 (columns node, commodity, period, capacity_t = D, cost_per_t)
            .site("S", 100, yield_=0.5)  # sites row 2
            .link("MS", "M", "S")  # legs row 2, routes row 2, route_legs row 2 (ore)
            .leg("SH", "S", "H").leg("HK", "H", "K")  # legs rows 3, 4
            .route("SK", ["SH", "HK"], commodity="reo")  # routes row 3, route_legs rows 3, 4
            .storage("H")  # storage row 2 (reo)
            .demand("K", 10)  # demand row 2 (reo, civil)
            .licence("L1", "export", "KZ", end_use="civil", validity_periods=2)  # licences row 2
            .policy("P1", "K", "corridor", "C", max_share=1)  # policies row 2
            .season("leg", "SH", cap=0.5, month=1))  # seasonality row 2


# -- how a case's workbook is made ---------------------------------------------------------------------------


def net(fn):
    """The base network with ``fn(sheets)`` applied."""
    def build(folder):
        n = base()
        fn(n.sheets)
        return n.write(folder / "in.xlsx")
    return build


def put(sheet, row, **values):
    """Set cells of the record on Excel ``row`` of ``sheet``."""
    return net(lambda s: s[sheet][row - 2].update(values))


def add(sheet, **record):
    return net(lambda s: s[sheet].append(record))


def edit(fn):
    """The base workbook opened in openpyxl, changed by ``fn(wb)`` and saved (formulas, merges, errors ...)."""
    def build(folder):
        path = base().write(folder / "in.xlsx")
        wb = openpyxl.load_workbook(path)
        fn(wb)
        wb.save(path)
        return path
    return build


def raw(data):
    def build(folder):
        path = folder / "in.xlsx"
        path.write_bytes(data)
        return path
    return build


def _write_zip(path, members: dict):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def zipped(members: dict):
    """A zip archive of ``members`` (name -> bytes), named .xlsx."""
    def build(folder):
        return _write_zip(folder / "in.xlsx", members)
    return build


def repacked(change):
    """The base workbook with its zip members changed by ``change(members)`` (a dict name -> bytes)."""
    def build(folder):
        path = base().write(folder / "in.xlsx")
        with zipfile.ZipFile(path) as zf:
            members = {i.filename: zf.read(i) for i in zf.infolist()}
        change(members)
        return _write_zip(path, members)
    return build


def truncated(folder):
    path = base().write(folder / "in.xlsx")
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    return path


def corrupted(folder):
    """Bytes flipped inside the compressed data of one worksheet (the zip directory is intact)."""
    path = base().write(folder / "in.xlsx")
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("xl/worksheets/sheet4.xml")
    name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26:info.header_offset + 30])
    start = info.header_offset + 30 + name_len + extra_len
    for k in range(start + 8, start + min(info.compress_size - 4, 80)):
        data[k] ^= 0x5A
    path.write_bytes(bytes(data))
    return path


def empty_workbook(folder):
    path = folder / "in.xlsx"
    openpyxl.Workbook().save(path)
    return path


def bomb(folder):
    """A real (modest) zip bomb: a 40 MB part of blanks that packs to about 40 KB."""
    path = base().write(folder / "in.xlsx")
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/padding.xml", b" " * (40 * 2 ** 20))
    return path


def xml_prefix(part, prefix: bytes, encoding=None):
    """Put ``prefix`` (a DOCTYPE ...) before the root element of ``part`` (optionally re-encoded)."""
    def change(members):
        text = members[part].decode("utf-8")
        decl_end = text.index("?>") + 2 if text.startswith("<?xml") else 0
        new = text[:decl_end] + prefix.decode() + text[decl_end:]
        if encoding:
            new = new.replace('encoding="UTF-8"', f'encoding="{encoding}"').replace(
                "encoding='UTF-8'", f"encoding='{encoding}'")
        members[part] = new.encode(encoding or "utf-8")
    return repacked(change)


LAUGHS = (b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
          b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>')


def _merge(ref, sheet="nodes"):
    return edit(lambda wb: wb[sheet].merge_cells(ref))


def _set(sheet, ref, value):
    def fn(wb):
        wb[sheet][ref] = value
    return edit(fn)


def _copy_sheet(wb):
    wb.copy_worksheet(wb["nodes"]).title = "Nodes "


def _limit(name, value):
    return lambda mp: mp.setattr(guard, name, value)


def ten_times_default(copies=10):
    """The default case's sheets, each holding ``copies`` disjoint copies of its rows (ids suffixed)."""
    from corridor.io.reader import read_workbook
    from corridor.io.schema import SHEET, STAR
    from corridor.pipeline import DEFAULT_INPUT
    raw = read_workbook(DEFAULT_INPUT)
    targets = {"leg", "route", "site", "supply", "licence"}
    book = {"settings": {r["key"]: r["value"] for r in raw.sheets["settings"]}}

    def tag(v, k):
        if v is None or v == STAR:
            return v
        return ", ".join(f"{x.strip()}~{k}" for x in str(v).split(","))

    for name, rows in raw.sheets.items():
        if name in ("settings", "scenarios"):  # the study's keys name the original ids
            continue
        sheet = SHEET[name]
        out = []
        for k in range(copies):
            for r in rows:
                r = {c: v for c, v in r.items() if c != "_row"}
                for c in sheet.columns:
                    if c.kind == "id" or (c.kind in ("ref", "list") and c.ref):
                        r[c.name] = tag(r.get(c.name), k)
                if name in ("seasonality", "disruptions") and r.get("target_type") in targets:
                    r["target"] = tag(r["target"], k)
                if name == "disruptions":
                    r["scenario"] = tag(r["scenario"], k)
                    r["probability"] = None if r.get("probability") is None else r["probability"] / copies
                if name == "charges" and r.get("target_type") in {"route", "leg", "site", "market"}:
                    r["target"] = tag(r["target"], k)
                if name == "policies" and r.get("measure") == "route":
                    r["value"] = tag(r["value"], k)
                out.append(r)
        book[name] = out
    return book


def sheet_part(sheet):
    """The zip part of worksheet ``sheet`` of the base workbook (the sheets are written in `builders.SHEETS` order)."""
    from builders import SHEETS
    return f"xl/worksheets/sheet{SHEETS.index(sheet) + 1}.xml"


def xml_merge(ref, sheet="nodes"):
    """A merge written straight into the sheet's XML (openpyxl would make a cell object for every cell of
    a sheet-wide range: A2:XFD1048576 is 17 billion)."""
    def change(members):
        part = sheet_part(sheet)
        text = members[part].decode("utf-8")
        merge = f'<mergeCells count="1"><mergeCell ref="{ref}"/></mergeCells>'
        text = text.replace("</sheetData>", "</sheetData>" + merge, 1)
        members[part] = text.encode("utf-8")
    return repacked(change)


def hidden_rows(sheet, *rows, attr='hidden="1"'):
    """Rows of ``sheet`` marked hidden in the sheet's XML (as Excel writes a hidden or filtered-out row)."""
    import re

    def change(members):
        part = sheet_part(sheet)
        text = members[part].decode("utf-8")
        for r in rows:
            text, n = re.subn(rf'<row r="{r}"', f'<row r="{r}" {attr}', text)
            assert n == 1, (sheet, r)
        members[part] = text.encode("utf-8")
    return repacked(change)


def _insert_units_row(s):
    s["legs"].insert(0, {"leg": None, "from_node": None, "to_node": None, "mode": None, "country": None,
                         "distance_km": "km", "cost_per_t": "USD/t", "handling_cost_per_t": "USD/t",
                         "transit_days": "days", "capacity_t": "t"})


units_row = net(_insert_units_row)

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# twelve monthly periods sorted A-Z by name: Apr, Aug, Dec, Feb, Jan, Jul, Jun, Mar, May, Nov, Oct, Sep
periods_by_name = net(lambda s: s.update(periods=[{"period": m, "month": MONTHS.index(m) + 1, "days": 30}
                                                  for m in sorted(MONTHS)]))


def _route_loop(s):
    """Route SK becomes S -> H -> S -> H -> K (legs SH, HS, SH2, HK): every leg chains, the route loops."""
    s["legs"] += [{"leg": "HS", "from_node": "H", "to_node": "S", "mode": "rail", "country": "KZ"},
                  {"leg": "SH2", "from_node": "S", "to_node": "H", "mode": "rail", "country": "KZ"}]
    s["route_legs"][1:] = [{"route": "SK", "seq": k + 1, "leg": leg} for k, leg in enumerate(["SH", "HS", "SH2", "HK"])]


route_loop = net(_route_loop)


def _title_row(wb):
    ws = wb["supply"]
    ws.insert_rows(1)
    ws["A1"] = "Supply per mine (t)"


title_row = edit(_title_row)
no_header = edit(lambda wb: wb["supply"].delete_rows(1))


def _second_site(s):
    s["nodes"].append({"node": "S2", "kind": "site", "country": "KZ"})
    s["sites"].append({"site": "S2", "input_commodity": "ore", "output_commodity": "reo", "yield": 1,
                       "capacity_t": 10})


site_nothing_reaches = net(_second_site)


def raises(exc):
    """A stand-in for a function that raises ``exc`` (an unreadable file, a disk error ...)."""
    def fn(*args, **kwargs):
        raise exc
    return fn
