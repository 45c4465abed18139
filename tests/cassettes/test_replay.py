"""Recording and offline replay: same verdict, no network, clear errors for bad input."""

from __future__ import annotations

import base64
import json
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from support.run import verdict

import contract
from contract.emulator import EmulatorServer
from contract.errors import CassetteError

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "cassettes" / "emulator-default"


def test_the_committed_recording_replays_offline_and_holds() -> None:
    # When the committed default recording is replayed with no server running
    cases, finished = verdict(contract.Config(cassettes=COMMITTED))
    corpus = json.loads((COMMITTED / "corpus.json").read_text("utf-8"))
    # Then every stored case ran again, and the contract holds as it did when recorded
    stored = sum(len(batch) for batch in corpus["batches"].values())
    assert sum(1 for label, _, _ in cases if label != "disposable lead") >= stored
    assert finished.summary.violations == 0
    assert finished.summary.requests == len(
        [line for line in (COMMITTED / "cassette.yaml").read_text().splitlines() if "uri:" in line]
    )


@pytest.mark.parametrize(("fault", "sequences"), [("delete_noop", 4), ("number_as_string", 0)])
def test_replay_reaches_the_recorded_verdict(tmp_path: Path, fault: str, sequences: int) -> None:
    # Given a recording of a run against a faulty emulator (one without the stateful
    # phase too: its replay, which takes no --stateful-runs, must not make its leads)
    recorded, first = verdict(
        contract.Config(
            examples=3, emulator_faults=(fault,), record=tmp_path / "rec", stateful_runs=sequences
        )
    )
    assert first.summary.violations > 0
    # When it is replayed offline
    replayed, second = verdict(contract.Config(cassettes=tmp_path / "rec"))
    # Then the same cases get the same statuses and the same violations
    assert replayed == recorded
    assert second.summary.by_check == first.summary.by_check


def closed_port() -> int:
    """A local port where nothing listens (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_replay_opens_no_connection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a recording whose corpus says it was made at a port where nothing listens
    recorded, first = verdict(contract.Config(examples=2, record=tmp_path / "rec"))
    corpus_path = tmp_path / "rec" / "corpus.json"
    corpus = json.loads(corpus_path.read_text("utf-8"))
    url = urlsplit(corpus["base_url"])
    corpus["base_url"] = urlunsplit(url._replace(netloc=f"127.0.0.1:{closed_port()}"))
    corpus_path.write_text(json.dumps(corpus), "utf-8")
    # And no socket in this process may connect anywhere
    attempts: list[Any] = []

    def refuse(_socket: Any, address: Any, *_: Any) -> None:
        attempts.append(address)
        raise OSError("the network is off in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    # When it is replayed
    replayed, second = verdict(contract.Config(cassettes=tmp_path / "rec"))
    # Then nothing tried to connect, and the replay reached the recorded verdict
    assert attempts == []
    assert replayed == recorded
    assert second.summary.requests == first.summary.requests
    assert second.summary.violations == first.summary.violations == 0


def test_a_request_not_in_the_cassette_names_the_nearest(tmp_path: Path) -> None:
    shutil.copytree(COMMITTED, tmp_path / "rec")
    corpus_path = tmp_path / "rec" / "corpus.json"
    corpus = json.loads(corpus_path.read_text("utf-8"))
    key = next(k for k in corpus["batches"] if k.startswith("valid:"))
    corpus["batches"][key][0][0]["payload"]["name"] = "a name never recorded"
    corpus_path.write_text(json.dumps(corpus), "utf-8")
    with pytest.raises(
        CassetteError,
        match=r"POST /api/v1/custom_object/ with body .*a name never recorded.* is not in the "
        r"cassette \(nearest recorded: POST /api/v1/custom_object/ with body",
    ):
        verdict(contract.Config(cassettes=tmp_path / "rec"))


def test_secrets_never_reach_files_or_output(tmp_path: Path) -> None:
    canary = "canary-3f9c1e-do-not-leak-0b7d"
    basic = base64.b64encode(f"{canary}:".encode()).decode()
    with EmulatorServer(api_key=canary) as server:
        out = subprocess.run(
            [
                sys.executable, "-m", "contract.cli", "run",
                "--base-url", server.base_url, "--api-key", canary,
                "--other-api-key", server.other_api_key, "--examples", "3",
                "--record", str(tmp_path / "rec"),
                "--report-json", str(tmp_path / "r.json"),
                "--junit-xml", str(tmp_path / "r.xml"),
                "--report-md", str(tmp_path / "r.md"),
            ],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
    assert out.returncode == 0, out.stderr
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    # three reports, and the recording: cassette, corpus, baseline and answer times
    assert len(written) == 7
    for text in [out.stdout, out.stderr, *(p.read_text("utf-8", "replace") for p in written)]:
        assert canary not in text and basic not in text
    assert "[REDACTED]" in (tmp_path / "rec" / "cassette.yaml").read_text("utf-8")


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "contract.cli", *args], capture_output=True, text=True, timeout=120
    )


def broken_copy(tmp_path: Path, name: str, text: str) -> Path:
    shutil.copytree(COMMITTED, tmp_path / "rec")
    (tmp_path / "rec" / name).write_text(text, "utf-8")
    return tmp_path / "rec"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "missing", "does not exist"),
        (lambda p: broken_copy(p, "cassette.yaml", "interactions: [\n  - {"), "not a readable"),
        (
            lambda p: broken_copy(
                p,
                "corpus.json",
                (COMMITTED / "corpus.json")
                .read_text("utf-8")
                .replace('"toolkit_version": "0.', '"toolkit_version": "9.'),
            ),
            "record it again",
        ),
        (lambda p: broken_copy(p, "corpus.json", "{not json"), "not a valid corpus"),
    ],
    ids=["missing-dir", "corrupt-yaml", "incompatible-version", "corrupt-corpus"],
)
def test_bad_cassettes_are_one_line_and_exit_2(tmp_path: Path, make: Any, message: str) -> None:
    out = cli("run", "--cassettes", str(make(tmp_path)))
    assert out.returncode == 2, out.stderr
    assert message in out.stderr
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[1, 2", "baseline"),
        (
            (COMMITTED / "baseline.json")
            .read_text("utf-8")
            .replace('"endpoint": "custom_object"', '"endpoint": "lead"'),
            "endpoint",
        ),
    ],
    ids=["malformed", "other-endpoint"],
)
def test_bad_baselines_are_one_line_and_exit_2(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "b.json").write_text(content, "utf-8")
    out = cli("run", "--cassettes", str(COMMITTED), "--baseline", str(tmp_path / "b.json"))
    assert out.returncode == 2, out.stderr
    assert message in out.stderr and str(tmp_path / "b.json") in out.stderr
    assert "Traceback" not in out.stderr


def test_diff_of_two_recordings(tmp_path: Path) -> None:
    same = cli("diff", str(COMMITTED), str(COMMITTED / "baseline.json"))
    assert same.returncode == 0, same.stdout + same.stderr
    baseline = json.loads((COMMITTED / "baseline.json").read_text("utf-8"))
    created = next(k for k in baseline["operations"] if k.startswith("POST custom_object/ 2"))
    del baseline["operations"][created]["keys"]["date_updated"]
    (tmp_path / "new.json").write_text(json.dumps(baseline), "utf-8")
    changed = cli("diff", str(COMMITTED), str(tmp_path / "new.json"), "--json")
    assert changed.returncode == 1
    [regression] = json.loads(changed.stdout)
    assert regression["check"] == "shape_regression" and regression["severity"] == "breaking"
    assert regression["path"] == "$.date_updated"
