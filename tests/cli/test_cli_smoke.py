"""The installed ``close-contract`` command itself, in a process of its own: its entry point,
a run of the embedded emulator as ``make run`` starts it, and signals (Ctrl-C while the
command starts, and during a run: cleanup, reports marked interrupted, exit 130). The rest
of the CLI's tests drive the same ``main`` in this process (tests/support/cli.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from support.run import ROOT, clean_env, cli, interrupt_cli, leftovers

from contract.emulator import EmulatorServer


def report_of(path: Path) -> Any:
    return json.loads(path.read_text("utf-8"))


def test_the_command_runs_the_embedded_emulator_when_told_whatever_the_shell_holds() -> None:
    # Given an API root and a key exported in the shell
    env = clean_env(
        CLOSE_BASE_URL="https://api.close.com/api/v1",
        CLOSE_API_KEY="api_" + "0f1e2d3c4b" * 3,
    )

    # When the command runs with --target emulator (as `make run` does), the report to stdout
    result = cli(
        "run", "--target", "emulator", "--examples", "1", "--stateful-runs", "0",
        "--report-json", "-", env=env,
    )  # fmt: skip

    # Then the variables are noticed and dropped, and the emulator's contract holds
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["target"]["kind"] == "emulator" and report["summary"]["exit_code"] == 0
    assert "close-contract: notice: CLOSE_BASE_URL is not used by the embedded emulator" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr


# Raises KeyboardInterrupt when `close-contract run` imports the engine, as a Ctrl-C in
# that (about 0.3 s long) moment does.
_INTERRUPT_WHILE_IMPORTING = """
import sys

class Interrupt:
    def find_spec(self, name, path=None, target=None):
        if name == "contract.engine":
            raise KeyboardInterrupt
        return None

sys.meta_path.insert(0, Interrupt())
from contract.cli import main
main(["run"], prog_name="close-contract")
"""


def test_ctrl_c_while_the_command_starts_is_exit_130() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _INTERRUPT_WHILE_IMPORTING],
        cwd=ROOT,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "Traceback" not in result.stderr
    assert result.returncode == 130, result.stderr


def test_ctrl_c_writes_the_reports_marked_interrupted_and_exits_130(tmp_path: Path) -> None:
    report, junit = tmp_path / "r.json", tmp_path / "r.xml"
    with EmulatorServer(db_path=tmp_path / "e.db") as srv:
        before = leftovers(srv)
        args = ["run", "--base-url", srv.base_url, "--api-key", srv.api_key]
        # Enough examples that the run is still going a second after it found its target.
        args += ["--examples", "150", "--report-json", str(report), "--junit-xml", str(junit)]
        code, _, stderr = interrupt_cli(args, 1.0)
        after = leftovers(srv)

    assert code == 130, stderr
    assert "Traceback" not in stderr
    assert stderr.splitlines()[-1].startswith("interrupted")
    data = report_of(report)
    assert data["summary"]["interrupted"] is True
    assert data["summary"]["exit_code"] == 130
    assert 0 < data["summary"]["cases"] < 2 * 150
    assert junit.read_text("utf-8").startswith("<?xml")
    assert after == before
