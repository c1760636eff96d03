"""The formulation as plain data: named variable blocks, named row blocks (CSR), named cost lines.

The constraint families (`formulation/families/flow.py`, `formulation/families/rules.py`) write rows into a
`LinearSpec`.  Two emitters read it:

- `to_pyomo(spec)`: a Pyomo ``ConcreteModel`` with one ``Var`` per variable block, one ``Constraint`` per
  row block and one ``Expression`` per cost line (the API's `build_model`; persistent solvers, scenario
  re-solves, any Pyomo tooling);
- `highs.solve_spec(spec)`: the arrays handed to HiGHS in one call (the fast path the CLI uses).

So there is one formulation and two ways to hand it to a solver, with the same names everywhere.
"""
from __future__ import annotations

from array import array
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

INF = float("inf")


@dataclass
class VarBlock:
    """A named block of columns: its sparse keys in column order from ``start``, integer or continuous."""

    name: str
    keys: list
    start: int
    integer: bool
    doc: str = ""


@dataclass
class RowBlock:
    """Named rows; ``segments`` are [first row, count] runs (one run unless scenarios interleave blocks)."""

    name: str
    keys: list = field(default_factory=list)
    start: int = 0
    doc: str = ""
    segments: list = field(default_factory=list)

    def rows(self) -> Iterator[int]:
        """Row indices in key order."""
        for first, n in self.segments:
            yield from range(first, first + n)

    def _open(self, n_rows):
        if not self.segments or sum(self.segments[-1]) != n_rows:
            if not self.segments:
                self.start = n_rows
            self.segments.append([n_rows, 0])


class LinearSpec:
    """A mixed-integer linear program with named, sparsely indexed blocks of columns and rows."""

    def __init__(self):
        self.var_blocks: dict[str, VarBlock] = {}
        self.col: dict[str, dict] = {}
        self.lb = array("d")
        self.ub = array("d")
        self.integer = array("b")
        self.row_blocks: dict[str, RowBlock] = {}
        self.indptr = array("q", [0])
        self.indices = array("i")
        self.data = array("d")
        self.row_lo = array("d")
        self.row_hi = array("d")
        self.exprs: dict[str, dict] = {}  # indexed expression name -> {key: (cols, coefs, constant)}
        self.costs: dict[str, tuple] = {}  # cost line -> (array of columns, array of coefficients)
        self.cost_constants: dict[str, float] = {}
        self.cost_order: list = []

    # -- columns -----------------------------------------------------------------------------------
    @property
    def n_cols(self) -> int:
        """Number of columns."""
        return len(self.lb)

    @property
    def n_rows(self) -> int:
        """Number of rows."""
        return len(self.row_lo)

    @property
    def n_nonzeros(self) -> int:
        """Number of nonzero matrix coefficients."""
        return len(self.data)

    @property
    def n_integer(self) -> int:
        """Number of integer columns."""
        return sum(self.integer)

    def add_vars(self, name: str, keys: Iterable[Hashable], lb: float | list | Callable | None = 0.0,
                 ub: float | list | Callable | None = None, integer: bool = False, doc: str = "") -> dict:
        """Add a block of columns.  ``lb``/``ub``: a number, a list (one per key) or a callable of the key;
        None = unbounded."""
        start = self.n_cols
        keys = list(keys)
        n = len(keys)
        cols = dict(zip(keys, range(start, start + n)))
        for bound, arr, none in ((lb, self.lb, -INF), (ub, self.ub, INF)):
            if callable(bound):
                values = [bound(key) for key in keys]
            elif isinstance(bound, list):
                values = bound
            else:
                values = [bound] * n
            arr.extend(none if v is None else v for v in values)
        self.integer.extend([1 if integer else 0] * n)
        self.var_blocks[name] = VarBlock(name, keys, start, integer, doc)
        self.col[name] = cols
        return cols

    # -- rows --------------------------------------------------------------------------------------
    def block(self, name: str, doc: str = "") -> RowBlock:
        """The row block ``name`` (created on first use)."""
        if name not in self.row_blocks:
            self.row_blocks[name] = RowBlock(name, [], self.n_rows, doc)
        return self.row_blocks[name]

    def add_row(self, block: RowBlock, key: Hashable, cols: Sequence[int], coefs: Sequence[float], lo: float = -INF,
                hi: float = INF) -> None:
        """Append one row ``lo <= sum coefs * cols <= hi`` to ``block`` (duplicate columns are merged,
        zero coefficients dropped)."""
        if len(cols) > 2 and len(set(cols)) != len(cols) or len(cols) == 2 and cols[0] == cols[1]:
            merged = {}
            for c, a in zip(cols, coefs):
                merged[c] = merged.get(c, 0.0) + a
            cols, coefs = list(merged), list(merged.values())
        if 0.0 in coefs:
            kept = [(c, a) for c, a in zip(cols, coefs) if a != 0.0]
            cols, coefs = [c for c, _ in kept], [a for _, a in kept]
        block._open(self.n_rows)
        block.segments[-1][1] += 1
        block.keys.append(key)
        self.indices.extend(cols)
        self.data.extend(coefs)
        self.indptr.append(len(self.indices))
        self.row_lo.append(lo)
        self.row_hi.append(hi)

    def add_expr(self, name: str, key: Hashable, cols: Iterable[int], coefs: Iterable[float],
                 constant: float = 0.0) -> None:
        """One entry of a named, indexed linear expression (a derived total such as Held or Shortfall)."""
        self.exprs.setdefault(name, {})[key] = (list(cols), list(coefs), constant)

    def eval_expr(self, name: str, key: Hashable, x: Sequence[float]) -> float:
        """The value of entry ``key`` of expression ``name`` for column values ``x``."""
        cols, coefs, constant = self.exprs[name][key]
        return constant + sum(a * x[j] for j, a in zip(cols, coefs))

    def add_rows(self, block: RowBlock, rows: Iterable[tuple]) -> None:
        """Append many rows ``(key, cols, coefs, lo, hi)`` whose columns are distinct and coefficients
        non-zero (the caller guarantees it; `add_row` checks each row instead)."""
        block._open(self.n_rows)
        before = len(block.keys)
        keys, indices, data, indptr = block.keys, self.indices, self.data, self.indptr
        lo_a, hi_a = self.row_lo, self.row_hi
        for key, cols, coefs, lo, hi in rows:
            keys.append(key)
            indices.extend(cols)
            data.extend(coefs)
            indptr.append(len(indices))
            lo_a.append(lo)
            hi_a.append(hi)
        block.segments[-1][1] += len(keys) - before
        if not block.segments[-1][1]:
            block.segments.pop()

    # -- objective ---------------------------------------------------------------------------------
    def add_cost(self, line: str, cols: Iterable[int], coefs: Iterable[float], constant: float = 0.0) -> None:
        """A named cost line (an Expression in Pyomo): ``constant + sum coefs * cols`` (zeros dropped)."""
        if line not in self.costs:
            self.costs[line] = (array("i"), array("d"))
            self.cost_order.append(line)
        acc_c, acc_a = self.costs[line]
        for c, a in zip(cols, coefs):
            if a:
                acc_c.append(c)
                acc_a.append(a)
        self.cost_constants[line] = self.cost_constants.get(line, 0.0) + constant

    def cost_value(self, line: str, x: Sequence[float]) -> float:
        """The amount of cost line ``line`` for column values ``x``."""
        cols, coefs = self.costs[line]
        return self.cost_constants.get(line, 0.0) + sum(a * x[j] for j, a in zip(cols, coefs))

    def unmet_empty_rows(self) -> list:
        """Rows with no column at all whose bounds exclude 0 (e.g. a must-meet demand no flow can reach): each
        cannot hold whatever the plan."""
        ip = self.indptr
        return [i for i, (lo, hi) in enumerate(zip(self.row_lo, self.row_hi))
                if ip[i] == ip[i + 1] and (lo > 1e-9 or hi < -1e-9)]

    def stats(self) -> dict:
        """Rows, columns, nonzeros and binaries of the model."""
        return {"rows": self.n_rows, "columns": self.n_cols, "nonzeros": self.n_nonzeros,
                "binaries": int(self.n_integer)}


