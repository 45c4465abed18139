"""The CLI's doors to concurrency and pacing: --workers, --max-rate, the pace line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.cli import cli, error_lines

from contract.cli._progress import pace_line
from contract.events import Progress

# No stateful phase: the pace of the single-case phases is the point.
SMALL = ("--stateful-runs", "0", "-q")


def test_workers_and_max_rate_reach_the_run(tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    done = cli(
        "run", *SMALL, "--examples", "2", "--workers", "3", "--max-rate", "500",
        "--report-json", str(report),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    data = json.loads(report.read_text())
    summary = data["summary"]
    assert summary["workers"] == 3 and summary["throttled"] == 0
    assert summary["first_violation_request"] is None
    assert (data["options"]["workers"], data["options"]["max_rate"]) == (3, 500.0)


def test_the_embedded_emulator_chooses_one_worker(tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    done = cli("run", *SMALL, "--examples", "1", "--report-json", str(report))
    assert done.returncode == 0, done.stderr
    data = json.loads(report.read_text())
    assert data["summary"]["workers"] == 1 and data["options"]["workers"] is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--workers", "0"], "--workers must be between 1 and 64, got 0"),
        (["--max-rate", "0"], "--max-rate must be a positive number of requests per second"),
        (["--workers", "65"], "--workers must be between 1 and 64, got 65"),
        (["--workers", "many"], "--workers: 'many' is not a whole number"),
        (["--emulator-rate-limit", "0"], "--emulator-rate-limit must be at least 1, got 0"),
    ],
)
def test_bad_values_are_usage_errors(args: list[str], message: str) -> None:
    done = cli("run", *args)
    assert done.returncode == 2
    (line,) = error_lines(done.stderr)
    assert line.startswith(f"close-contract: error: {message}"), line


def test_the_emulator_rate_limit_is_refused_for_a_live_target() -> None:
    done = cli(
        "run", "--base-url", "http://127.0.0.1:9/api/v1", "--api-key", "k" * 20,
        "--emulator-rate-limit", "10",
    )  # fmt: skip
    assert done.returncode == 2
    assert error_lines(done.stderr) == [
        "close-contract: error: --emulator-rate-limit is not used by a live target "
        "(--base-url): drop it, or use it with the embedded emulator (--target emulator)"
    ]


def test_an_emulator_rate_limit_is_paced_without_a_429(tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    done = cli(
        "run", *SMALL, "--examples", "1", "--emulator-rate-limit", "200", "--workers", "4",
        "--report-json", str(report),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(report.read_text())["summary"]["throttled"] == 0


def test_the_pace_line_shows_rate_429s_and_the_budget() -> None:
    line = pace_line(
        Progress(
            requests=120, elapsed=2.0, rate=48.24, throttled=1, cases=30, workers=8,
            budget_limit=100, budget_remaining=61, budget_reset=0.44,
        )
    )  # fmt: skip
    assert line == "48.2 req/s · 1 × 429 · 8 workers · budget 61/100 (0.4 s)"
    # Before the server reported a budget, and with one worker, neither is shown
    bare = pace_line(Progress(3, 0.1, 0.0, 0, 1, 1))
    assert bare == "0.0 req/s · 0 × 429"
