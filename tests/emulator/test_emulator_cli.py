"""The `serve` command, driven through its door: a subprocess."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from contract.emulator import DEFAULT_API_KEY, FAULTS, serve_command

ROOT = Path(__file__).resolve().parents[2]
COMMAND = [sys.executable, "-m", "contract.emulator"]
TIMEOUT = 30
READY = re.compile(r"Close emulator on (http://127\.0\.0\.1:\d+/api/v1)  api key: (\S+)")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*COMMAND, *args], cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )


@dataclass
class Served:
    """A running `serve` subprocess; `stderr` is filled in once it has exited."""

    process: subprocess.Popen[str]
    base_url: str
    key: str
    stderr: str = ""


@contextmanager
def serving(*args: str) -> Iterator[Served]:
    """Start `serve` on a free port and yield it; stop it with SIGINT (Ctrl-C)."""
    served = None
    process = subprocess.Popen(
        [*COMMAND, "--port", "0", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None and process.stderr is not None
        line = process.stdout.readline()
        match = READY.search(line)
        assert match, (line, process.stderr.read() if process.poll() is not None else "")
        served = Served(process, match.group(1), match.group(2))
        yield served
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        try:
            process.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(TIMEOUT)
        assert process.stdout is not None and process.stderr is not None
        if served is not None:
            served.stderr = process.stderr.read()
        process.stdout.close()
        process.stderr.close()


def test_list_faults() -> None:
    result = run("--list-faults")

    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == list(FAULTS)
    for line, description in zip(lines, FAULTS.values(), strict=True):
        assert line.endswith(description)


def test_unknown_fault_is_one_line_and_exit_2() -> None:
    result = run("--fault", "lost_writes", "--fault", "no_such_fault")

    assert result.returncode == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert "no_such_fault" in line
    assert "Traceback" not in result.stderr


def test_help_names_every_option() -> None:
    result = run("--help")

    assert result.returncode == 0
    for option in (
        "--host",
        "--port",
        "--db",
        "--fault",
        "--throttle",
        "--throttle-reset",
        "--api-key",
        "--seed",
        "--chaos",
        "--chaos-seed",
        "--chaos-retry-after",
        "--latency",
        "--list-faults",
    ):
        assert option in result.stdout
    assert "Retry-After" in result.stdout


def test_serve_until_ctrl_c(tmp_path: Path) -> None:
    db = tmp_path / "served.sqlite3"
    with serving("--db", str(db), "--fault", "create_returns_200") as served:
        # Then it prints the base URL and the demo key, and serves the API there
        assert served.key == DEFAULT_API_KEY
        with httpx.Client(auth=(served.key, ""), timeout=10.0) as client:
            assert client.get(served.base_url + "/me/").status_code == 200

    # When interrupted, Then it exits cleanly, without a traceback, and kept its file
    assert served.process.returncode == 0
    assert "Traceback" not in served.stderr
    assert db.exists()


def test_serve_with_api_key_and_throttle() -> None:
    args = ("--api-key", "api_cli_key", "--throttle", "2", "--throttle-reset", "0", "--seed", "5")
    with serving(*args) as served:
        assert served.key == "api_cli_key"
        with httpx.Client(auth=(served.key, ""), timeout=10.0) as client:
            statuses = [client.get(served.base_url + "/me/").status_code for _ in range(2)]
    assert statuses == [200, 429]


def test_sigterm_also_stops_cleanly() -> None:
    with serving() as served:
        served.process.send_signal(signal.SIGTERM)
        served.process.wait(TIMEOUT)

    assert served.process.returncode == 0
    assert "Traceback" not in served.stderr


def test_port_in_use_is_one_line_and_exit_2() -> None:
    with serving() as served:
        port = served.base_url.split(":")[2].split("/")[0]
        result = run("--port", port)

    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert port in line


@pytest.mark.parametrize(
    "args",
    [
        ["--throttle", "0"],
        ["--port", "-1"],
        ["--seed", "x"],
        ["--chaos", "1.5"],
        ["--chaos", "-0.1"],
        ["--chaos", "x"],
        ["--chaos-seed", "x"],
        ["--chaos-retry-after", "-1"],
        ["--latency", "-1"],
        ["--latency", "inf"],
    ],
)
def test_bad_option_values_exit_2(args: list[str]) -> None:
    result = CliRunner().invoke(serve_command, args)

    assert result.exit_code == 2
    assert args[0] in result.output


@pytest.mark.parametrize("args", [["--chaos", "nan"], ["--latency", "nan"]])
def test_nan_is_one_line_and_exit_2(args: list[str]) -> None:
    # click's ranges let NaN through; the emulator's own check answers for it.
    result = run(*args)

    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert args[0].removeprefix("--") in line
    assert "Traceback" not in result.stderr


def test_serve_with_chaos_and_latency() -> None:
    args = ("--chaos", "1", "--chaos-seed", "2", "--chaos-retry-after", "0", "--latency", "0.05")
    with serving(*args) as served:
        seen: list[int | str] = []
        with httpx.Client(auth=(served.key, ""), timeout=10.0) as client:
            for _ in range(12):
                try:
                    seen.append(client.get(served.base_url + "/me/").status_code)
                except httpx.TransportError as exc:
                    seen.append(type(exc).__name__)

    # Every request was disturbed: refused with 503, or dropped without an answer
    assert set(seen) == {503, "RemoteProtocolError"}
    # and a dropped answer is not a server error in the log
    assert served.stderr == ""
