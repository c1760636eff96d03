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
from itertools import accumulate, chain, islice

import numpy as np

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

    def integer_columns(self) -> np.ndarray:
        """The indices of the integer columns, ascending (int32, as HiGHS takes them)."""
        return np.flatnonzero(np.frombuffer(self.integer, dtype=np.int8)).astype(np.int32)

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
            arr.extend(values if isinstance(values, list) and None not in values
                       else [none if v is None else v for v in values])
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
        non-zero (the caller guarantees it; `add_row` checks each row instead).  The arrays are extended in
        a few C-level passes, not row by row."""
        rows = rows if isinstance(rows, list) else list(rows)
        if not rows:
            return
        block._open(self.n_rows)
        keys, cols, coefs, lo, hi = zip(*rows)
        block.keys.extend(keys)
        self.indices.extend(chain.from_iterable(cols))
        self.data.extend(chain.from_iterable(coefs))
        self.indptr.extend(islice(accumulate(map(len, cols), initial=self.indptr[-1]), 1, None))
        self.row_lo.extend(lo)
        self.row_hi.extend(hi)
        block.segments[-1][1] += len(rows)

    def add_terms(self, block: RowBlock, terms: Terms, lo: float | Sequence[float] = -INF,
                  hi: float | Sequence[float] = INF, skip: Iterable[Hashable] = ()) -> None:
        """Append the rows gathered in ``terms`` to ``block`` in key order, each row's terms in the order they
        were added (one C-level pass: no per-row work).  ``lo``/``hi``: one bound for every row, or one per
        row in key order.  Terms of one column in one row must not repeat: such rows are listed in ``skip``
        (left out here, for `add_row` with `Terms.row`)."""
        self.add_csr(block, *terms.csr(skip), lo, hi)

    def add_csr(self, block: RowBlock, keys: list, indptr: np.ndarray, cols: np.ndarray, coefs: np.ndarray,
                lo: float | Sequence[float] = -INF, hi: float | Sequence[float] = INF) -> None:
        """Append rows ``keys`` given as CSR arrays (row i: ``cols[indptr[i]:indptr[i+1]]``, ``indptr[0] = 0``)
        whose columns are distinct within a row and coefficients non-zero (the caller guarantees it, as for
        `add_rows`).  ``lo``/``hi``: one bound for every row, or one per row."""
        if not keys:
            return
        block._open(self.n_rows)
        block.keys.extend(keys)
        self.indices.frombytes(np.asarray(cols).astype(np.int32).tobytes())
        self.data.frombytes(np.asarray(coefs).astype(np.float64).tobytes())
        self.indptr.frombytes((np.asarray(indptr[1:]) + self.indptr[-1]).astype(np.int64).tobytes())
        n = len(keys)
        for bound, arr in ((lo, self.row_lo), (hi, self.row_hi)):
            if isinstance(bound, (int, float)):
                arr.extend([bound] * n)
            elif isinstance(bound, np.ndarray):
                arr.frombytes(bound.astype(np.float64).tobytes())
            else:
                arr.extend(bound)
        block.segments[-1][1] += n

    # -- objective ---------------------------------------------------------------------------------
    def add_cost(self, line: str, cols: Iterable[int], coefs: Iterable[float], constant: float = 0.0) -> None:
        """A named cost line (an Expression in Pyomo): ``constant + sum coefs * cols`` (zeros dropped)."""
        if line not in self.costs:
            self.costs[line] = (array("i"), array("d"))
            self.cost_order.append(line)
        acc_c, acc_a = self.costs[line]
        a = np.asarray(coefs if isinstance(coefs, (list, array, np.ndarray)) else list(coefs), dtype=np.float64)
        c = np.asarray(cols if isinstance(cols, (list, array, np.ndarray)) else list(cols), dtype=np.int32)
        if len(a):
            keep = a != 0.0
            acc_c.frombytes(c[keep].tobytes())
            acc_a.frombytes(a[keep].tobytes())
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




class Terms:
    """Rows gathered term by term in any order: ``add(key, col, coef)``; `LinearSpec.add_terms` writes them
    sorted by key, each row's terms in the order they came (a stable sort in numpy, not a list per row)."""

    __slots__ = ("ids", "rows", "cols", "coefs")

    def __init__(self):
        self.ids: dict = {}
        self.rows, self.cols, self.coefs = array("q"), array("i"), array("d")

    def id(self, key: Hashable) -> int:
        """The row number of ``key`` among the rows gathered (a new row on first use)."""
        i = self.ids.get(key)
        if i is None:
            i = self.ids[key] = len(self.ids)
        return i

    def add(self, key: Hashable, col: int, coef: float) -> None:
        """One term ``coef * x[col]`` of row ``key``."""
        i = self.ids.get(key)
        if i is None:
            i = self.ids[key] = len(self.ids)
        self.rows.append(i)
        self.cols.append(col)
        self.coefs.append(coef)

    def extend(self, keys: Iterable[Hashable], cols: Iterable[int], coefs: Iterable[float]) -> None:
        """Many terms at once: ``coefs[i] * x[cols[i]]`` in row ``keys[i]``, as `add` one after the other would."""
        ids = self.ids
        new = ids.setdefault
        self.rows.extend([new(key, len(ids)) for key in keys])
        self.cols.extend(cols)
        self.coefs.extend(coefs)

    def __contains__(self, key: Hashable) -> bool:
        return key in self.ids

    def sorted_keys(self) -> list:
        """The row keys in sorted order."""
        return sorted(self.ids)

    def row(self, key: Hashable) -> tuple[list, list]:
        """``(columns, coefficients)`` of row ``key`` in the order they came (a scan: for a few rows only)."""
        at = np.flatnonzero(np.frombuffer(self.rows, dtype=np.int64) == self.ids[key])
        return (np.frombuffer(self.cols, dtype=np.int32)[at].tolist(),
                np.frombuffer(self.coefs, dtype=np.float64)[at].tolist())

    def csr(self, skip: Iterable[Hashable] = ()) -> tuple[list, np.ndarray, np.ndarray, np.ndarray]:
        """``(keys in sorted order, indptr, columns, coefficients)`` of the gathered rows but those in ``skip``."""
        keys = list(self.ids)
        skip = {self.ids[k] for k in skip if k in self.ids}
        order = [i for i in sorted(range(len(keys)), key=keys.__getitem__) if i not in skip]
        n = len(order)
        rank = np.full(len(keys), n, dtype=np.int64)  # a skipped row sorts past the kept ones
        rank[np.array(order, dtype=np.int64)] = np.arange(n, dtype=np.int64)
        row = rank[np.frombuffer(self.rows, dtype=np.int64)]
        perm = np.argsort(row, kind="stable")
        counts = np.bincount(row, minlength=n + 1)[:n]
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        perm = perm[:indptr[-1]]
        cols = np.frombuffer(self.cols, dtype=np.int32)[perm]
        coefs = np.frombuffer(self.coefs, dtype=np.float64)[perm]
        return [keys[i] for i in order], indptr, cols, coefs
