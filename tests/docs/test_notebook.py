"""The example notebook (docs/examples/build_a_case.ipynb) runs from top to bottom in a fresh kernel, writes
nothing, and shows what it says: the workbook's message for its mistake, the cost lines, the flows and the map."""
from __future__ import annotations

import base64
import struct
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOK = Path(__file__).resolve().parents[2] / "docs" / "examples" / "build_a_case.ipynb"


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The notebook executed in an empty folder, in ipykernel's python3 kernel (this interpreter); (notebook,
    folder, seconds)."""
    folder = tmp_path_factory.mktemp("notebook")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": folder}},
                                     allow_errors=False)
    start = time.perf_counter()
    client.execute()
    return nb, folder, time.perf_counter() - start


def outputs(nb, mime: str) -> list:
    return [o["data"][mime] for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", ())
            if "data" in o and mime in o["data"]]


def text_of(nb) -> str:
    parts = []
    for cell in nb.cells:
        for o in cell.get("outputs", ()) if cell.cell_type == "code" else ():
            parts.append(o.get("text", "") + o.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


def test_the_notebook_runs_without_errors_and_writes_nothing(executed):
    nb, folder, seconds = executed
    errors = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", ())
              if o.get("output_type") == "error"]
    assert not errors
    assert sorted(p.name for p in folder.iterdir()) == []
    assert seconds < 30, f"the notebook took {seconds:.1f} s"


def test_the_notebook_shows_the_mistake_the_costs_the_flows_and_the_map(executed):
    nb, _folder, _s = executed
    text = text_of(nb)
    assert "ERROR: legs row 3 column 'cost_per_t': -60 is below the minimum 0" in text, text
    assert "optimal" in text and "total cost" in text
    html = "\n".join(outputs(nb, "text/html"))
    assert "freight" in html and "processing" in html  # the cost lines
    assert "VIA-CN" in html and "Middle Corridor" in html  # the flows
    pngs = outputs(nb, "image/png")
    assert len(pngs) == 1
    png = base64.b64decode(pngs[0])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (1200, 640)


def test_the_notebook_is_stored_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in nb.cells if c.cell_type == "code")
    assert any("docs/inputs.md" in c.source for c in nb.cells if c.cell_type == "markdown")
