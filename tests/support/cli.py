"""The CLI through its door, in this process: click's runner calling ``contract.cli.main``,
as ``close-contract`` does (test_cli_smoke.py runs the installed command itself)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

import httpx
from click.testing import CliRunner

from contract.cli import main
from contract.emulator import EmulatorServer

__all__ = ["Ran", "cli", "error_lines", "one_type", "small_run"]


@dataclass(frozen=True)
class Ran:
    """What one command did: its exit code and what it wrote to stdout and stderr."""

    returncode: int
    stdout: str
    stderr: str


def cli(*args: str, env: Mapping[str, str | None] | None = None) -> Ran:
    """``close-contract ARGS`` with ``env`` on top of this process's environment (the tests'
    own: no CLOSE_* variable but CLOSE_STATE_DIR; None removes a variable). An exception
    the command lets out fails the test, as a traceback would."""
    result = CliRunner().invoke(main, list(args), env=dict(env or {}), catch_exceptions=False)
    return Ran(result.exit_code, result.stdout, result.stderr)


def error_lines(stderr: str) -> list[str]:
    """The error lines of ``stderr``."""
    return [line for line in stderr.splitlines() if line.startswith("close-contract: error:")]


@functools.cache
def one_type() -> str:
    """The id of the embedded emulator's Asset type: no other type references it, so it
    runs alone (the emulator's ids are seeded, so every fresh one has the same)."""
    with EmulatorServer() as server:
        answer = httpx.get(f"{server.base_url}/custom_object_type/", auth=(server.api_key, ""))
    found: str = next(t["id"] for t in answer.json()["data"] if t["name"] == "Asset")
    return found


def small_run() -> tuple[str, ...]:
    """Options that make a whole run as small as it gets: one example of one type, no
    stateful phase (for tests of something else than what the run finds)."""
    return ("--examples", "1", "--stateful-runs", "0", "--custom-object-type-id", one_type())
