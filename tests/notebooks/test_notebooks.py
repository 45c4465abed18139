"""The notebooks: committed without outputs, and each one runs top to bottom on the emulator.

Each notebook is executed by nbclient on the ``python3`` kernel that ipykernel installs into
this interpreter's own ``share/jupyter`` (so nothing is installed at test time), in a
temporary working directory, with the live-target variables removed so it always talks to
the embedded emulator. As a user would, the test sets a notebook's parameters (the cell
that names them first) to the smallest run that still shows what the notebook is about.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import httpx
import nbformat
import pytest
from nbclient import NotebookClient
from nbformat import NotebookNode

from contract.emulator import DEFAULT_API_KEY

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
EXPECTED = [
    "01-explore-payloads.ipynb",
    "02-run-the-contract.ipynb",
    "03-shape-drift.ipynb",
    "04-compare-recordings.ipynb",
]
# Seconds one cell may run before nbclient gives up on it: a guard against a hung kernel,
# far past what any cell needs (how long a notebook takes is no property of the notebook).
CELL_TIMEOUT = 300
# The parameters a notebook is run with where its own are larger than what it shows needs
# (with fewer valid payloads 03 sees no number field change its type; 01 only draws, and 04
# records one already).
SMALLEST: dict[str, dict[str, object]] = {"02-run-the-contract.ipynb": {"EXAMPLES": 1}}
IMPORT = re.compile(r"^\s*(?:from|import)\s+([\w.]+)", re.MULTILINE)
LIVE_VARIABLES = ("CLOSE_BASE_URL", "CLOSE_API_KEY", "CLOSE_OTHER_API_KEY")
JUPYTER = Path(sys.executable).parent / "jupyter"


# nbformat has no type hints: its three calls the tests make, typed once.
def read(path: Path) -> NotebookNode:
    notebook: NotebookNode = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
    return notebook


def write(notebook: NotebookNode, path: Path) -> None:
    nbformat.write(notebook, path)  # type: ignore[no-untyped-call]


def code_cell(source: str) -> NotebookNode:
    cell: NotebookNode = nbformat.v4.new_code_cell(source)  # type: ignore[no-untyped-call]
    return cell


def new_notebook(*sources: str) -> NotebookNode:
    """A notebook of code cells for the ``python3`` kernel."""
    notebook: NotebookNode = nbformat.v4.new_notebook()  # type: ignore[no-untyped-call]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    notebook.cells = [code_cell(source) for source in sources]
    return notebook


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


def execute(notebook: NotebookNode, workdir: Path) -> None:
    """Run every cell in ``workdir``; raise on the first cell error."""
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(workdir)}},
    )
    client.execute()


def with_parameters(notebook: NotebookNode, values: dict[str, object]) -> NotebookNode:
    """``notebook`` with a cell that sets ``values`` right after the cell that names them
    first (its parameters cell)."""
    if not values:
        return notebook
    cells = notebook.cells
    where = next(
        index
        for index, cell in enumerate(cells)
        if cell.cell_type == "code"
        and all(re.search(rf"^{name} = ", cell.source, re.M) for name in values)
    )
    source = "\n".join(f"{name} = {value!r}" for name, value in values.items())
    cells.insert(where + 1, code_cell(source))
    return notebook


def test_every_notebook_is_there() -> None:
    assert [path.name for path in NOTEBOOKS] == EXPECTED
    assert set(SMALLEST) <= set(EXPECTED)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path: Path) -> None:
    notebook = read(path)
    nbformat.validate(notebook)

    assert notebook.metadata.kernelspec.name == "python3"
    for cell in code_cells(notebook):
        assert cell.outputs == [], f"{path.name} cell {cell.id} has outputs: clear them"
        assert cell.execution_count is None, f"{path.name} cell {cell.id} has a count"
        assert "execution" not in cell.metadata, f"{path.name} cell {cell.id} has timings"


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
        "violating answers, hatched in the chart below",
    ],
    "03-shape-drift.ipynb": [
        "key removed at $.date_updated",
        'class="close-contract-drift"',
        "(removed, breaking)",
        "(type changed, breaking)",
        "valid:create  201 → 200",
    ],
    "04-compare-recordings.ipynb": [
        "recorded last-night/ from an emulator with no fault",
        "recorded tonight/ from an emulator with create_returns_200, drop_date_updated",
        "case kinds changed their statuses",
        "close-contract diff last-night tonight: exit 1",
        "key removed at $.date_updated",
        'class="close-contract-drift"',
        "201 → 200  (status changed, breaking)",
        "cases offline:",
        "response_schema_conformance",
    ],
}
IMAGES = {"02-run-the-contract.ipynb": 2, "04-compare-recordings.ipynb": 1}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_on_the_emulator(path: Path, kernel_env: None, tmp_path: Path) -> None:
    notebook = with_parameters(read(path), SMALLEST.get(path.name, {}))

    execute(notebook, tmp_path)

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
        for cell in code_cells(read(path))
        for match in IMPORT.finditer(cell.source)
        if any(part.startswith("_") for part in match.group(1).split("."))
    ]
    assert not offenders, f"notebooks use private modules: {offenders}"


# --- the notebooks and lab extras: jupyter nbconvert and jupyter lab ------------------------


def extra(name: str) -> set[str]:
    """The distribution names an optional dependency group of the project lists."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    requirements = project["project"]["optional-dependencies"][name]
    return {re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0].lower() for r in requirements}


def test_the_notebooks_extra_brings_what_running_them_needs() -> None:
    # `jupyter nbconvert --execute` (nbconvert on nbclient), the kernel the notebooks name
    # (ipykernel), and what the notebooks import...
    assert {"nbconvert", "nbclient", "nbformat", "ipykernel"} <= extra("notebooks")
    assert {"matplotlib", "pandas"} <= extra("notebooks")
    # ...while `jupyter lab` comes apart, so that an environment which only runs the contract
    # does not pay for what JupyterLab's dependencies make jsonschema import.
    assert "jupyterlab" not in extra("notebooks")
    assert extra("lab") == {"jupyterlab"}


def test_jupyter_nbconvert_executes_a_notebook_on_this_interpreter(
    kernel_env: None, tmp_path: Path
) -> None:
    # (the kernel the notebooks name is this interpreter's, run where the notebook is)
    where = "import os, sys\nprint(sys.prefix, os.getcwd())"
    source = "from contract import explore\nprint('explore has', len(explore.__all__), 'names')"
    write(new_notebook(where, source), tmp_path / "probe.ipynb")

    command = [str(JUPYTER), "nbconvert", "--to", "notebook", "--execute", "probe.ipynb"]
    done = subprocess.run(
        [*command, "--output", "executed"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr
    (interpreter, explored) = outputs_of(read(tmp_path / "executed.ipynb"))
    assert interpreter.text.split() == [sys.prefix, str(tmp_path)]
    assert explored.text.startswith("explore has ")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_jupyter_lab_serves_the_notebooks(
    kernel_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("jupyterlab", reason="the lab extra is not installed")
    # Jupyter's runtime files and settings go to the test's directory, not the home.
    for name in ("JUPYTER_RUNTIME_DIR", "JUPYTER_CONFIG_DIR", "IPYTHONDIR"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    port, token = free_port(), "close-contract-test-token"
    # A file, not a pipe: nobody reads the log while the server runs, and a full pipe
    # would block it.
    log = (tmp_path / "jupyter-lab.log").open("w")
    server = subprocess.Popen(
        [
            str(JUPYTER),
            "lab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={ROOT / 'notebooks'}",
            # An extension manager that never asks a package index for anything.
            "--LabApp.extension_manager=readonly",
            # CI runs as root, where the server refuses to start unless told otherwise.
            *(["--allow-root"] if os.geteuid() == 0 else []),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        headers = {"Authorization": f"token {token}"}
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                log.flush()
                output = (tmp_path / "jupyter-lab.log").read_text("utf-8", errors="replace")
                pytest.fail(f"jupyter lab exited {server.returncode}:\n{output[-3000:]}")
            try:
                page = httpx.get(f"{base}/lab", headers=headers, timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "jupyter lab did not start in 60 s"
                time.sleep(0.5)
        assert page.status_code == 200 and "JupyterLab" in page.text
        contents = httpx.get(f"{base}/api/contents", headers=headers, timeout=10).json()
        listed = [item["name"] for item in contents["content"] if item["type"] == "notebook"]
        assert sorted(listed) == EXPECTED
        kernels = httpx.get(f"{base}/api/kernelspecs", headers=headers, timeout=10).json()
        assert "python3" in kernels["kernelspecs"]
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
