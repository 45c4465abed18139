"""The notebooks: committed without outputs, and each one runs top to bottom on the emulator.

Each notebook is executed by nbclient on the ``python3`` kernel that ipykernel installs into
this interpreter's own ``share/jupyter`` (so nothing is installed at test time), in a
temporary working directory, with the live-target variables removed so it always talks to
the embedded emulator.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat import NotebookNode

from contract.emulator import DEFAULT_API_KEY

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
EXPECTED = ["01-explore-payloads.ipynb", "02-run-the-contract.ipynb", "03-shape-drift.ipynb"]
PER_NOTEBOOK = 40.0  # seconds, kernel start included
TOTAL = 120.0
IMPORT = re.compile(r"^\s*(?:from|import)\s+([\w.]+)", re.MULTILINE)
LIVE_VARIABLES = ("CLOSE_BASE_URL", "CLOSE_API_KEY", "CLOSE_OTHER_API_KEY")


def code_cells(notebook: NotebookNode) -> list[NotebookNode]:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def outputs_of(notebook: NotebookNode) -> list[NotebookNode]:
    return [output for cell in code_cells(notebook) for output in cell.get("outputs", [])]


def text_of(output: NotebookNode) -> str:
    if output.output_type == "stream":
        return str(output.text)
    return "\n".join(str(value) for value in output.get("data", {}).values())


@pytest.fixture
def kernel_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment the kernel inherits: no live target, the repository root known."""
    for name in LIVE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    # jupyter_core warns (DeprecationWarning) that it will move its directories to
    # platformdirs unless asked to do so already; under filterwarnings=error that warning
    # would fail the test, and opting in changes nothing for a kernel found in sys.prefix.
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    # debugpy, loaded by ipykernel, prints a notice about frozen modules on Python 3.11.
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    monkeypatch.setenv("CLOSE_CONTRACT_ROOT", str(ROOT))


def execute(notebook: NotebookNode, workdir: Path) -> float:
    """Run every cell in ``workdir``; raise on the first cell error; return the seconds."""
    client = NotebookClient(
        notebook,
        timeout=int(PER_NOTEBOOK),
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(workdir)}},
    )
    started = time.perf_counter()
    client.execute()
    return time.perf_counter() - started


def test_every_notebook_is_there_within_the_time_budget() -> None:
    assert [path.name for path in NOTEBOOKS] == EXPECTED
    # Each notebook is held to PER_NOTEBOOK; together they must stay under TOTAL.
    assert len(NOTEBOOKS) * PER_NOTEBOOK <= TOTAL


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)

    assert notebook.metadata.kernelspec.name == "python3"
    for cell in code_cells(notebook):
        assert cell.outputs == [], f"{path.name} cell {cell.id} has outputs: clear them"
        assert cell.execution_count is None, f"{path.name} cell {cell.id} has a count"
        assert "execution" not in cell.metadata, f"{path.name} cell {cell.id} has timings"


def test_the_kernel_runs_this_interpreter(kernel_env: None, tmp_path: Path) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("import os, sys\nprint(sys.prefix, os.getcwd())")]

    execute(notebook, tmp_path)

    (output,) = outputs_of(notebook)
    assert output.text.split() == [sys.prefix, str(tmp_path)]


CHECKS: dict[str, list[str]] = {
    "01-explore-payloads.ipynb": [
        "same seed, same cases: True | another seed, other cases: True",
        "Basic [REDACTED]",
        "required_missing",
        "and 1 lead; emulator stopped",
    ],
    "02-run-the-contract.ipynb": [
        "target kind: emulator",
        "embedded emulator with faults accept_invalid_choice",
        "status_conformance",
        "invalid:choice_not_allowed",
    ],
    "03-shape-drift.ipynb": [
        "key removed at $.date_updated",
        'class="close-contract-drift"',
        "(removed, breaking)",
        "(type changed, breaking)",
        "valid:create  201 → 200",
    ],
}
IMAGES = {"02-run-the-contract.ipynb": 2}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_on_the_emulator(path: Path, kernel_env: None, tmp_path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)

    seconds = execute(notebook, tmp_path)

    assert seconds < PER_NOTEBOOK, f"{path.name} took {seconds:.1f} s"
    outputs = outputs_of(notebook)
    stderr = [text_of(o) for o in outputs if o.output_type == "stream" and o.name == "stderr"]
    assert not stderr, f"{path.name} wrote to stderr (a warning?):\n" + "\n".join(stderr)
    text = "\n".join(text_of(o) for o in outputs)
    assert DEFAULT_API_KEY not in text, f"{path.name} shows the API key"
    missing = [expected for expected in CHECKS[path.name] if expected not in text]
    assert not missing, f"{path.name} does not show {missing}"
    images = sum("image/png" in o.get("data", {}) for o in outputs)
    assert images == IMAGES.get(path.name, 0)


def test_notebooks_import_only_public_modules() -> None:
    offenders = [
        (path.name, match.group(0))
        for path in NOTEBOOKS
        for cell in code_cells(nbformat.read(path, as_version=4))
        for match in IMPORT.finditer(cell.source)
        if any(part.startswith("_") for part in match.group(1).split("."))
    ]
    assert not offenders, f"notebooks use private modules: {offenders}"
