"""Look inside an .xlsx package before and beside openpyxl: refuse what is not a workbook or is hostile, and
find what a read-only, values-only read cannot see (merged cells, formulas without a saved value).

An .xlsx file is a zip archive of XML parts.  `inspect_package` runs before openpyxl opens the file and
refuses, with one message naming the part and the reason, files that are not a zip (text, PDF, HTML, a
password-protected or legacy .xls), truncated or damaged zips, zips that are not a workbook (.ods, Word,
any other archive), zip bombs (absurd uncompressed sizes or compression ratios, too many members) and XML
parts that declare a DOCTYPE or ENTITY (an .xlsx never does; such parts are the vehicle of entity-expansion
and external-entity attacks).  Independently, openpyxl parses every part with ``defusedxml`` (a declared
dependency), which expands no entity and resolves no external one.

The limits are module constants so that tests can lower them with ``monkeypatch``.
"""
from __future__ import annotations

import codecs
import re
import zipfile
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path

from openpyxl.utils.cell import column_index_from_string, range_boundaries

MAX_MEMBERS = 10_000  # parts in the zip
MAX_TOTAL_BYTES = 500 * 2 ** 20  # uncompressed bytes of all parts together
MAX_RATIO = 200  # uncompressed / compressed size of one part ...
RATIO_MIN_BYTES = 16 * 2 ** 20  # ... refused only above this uncompressed size
PROLOG_BYTES = 64 * 1024  # the XML prolog (before the first element) must fit in this many bytes
XML_SUFFIXES = (".xml", ".rels", ".vml")
SAFE_ENCODINGS = {"utf-8", "utf8", "utf-16", "utf-16le", "utf-16be", "utf-32", "utf-32le", "utf-32be",
                  "us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1"}

NOTHING_READ = "nothing was read"


class PackageError(Exception):
    """The file is refused before any cell is read; ``str()`` is the message for the user."""


def _mb(n) -> str:
    return f"{n / 2 ** 20:,.1f} MB"


def inspect_package(path: Path) -> None:
    """Raise `PackageError` unless ``path`` is a zip holding a plausible, safe .xlsx package."""
    name = path.name
    size = path.stat().st_size
    if size == 0:
        raise PackageError(f"{name} is empty (0 bytes): not an .xlsx workbook; {NOTHING_READ}")
    with open(path, "rb") as f:
        head = f.read(512)
    if not head.startswith(b"PK"):
        raise PackageError(f"{name} is not an .xlsx workbook: {_what_is(head)}; {NOTHING_READ}")
    if not zipfile.is_zipfile(path):
        raise PackageError(f"{name} is damaged or truncated: the zip container has no directory at its end "
                           "(was the download or copy complete?); open it in Excel and save it again; "
                           + NOTHING_READ)
    try:
        with zipfile.ZipFile(path) as zf:
            _check_members(name, zf)
    except (PackageError, OSError):  # an OSError is the file's access, not its content: the reader says so
        raise
    except Exception as exc:  # zipfile, zlib and struct raise many kinds for damaged archives
        raise PackageError(f"{name} is damaged: its zip container cannot be read ({type(exc).__name__}: "
                           f"{_short(exc)}); open it in Excel and save it again; {NOTHING_READ}") from None


def _what_is(head: bytes) -> str:
    """A guess at what a non-zip file is, for the message."""
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return ("it is a password-protected workbook or an old binary .xls file; remove the password "
                "(File > Info > Protect Workbook) and save it as 'Excel Workbook (*.xlsx)'")
    if head.startswith(b"%PDF"):
        return "it is a PDF document"
    text = head.lstrip(b"\xef\xbb\xbf\xff\xfe \t\r\n").replace(b"\x00", b"").lower()
    if text.startswith((b"<!doctype html", b"<html")):
        return "it is a web page (HTML); save the table from Excel as 'Excel Workbook (*.xlsx)'"
    if text.startswith(b"<?xml") or text.startswith(b"<"):
        return "it is an XML file (perhaps 'XML Spreadsheet 2003'); save it as 'Excel Workbook (*.xlsx)'"
    try:
        head.decode("utf-8")
        return "it is a text file (CSV?); open it in Excel and save it as 'Excel Workbook (*.xlsx)'"
    except UnicodeDecodeError:
        return "it is not a zip container; save it from Excel as 'Excel Workbook (*.xlsx)'"


def _check_members(name: str, zf: zipfile.ZipFile) -> None:
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise PackageError(f"{name} holds {len(infos):,} parts, above the limit of {MAX_MEMBERS:,} for a "
                           f"workbook (a zip bomb?); {NOTHING_READ}")
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise PackageError(f"{name} is a zip archive but not an .xlsx workbook: {_what_zip(zf, names)}; "
                           + NOTHING_READ)
    total = sum(i.file_size for i in infos)
    if total > MAX_TOTAL_BYTES:
        big = max(infos, key=lambda i: i.file_size)
        raise PackageError(f"{name} would unpack to {_mb(total)}, above the limit of {_mb(MAX_TOTAL_BYTES)} "
                           f"(largest part {big.filename}: {_mb(big.file_size)}); {NOTHING_READ}")
    for i in infos:
        if i.flag_bits & 0x1:
            raise PackageError(f"{name}: part {i.filename} is encrypted; save the workbook without a "
                               f"password; {NOTHING_READ}")
        ratio = i.file_size / max(i.compress_size, 1)
        if i.file_size > RATIO_MIN_BYTES and ratio > MAX_RATIO:
            raise PackageError(f"{name}: part {i.filename} would unpack to {_mb(i.file_size)} from "
                               f"{_mb(i.compress_size)} (ratio {ratio:,.0f}, above the limit of {MAX_RATIO}): "
                               f"a zip bomb, refused; {NOTHING_READ}")
    for i in infos:
        if i.filename.lower().endswith(XML_SUFFIXES) and not i.is_dir():
            with zf.open(i) as f:
                head = f.read(PROLOG_BYTES)
            problem = xml_prolog_problem(head, complete=i.file_size <= PROLOG_BYTES)
            if problem:
                raise PackageError(f"{name}: part {i.filename} {problem}; an .xlsx never does this, the file "
                                   f"was refused; {NOTHING_READ}")


def _what_zip(zf, names) -> str:
    if "xl/workbook.xml" in names:
        return "its part [Content_Types].xml is missing (the file is damaged); open it in Excel and save it again"
    if "mimetype" in names:
        kind = zf.read("mimetype")[:100].decode("ascii", "replace")
        if "opendocument.spreadsheet" in kind:
            return "it is an OpenDocument spreadsheet (.ods); save it as 'Excel Workbook (*.xlsx)'"
        return f"it is an OpenDocument file ({kind})"
    if any(n.startswith("word/") for n in names):
        return "it is a Word document"
    if any(n.startswith("ppt/") for n in names):
        return "it is a PowerPoint presentation"
    shown = ", ".join(sorted(names)[:5]) + (" ..." if len(names) > 5 else "")
    return f"it holds no xl/ workbook parts (it holds {shown or 'nothing'})"


_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_NO_BOM = ((b"\x00\x00\x00<", "utf-32-be"), (b"<\x00\x00\x00", "utf-32-le"), (b"\x00<", "utf-16-be"),
           (b"<\x00", "utf-16-le"))
_DECL_ENCODING = re.compile(r"""^<\?xml[^>]*?\bencoding\s*=\s*["']([^"']+)["']""")


def _decode(head: bytes) -> str:
    for bom, enc in _BOMS:
        if head.startswith(bom):
            return head[len(bom):].decode(enc, "replace")
    for start, enc in _NO_BOM:
        if head.startswith(start):
            return head.decode(enc, "replace")
    return head.decode("utf-8", "replace")


def xml_prolog_problem(head: bytes, complete: bool = False) -> str:
    """What is wrong with the start of an XML part (a DOCTYPE, an ENTITY, an odd encoding, a prolog too long
    to check), or "" when it is fine.  ``complete``: ``head`` is the whole part."""
    text = _decode(head)
    if re.search(r"<!\s*ENTITY", text, re.I):
        return "declares an ENTITY"
    pos, n = 0, len(text)
    while True:
        while pos < n and text[pos] in " \t\r\n\ufeff":
            pos += 1
        if pos >= n:
            return "" if complete else f"has more than {PROLOG_BYTES // 1024} KB before its first element"
        if text.startswith("<?", pos):
            end = text.find("?>", pos)
            if end < 0:
                return "" if complete else f"has more than {PROLOG_BYTES // 1024} KB before its first element"
            m = _DECL_ENCODING.match(text[pos:end + 2])
            if m and m.group(1).strip().lower() not in SAFE_ENCODINGS:
                return f"declares the unusual encoding '{m.group(1)}'"
            pos = end + 2
        elif text.startswith("<!--", pos):
            end = text.find("-->", pos + 4)
            if end < 0:
                return "" if complete else f"has more than {PROLOG_BYTES // 1024} KB before its first element"
            pos = end + 3
        elif text.startswith("<!", pos):
            return "declares a DOCTYPE"
        else:
            return ""  # the root element (or not XML at all: the parser will say so)


# --- what a values-only, read-only read cannot see ---------------------------------------------------------


@dataclass
class SheetMarks:
    """Cells of one worksheet part that need a word: merged ranges and formulas without a saved value.

    ``merged``: (min_row, min_col, max_row, max_col, "A1:B2") with 1-based rows and columns;
    ``formulas``: (row, col) -> the formula text ("" for a shared formula's follower cells).
    """

    merged: list = field(default_factory=list)
    formulas: dict = field(default_factory=dict)
    hidden_rows: set = field(default_factory=set)  # Excel rows hidden or filtered out (hidden="1")
    hidden_columns: set = field(default_factory=set)  # 1-based columns hidden (<col ... hidden="1">)

    def __bool__(self):
        return bool(self.merged or self.formulas or self.hidden_rows or self.hidden_columns)


_P = rb"(?:[A-Za-z_][\w.-]*:)?"  # an optional namespace prefix
_MERGE = re.compile(rb"<" + _P + rb"mergeCell\b[^>]*?\bref\s*=\s*[\"']([A-Za-z]+\d+(?::[A-Za-z]+\d+)?)[\"']")
# a formula closed, then at most an empty value, then the end of its cell: a formula never calculated
_F_NO_V = re.compile(rb"(?:</" + _P + rb"f>|<" + _P + rb"f\b[^>]*/>)\s*(?:<" + _P + rb"v\s*/>|<" + _P
                     + rb"v>\s*</" + _P + rb"v>)?\s*</" + _P + rb"c>")
_ROW_OR_CELL = re.compile(rb"<" + _P + rb"row\b([^>]*)>|<" + _P + rb"c\b([^>]*?)(?:/>|>(.*?)</" + _P + rb"c>)",
                          re.S)
_ATTR_R = re.compile(rb"""\br\s*=\s*["']([A-Za-z]*)(\d*)["']""")
_ATTR_T = re.compile(rb"""\bt\s*=\s*["']([^"']*)["']""")
_F_TEXT = re.compile(rb"<" + _P + rb"f\b[^>]*?(?:/>|>(.*?)</" + _P + rb"f>)", re.S)
_V_TEXT = re.compile(rb"<" + _P + rb"v\b[^>]*?(?:/>|>(.*?)</" + _P + rb"v>)", re.S)


def scan_sheet(zf: zipfile.ZipFile, part: str) -> SheetMarks:
    """Merged ranges, never-calculated formulas and hidden rows and columns of the worksheet ``part`` of ``zf``.

    The part's bytes are searched with regular expressions (fast: no XML tree is built); the cell-by-cell
    scan runs only when a formula without a value is present at all.
    """
    data = zf.read(part)
    marks = SheetMarks()
    if b"mergeCell" in data:
        for m in _MERGE.finditer(data):
            ref = m.group(1).decode("ascii").upper()
            min_col, min_row, max_col, max_row = range_boundaries(ref)
            marks.merged.append((min_row, min_col, max_row, max_col, ref))
    if b"hidden" in data:
        _hidden(data, marks)
    if not _F_NO_V.search(data):
        return marks
    row, col = 0, 0
    for m in _ROW_OR_CELL.finditer(data):
        if m.group(1) is not None:  # a <row ...>
            r = _ATTR_R.search(m.group(1))
            row = int(r.group(2)) if r and r.group(2) else row + 1
            col = 0
            continue
        attrs, body = m.group(2), m.group(3) or b""
        r = _ATTR_R.search(attrs)
        if r and r.group(1):
            col = column_index_from_string(r.group(1).decode("ascii").upper())
            if r.group(2):
                row = int(r.group(2))
        else:
            col += 1
        f = _F_TEXT.search(body)
        if f is None:
            continue
        v = _V_TEXT.search(body)
        value = (v.group(1) or b"") if v else None
        t = _ATTR_T.search(attrs)
        if value is None or (value.strip() == b"" and not (t and t.group(1) in (b"str", b"inlineStr"))):
            text = unescape((f.group(1) or b"").decode("utf-8", "replace"))
            marks.formulas[(row, col)] = text
    return marks


_ROW_TAG = re.compile(rb"<" + _P + rb"row\b([^>]*)>")
_COL_TAG = re.compile(rb"<" + _P + rb"col\b([^>]*)>")
_HIDDEN = re.compile(rb"""\bhidden\s*=\s*["'](?:1|true)["']""", re.I)
_MIN_MAX = re.compile(rb"""\b(min|max)\s*=\s*["'](\d+)["']""")
MAX_HIDDEN_COLUMNS = 16384  # the widest sheet Excel makes


def _hidden(data: bytes, marks: SheetMarks) -> None:
    """Rows (``<row r="5" hidden="1">``: hidden, or filtered out by an AutoFilter) and columns (``<col min="2"
    max="3" hidden="1"/>``) that Excel does not show."""
    row = 0
    for m in _ROW_TAG.finditer(data):
        r = _ATTR_R.search(m.group(1))
        row = int(r.group(2)) if r and r.group(2) else row + 1
        if _HIDDEN.search(m.group(1)):
            marks.hidden_rows.add(row)
    for m in _COL_TAG.finditer(data):
        if _HIDDEN.search(m.group(1)):
            bounds = dict((k.decode(), int(v)) for k, v in _MIN_MAX.findall(m.group(1)))
            lo = bounds.get("min", 1)
            hi = min(bounds.get("max", lo), MAX_HIDDEN_COLUMNS)
            marks.hidden_columns.update(range(lo, hi + 1))


def _short(exc, limit=160) -> str:
    s = str(exc)
    return s if len(s) <= limit else s[:limit] + "..."
