"""The formulation as plain data: named variable blocks, named row blocks (CSR), named cost lines.

The constraint families (`families_flow.py`, `families_rules.py`) write rows into a `LinearSpec`.  Two
emitters read it:

- `to_pyomo(spec)`: a Pyomo ``ConcreteModel`` with one ``Var`` per variable block, one ``Constraint`` per
  row block and one ``Expression`` per cost line (the API's `build_model`; persistent solvers, scenario
  re-solves, any Pyomo tooling);
- `highs_direct.solve_spec(spec)`: the arrays handed to HiGHS in one call (the fast path the CLI uses).

So there is one formulation and two ways to hand it to a solver, with the same names everywhere.
"""
from __future__ import annotations

from array import array
from dataclasses import dataclass, field

INF = float("inf")


@dataclass
class VarBlock:
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

    def rows(self):
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
    def n_cols(self):
        return len(self.lb)

    @property
    def n_rows(self):
        return len(self.row_lo)

    @property
    def n_nonzeros(self):
        return len(self.data)

    @property
    def n_integer(self):
        return sum(self.integer)

    def add_vars(self, name, keys, lb=0.0, ub=None, integer=False, doc=""):
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
    def block(self, name, doc=""):
        if name not in self.row_blocks:
            self.row_blocks[name] = RowBlock(name, [], self.n_rows, doc)
        return self.row_blocks[name]

    def add_row(self, block: RowBlock, key, cols, coefs, lo=-INF, hi=INF):
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

    def add_expr(self, name, key, cols, coefs, constant=0.0):
        """One entry of a named, indexed linear expression (a derived total such as Held or Shortfall)."""
        self.exprs.setdefault(name, {})[key] = (list(cols), list(coefs), constant)

    def eval_expr(self, name, key, x):
        cols, coefs, constant = self.exprs[name][key]
        return constant + sum(a * x[j] for j, a in zip(cols, coefs))

    def add_rows(self, block: RowBlock, rows):
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
    def add_cost(self, line, cols, coefs, constant=0.0):
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

    def cost_value(self, line, x) -> float:
        cols, coefs = self.costs[line]
        return self.cost_constants.get(line, 0.0) + sum(a * x[j] for j, a in zip(cols, coefs))

    def unmet_empty_rows(self) -> list:
        """Rows with no column at all whose bounds exclude 0 (e.g. a must-meet demand no flow can reach): each
        cannot hold whatever the plan."""
        ip = self.indptr
        return [i for i, (lo, hi) in enumerate(zip(self.row_lo, self.row_hi))
                if ip[i] == ip[i + 1] and (lo > 1e-9 or hi < -1e-9)]

    def stats(self) -> dict:
        return {"rows": self.n_rows, "columns": self.n_cols, "nonzeros": self.n_nonzeros,
                "binaries": int(self.n_integer)}


def to_pyomo(spec: LinearSpec, name="corridor"):
    """Emit ``spec`` as a Pyomo ConcreteModel: Var per variable block, Constraint per row block, Expression
    per cost line (named ``<Line>Cost`` as in the docs), ``TotalCost`` and ``Total_Cost_Objective``."""
    import pyomo.environ as pyo
    from pyomo.core.expr.numeric_expr import LinearExpression

    m = pyo.ConcreteModel(name=name)
    columns = [None] * spec.n_cols
    lb, ub = spec.lb, spec.ub
    for vb in spec.var_blocks.values():
        dims = len(vb.keys[0]) if vb.keys and isinstance(vb.keys[0], tuple) else 1
        index = pyo.Set(initialize=vb.keys, dimen=dims, ordered=True)
        m.add_component(vb.name.upper() + "_INDEX", index)
        s = vb.start
        var = pyo.Var(index, within=pyo.Binary if vb.integer else pyo.NonNegativeReals,
                      bounds=lambda _m, *k, _c=spec.col[vb.name]: _bounds(lb, ub, _c[k if len(k) > 1 else k[0]]),
                      doc=vb.doc)
        m.add_component(vb.name, var)
        for i, key in enumerate(vb.keys):
            columns[s + i] = var[key]
    ip, ix, dv = spec.indptr, spec.indices, spec.data
    for rb in spec.row_blocks.values():
        if not rb.keys:
            continue
        dims = len(rb.keys[0]) if isinstance(rb.keys[0], tuple) else 1
        pos = dict(zip(rb.keys, rb.rows()))

        def rule(_m, *k, _pos=pos):
            r = _pos[k if len(k) > 1 else k[0]]
            a, b = ip[r], ip[r + 1]
            expr = LinearExpression(constant=0.0, linear_coefs=list(dv[a:b]),
                                    linear_vars=[columns[j] for j in ix[a:b]])
            lo, hi = spec.row_lo[r], spec.row_hi[r]
            if lo == hi:
                return expr == lo
            return (None if lo == -INF else lo, expr, None if hi == INF else hi)

        m.add_component(rb.name + "_INDEX", pyo.Set(initialize=rb.keys, dimen=dims, ordered=True))
        m.add_component(rb.name, pyo.Constraint(m.component(rb.name + "_INDEX"), rule=rule, doc=rb.doc))
    for name, entries in spec.exprs.items():
        keys = list(entries)
        dims = len(keys[0]) if keys and isinstance(keys[0], tuple) else 1

        def erule(_m, *k, _e=entries):
            cols, coefs, constant = _e[k if len(k) > 1 else k[0]]
            return LinearExpression(constant=constant, linear_coefs=coefs, linear_vars=[columns[j] for j in cols])

        m.add_component(name + "_INDEX", pyo.Set(initialize=keys, dimen=dims, ordered=True))
        m.add_component(name, pyo.Expression(m.component(name + "_INDEX"), rule=erule))
    total = 0.0
    for line in spec.cost_order:
        cols, coefs = spec.costs[line]
        expr = LinearExpression(constant=spec.cost_constants.get(line, 0.0), linear_coefs=list(coefs),
                                linear_vars=[columns[j] for j in cols])
        comp = pyo.Expression(expr=expr)
        m.add_component(cost_component(line), comp)
        total = total + comp
    m.TotalCost = pyo.Expression(expr=total)
    m.Total_Cost_Objective = pyo.Objective(expr=m.TotalCost, sense=pyo.minimize)
    m._columns = columns
    return m


def _bounds(lb, ub, j):
    lo, hi = lb[j], ub[j]
    return (None if lo == -INF else lo, None if hi == INF else hi)


def cost_component(line: str) -> str:
    """Cost line name -> Pyomo Expression name: ``route_fixed`` -> ``RouteFixedCost``."""
    if line == "shortfall_penalty":
        return "ShortfallCost"
    return "".join(p.capitalize() for p in line.split("_")) + "Cost"
