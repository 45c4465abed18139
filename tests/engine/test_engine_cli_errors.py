"""Bad input through the front door: one clear line on stderr, exit 2 (3 for an unreachable
target), never a traceback."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from contract.emulator import EmulatorServer

from ._support import ROOT, clean_env, cli, error_lines

MISSING_TYPE = "cotype_" + "0" * 22
MISSING_LEAD = "lead_" + "0" * 43


@pytest.fixture(scope="module")
def srv() -> Iterator[EmulatorServer]:
    with EmulatorServer() as server:
        yield server


def assert_one_error(result: subprocess.CompletedProcess[str], code: int, *says: str) -> str:
    """The run failed with ``code`` and one error line that says ``says``; returns the line."""
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert result.returncode == code, output
    (line,) = error_lines(result.stderr)
    assert result.stderr.rstrip().splitlines()[-1] == line
    for words in says:
        assert words in line, line
    return line


def assert_before_any_request(result: subprocess.CompletedProcess[str]) -> None:
    # Nothing ran: the error is all there is.
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stdout == ""


def test_live_url_without_a_key(srv: EmulatorServer) -> None:
    result = cli("run", "--base-url", srv.base_url)
    assert_one_error(result, 2, "no API key", "--api-key", "CLOSE_API_KEY")
    assert_before_any_request(result)


def test_key_from_the_environment_is_used(srv: EmulatorServer) -> None:
    result = cli(
        "run",
        "--base-url",
        srv.base_url,
        "--custom-object-type-id",
        MISSING_TYPE,
        env=clean_env(CLOSE_API_KEY=srv.api_key),
    )
    # The key was accepted: the run got as far as the (unknown) type.
    assert_one_error(result, 2, MISSING_TYPE)


def test_rejected_key(srv: EmulatorServer) -> None:
    result = cli("run", "--base-url", srv.base_url, "--api-key", "not-a-real-key")
    line = assert_one_error(result, 2, "the API key was rejected (401)")
    assert "not-a-real-key" not in result.stdout + result.stderr, line


def test_unreachable_host_is_exit_3() -> None:
    # Given a loopback port nobody listens on
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]

    # When the run tries it (with its retries and back-off)
    result = cli("run", "--base-url", f"http://127.0.0.1:{port}/api/v1", "--api-key", "k")

    # Then it says so, as an infrastructure failure, not a violation
    assert_one_error(result, 3, f"127.0.0.1:{port}")


@pytest.mark.parametrize("suffix", ["/", "/api/v2"])
def test_base_url_that_is_not_an_api_root(srv: EmulatorServer, suffix: str) -> None:
    root = srv.base_url.removesuffix("/api/v1")
    result = cli("run", "--base-url", root + suffix, "--api-key", srv.api_key)
    assert_one_error(result, 2, "API root")


def test_unknown_custom_object_type(srv: EmulatorServer) -> None:
    result = cli(
        "run",
        *("--base-url", srv.base_url, "--api-key", srv.api_key),
        *("--custom-object-type-id", MISSING_TYPE),
    )
    assert_one_error(result, 2, MISSING_TYPE)


def test_malformed_custom_object_type(srv: EmulatorServer) -> None:
    result = cli("run", "--custom-object-type-id", "Subscription")
    assert_one_error(result, 2, "'Subscription'", "cotype_")
    assert_before_any_request(result)


def test_nonexistent_lead(srv: EmulatorServer) -> None:
    # Given a server whose rows the test can count
    before = srv.count_rows("custom_object"), srv.count_rows("lead")

    # When a run is pointed at a lead that does not exist
    result = cli(
        "run",
        *("--base-url", srv.base_url, "--api-key", srv.api_key),
        *("--lead-id", MISSING_LEAD),
    )

    # Then it stops at once and created nothing
    assert_one_error(result, 2, MISSING_LEAD, "no such lead")
    assert (srv.count_rows("custom_object"), srv.count_rows("lead")) == before


def test_no_examples() -> None:
    result = cli("run", "--examples", "0")
    assert_one_error(result, 2, "--examples", "at least 1")
    assert_before_any_request(result)


def test_unknown_fault() -> None:
    result = cli("run", "--emulator-fault", "no_such_fault")
    assert_one_error(result, 2, "no_such_fault")


@pytest.mark.parametrize(
    ("option", "where"),
    [
        ("--report-json", "/proc/close-contract/r.json"),
        ("--junit-xml", "{file}/deeper/r.xml"),
        ("--report-md", "{dir}"),
    ],
    ids=["proc", "under-a-file", "a-directory"],
)
def test_unwritable_report_fails_before_the_run(tmp_path: Path, option: str, where: str) -> None:
    # Given a report path that cannot be written (root may write anywhere permission bits
    # allow, so these are places nobody can write to)
    (tmp_path / "file").write_text("")
    path = where.format(file=tmp_path / "file", dir=tmp_path)

    # When a run is asked for it
    result = cli("run", "--examples", "1", option, path)

    # Then the run stops before it starts, saying which path
    assert_one_error(result, 2, path)
    assert_before_any_request(result)


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
