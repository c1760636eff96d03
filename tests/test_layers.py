"""The floor plan of the package (shared/design/architecture.md): imports point down the layers only, there is
no import circle (imports inside functions included), the checker imports only `corridor.io`, no private name
is imported from another module, and ``import corridor`` imports nothing heavy.

Layers, bottom to top: perf; io; formulation and check side by side; solve; diagnose and results side by
side; pipeline; studies and bench side by side; cli.  A module may import its own package and any lower
layer; packages side by side do not import each other.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "model" / "corridor"

LAYERS = {  # top-level part of the package -> layer (bottom 0)
    "perf": 0, "io": 1, "formulation": 2, "check": 2, "solve": 3, "diagnose": 4, "results": 4, "pipeline": 5,
    "studies": 6, "bench": 6, "cli": 7, "__main__": 8,
}


def modules() -> dict:
    """Corridor module name -> path, for every module of the package."""
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = modules()


def _type_only(tree) -> set:
    """Ids of the import statements under ``if TYPE_CHECKING:`` (never executed: exempt from the circle test)."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            out |= {id(n) for stmt in node.body for n in ast.walk(stmt) if isinstance(n, (ast.Import, ast.ImportFrom))}
    return out


def imports_of(name: str, path: Path, type_only: bool = True) -> list:
    """``(line, imported corridor module, names imported from it, inside a function)`` of one module; with
    ``type_only`` False the imports under ``if TYPE_CHECKING:`` are left out."""
    tree = ast.parse(path.read_text())
    nested = {id(n) for fn in ast.walk(tree) if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef))
              for n in ast.walk(fn) if isinstance(n, (ast.Import, ast.ImportFrom))}
    skip = set() if type_only else _type_only(tree)
    out = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolved against this module's package
                base = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
                base = base[:len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module != "corridor" and not module.startswith("corridor."):
                continue
            for alias in node.names:  # `from corridor.x import y` where y is a module imports y
                full = f"{module}.{alias.name}"
                if full in MODULES:
                    out.append((node.lineno, full, (), id(node) in nested))
                else:
                    out.append((node.lineno, module, (alias.name,), id(node) in nested))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "corridor" or alias.name.startswith("corridor."):
                    out.append((node.lineno, alias.name, (), id(node) in nested))
    return out


IMPORTS = {name: imports_of(name, path) for name, path in MODULES.items()}
RUNTIME_IMPORTS = {name: imports_of(name, path, type_only=False) for name, path in MODULES.items()}


def part(module: str) -> str:
    """The top-level part of the package a module belongs to (``corridor.io.reader`` -> ``io``)."""
    bits = module.split(".")
    return bits[1] if len(bits) > 1 else ""


def test_every_part_of_the_package_has_a_layer():
    assert {part(m) for m in MODULES} - {""} == set(LAYERS)


def test_imports_point_down_the_layers():
    wrong = []
    for name, found in IMPORTS.items():
        if name == "corridor":
            continue  # the public face imports nothing at module level (checked below)
        mine = part(name)
        for line, target, names, _nested in found:
            there = part(target)
            if target == "corridor":
                if set(names) != {"__version__"}:
                    wrong.append(f"{name}:{line} imports {names} from the public face")
                continue
            if there == mine:
                continue
            if LAYERS[there] > LAYERS[mine] or LAYERS[there] == LAYERS[mine]:
                wrong.append(f"{name}:{line} ({mine}, layer {LAYERS[mine]}) imports {target} ({there}, layer "
                             f"{LAYERS[there]})")
    assert not wrong, "\n".join(wrong)


def test_the_checker_imports_only_the_input_layer():
    """`corridor check` is written from the contract: it shares the reading and validation of the input
    with the model, and nothing else (no formulation, no solver)."""
    wrong = [f"{name}:{line} imports {target}" for name, found in IMPORTS.items() if part(name) == "check"
             for line, target, _n, _i in found if part(target) not in ("check", "io")]
    assert not wrong, "\n".join(wrong)
    for path in (PACKAGE / "check").glob("*.py"):
        text = path.read_text()
        assert "import pyomo" not in text and "import highspy" not in text and "from pyomo" not in text, path


def test_no_import_circle_counting_imports_inside_functions():
    """Imports that run (inside functions too) form no circle; ``if TYPE_CHECKING:`` imports never run."""
    graph = defaultdict(set)
    for name, found in RUNTIME_IMPORTS.items():
        for _line, target, _names, _nested in found:
            if target in MODULES and target != name and target != "corridor":
                graph[name].add(target)
    circles = _cycles(graph)
    assert not circles, "import circles: " + "; ".join(" -> ".join(c) for c in circles)


def _cycles(graph) -> list:
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in list(graph):
        if v not in index:
            visit(v)
    return out


def test_no_private_name_is_imported_from_another_module():
    wrong = [f"{name}:{line} imports {n} from {target}" for name, found in IMPORTS.items()
             for line, target, names, _i in found for n in names if n.startswith("_") and not n.startswith("__")]
    assert not wrong, "\n".join(wrong)


def test_imports_sit_at_the_top_except_the_commands_of_the_cli():
    """Inside a function only in `corridor.cli` (each command imports its layer when it runs)."""
    wrong = [f"{name}:{line} imports {target} inside a function" for name, found in IMPORTS.items()
             if not name.startswith("corridor.cli") for line, target, _n, nested in found if nested]
    assert not wrong, "\n".join(wrong)


def test_every_public_function_is_annotated():
    """Type annotations on every argument and the return of every public function and method (ruff checks
    the return types too, but cannot tell a public function's arguments from a private one's)."""
    missing = []
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text())

        def visit(node, private):
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.ClassDef):
                    visit(child, private or child.name.startswith("_"))
                elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    if private or (child.name.startswith("_") and child.name != "__init__"):
                        continue
                    args = child.args.posonlyargs + child.args.args + child.args.kwonlyargs
                    args += [a for a in (child.args.vararg, child.args.kwarg) if a is not None]
                    bare = [a.arg for a in args if a.annotation is None and a.arg not in ("self", "cls")]
                    if bare or (child.returns is None and child.name != "__init__"):
                        missing.append(f"{name}.{child.name}: " + (f"arguments {bare}" if bare else "")
                                       + (" return" if child.returns is None and child.name != "__init__" else ""))

        visit(tree, False)
    assert not missing, f"{len(missing)} public functions lack annotations:\n" + "\n".join(missing)


def test_no_module_is_over_500_lines():
    long = {str(p.relative_to(PACKAGE)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text().splitlines())) > 500}
    assert not long, long


@pytest.mark.parametrize("statement, heavy", [
    ("import corridor", ("pyomo", "pandas", "openpyxl", "highspy", "numpy")),
    ("import corridor.cli", ("pyomo", "pandas", "openpyxl", "highspy", "numpy")),
    ("import corridor; corridor.read_inputs", ("pyomo", "highspy")),
])
def test_the_public_face_imports_nothing_heavy(statement, heavy):
    code = f"{statement}; import sys; print(','.join(m for m in {heavy!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"{statement} imported {out.stdout.strip()}"


def test_the_public_face_names_exist():
    import corridor
    for name in corridor.__all__:
        assert getattr(corridor, name) is not None, name
    with pytest.raises(AttributeError):
        corridor.no_such_name  # noqa: B018
