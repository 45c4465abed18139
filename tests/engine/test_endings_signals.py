"""A cancelled CI job: SIGTERM and SIGHUP end a run as Ctrl-C does (cleanup, reports marked
interrupted, exit 130 / 143 / 129), and a second signal never cuts the cleanup short.

Each test runs ``close-contract run`` in a real subprocess against an emulator the test
started itself, and counts what is left in its database afterwards.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest
from support.run import interrupt_cli, leftovers

from contract.emulator import EmulatorServer

pytestmark = pytest.mark.skipif(
    not hasattr(signal, "SIGHUP"), reason="SIGHUP exists on POSIX systems only"
)


def signal_cli(args: list[str], signals: list[int], delay: float) -> tuple[int, str, str]:
    """Run ``close-contract ARGS``; send ``signals`` ``delay`` s after it found its target."""
    code, out, err = interrupt_cli(args, delay, signals)
    assert code is not None
    return code, out, err


@pytest.mark.parametrize(
    ("signals", "code"),
    [
        ([signal.SIGINT], 130),
        ([signal.SIGTERM], 143),
        ([signal.SIGHUP], 129),
        # A cancelled job that is cancelled again (or Ctrl-C pressed twice) still cleans up.
        ([signal.SIGTERM, signal.SIGTERM, signal.SIGINT], 143),
    ],
    ids=["ctrl-c", "sigterm", "sighup", "second-signal"],
)
def test_a_signal_cleans_up_writes_the_reports_and_exits_128_plus_it(
    tmp_path: Path, signals: list[int], code: int
) -> None:
    report, markdown, state = tmp_path / "r.json", tmp_path / "r.md", tmp_path / "state"
    with EmulatorServer(db_path=tmp_path / "e.db") as srv:
        before = leftovers(srv)
        args = ["run", "--base-url", srv.base_url, "--api-key", srv.api_key]
        # Enough examples that the run is still going a second after it found its target.
        args += ["--examples", "150", "--report-json", str(report), "--report-md", str(markdown)]
        args += ["--state-dir", str(state)]
        # When the signal comes in the middle of the run
        returncode, _, stderr = signal_cli(args, signals, 1.0)
        after = leftovers(srv)

    # Then the run cleaned up everything it created, and says it was interrupted
    assert returncode == code, stderr
    assert after == before
    assert "Traceback" not in stderr
    assert stderr.splitlines()[-1].startswith("interrupted")
    # And its reports were written, marked interrupted, with the exit code of the signal
    data = json.loads(report.read_text("utf-8"))
    assert data["interrupted"] is True and data["summary"]["interrupted"] is True
    assert data["summary"]["exit_code"] == code
    assert data["summary"]["cases"] > 0
    assert "**Interrupted**" in markdown.read_text("utf-8")
    # And the run printed its token at the start, and its journal says it cleaned up
    (token_line,) = [line for line in stderr.splitlines() if line.startswith("run token:")]
    token = token_line.split()[2]
    text = (state / "runs" / f"{token}.jsonl").read_text("utf-8")
    journal = [json.loads(line) for line in text.splitlines()]
    assert journal[0]["event"] == "started" and journal[-1]["event"] == "cleaned"


def test_after_a_hard_kill_cleanup_with_the_printed_token_deletes_what_the_run_left(
    tmp_path: Path,
) -> None:
    from click.testing import CliRunner

    from contract.cli import main

    state = tmp_path / "state"
    with EmulatorServer(db_path=tmp_path / "e.db") as srv:
        before = leftovers(srv)
        args = ["run", "--base-url", srv.base_url, "--api-key", srv.api_key]
        args += ["--examples", "150", "--state-dir", str(state)]
        # Given a run killed outright in its middle (CI's SIGKILL after the grace period)
        returncode, _, stderr = signal_cli(args, [signal.SIGKILL], 1.0)
        assert returncode == -signal.SIGKILL
        left = leftovers(srv)
        (token_line,) = [line for line in stderr.splitlines() if line.startswith("run token:")]
        token = token_line.split()[2]

        # When cleanup runs with the token the run printed at its start
        result = CliRunner().invoke(
            main,
            [
                "cleanup",
                "--base-url",
                srv.base_url,
                "--run-token",
                token,
                "--state-dir",
                str(state),
            ],
            env={"CLOSE_API_KEY": srv.api_key},
        )
        after = leftovers(srv)

    # Then what the run had left is gone, and nothing else
    assert left["lead"] > before["lead"], "the kill came after the run cleaned up"
    assert result.exit_code == 0, result.output
    assert after == before
