"""Bad input through the front door: one clear line on stderr, exit 2 (3 for an unreachable
target), never a traceback. In this process, through click's runner (tests/support/cli.py)."""

from __future__ import annotations

import json
import os
import shutil
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from support.cli import Ran, cli, error_lines, small_run
from support.run import ROOT

from contract.baseline import FORMAT_VERSION
from contract.config import DEFAULT_EXAMPLES, MAX_EXAMPLES, MAX_LIVE_EXAMPLES, Config
from contract.emulator import EmulatorServer

MISSING_TYPE = "cotype_" + "0" * 22
MISSING_LEAD = "lead_" + "0" * 43


@pytest.fixture(scope="module")
def srv() -> Iterator[EmulatorServer]:
    with EmulatorServer() as server:
        yield server


def assert_one_error(result: Ran, code: int, *says: str) -> str:
    """The run failed with ``code`` and one error line that says ``says``; returns the line."""
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert result.returncode == code, output
    (line,) = error_lines(result.stderr)
    assert result.stderr.rstrip().splitlines()[-1] == line
    for words in says:
        assert words in line, line
    return line


def assert_before_any_request(result: Ran) -> None:
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
        env={"CLOSE_API_KEY": srv.api_key},
    )
    # The key was accepted: the run got as far as the (unknown) type.
    assert_one_error(result, 2, MISSING_TYPE)


def test_rejected_key(srv: EmulatorServer) -> None:
    result = cli("run", "--base-url", srv.base_url, "--api-key", "not-a-real-key-at-all")
    line = assert_one_error(result, 2, "the API key was rejected (401)")
    assert "not-a-real-key-at-all" not in result.stdout + result.stderr, line


def test_unreachable_host_is_exit_3() -> None:
    # Given a loopback port nobody listens on
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]

    # When the run tries it (with one retry after its back-off)
    result = cli(
        "run",
        *("--base-url", f"http://127.0.0.1:{port}/api/v1", "--api-key", "api_" + "k" * 20),
        *("--max-attempts", "2"),
    )

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


# --- Input the toolkit did not write: one line naming the file, before anything runs ------

COMMITTED = ROOT / "cassettes" / "emulator-default"
# A key long enough to be redacted; no server the tests start knows it.
KEY = "api_" + "3f9c1e0b7d" * 3


def recording_copy(tmp_path: Path) -> Path:
    """A copy of the committed recording, for the test to spoil."""
    return Path(shutil.copytree(COMMITTED, tmp_path / "rec"))


def _corpus(edit: Callable[[dict[str, Any]], None]) -> Callable[[str], str]:
    def apply(text: str) -> str:
        data = json.loads(text)
        edit(data)
        return json.dumps(data)

    return apply


def _first(data: dict[str, Any], prefix: str) -> list[Any]:
    entries: list[Any] = next(v for k, v in data["batches"].items() if k.startswith(prefix))
    return entries


def _set(entries: list[Any], value: Any) -> None:
    entries[0] = value


@pytest.mark.parametrize(
    ("name", "edit", "says"),
    [
        ("cassette.yaml", lambda _: '"just a string"\n', "expected a mapping with 'interactions'"),
        ("cassette.yaml", lambda _: "interactions: [5]\n", "interactions[0] must be a mapping"),
        (
            "cassette.yaml",
            lambda _: "interactions:\n- request: {method: GET}\n  response: {}\n",
            "interactions[0] request lacks 'uri', 'body', 'headers'",
        ),
        (
            "cassette.yaml",
            lambda text: text.replace("      code: 200", "      code: OK", 1),
            "response status code must be an HTTP status",
        ),
        ("cassette.yaml", lambda _: "", "it is empty"),
        ("cassette.yaml", lambda _: "interactions: [\n  - {", "invalid YAML"),
        ("corpus.json", lambda _: '{"format": 1,', "invalid JSON"),
        ("corpus.json", lambda _: '"a string"', "expected a JSON object"),
        ("corpus.json", _corpus(lambda d: d.update(batches=[1])), "'batches' must be an object"),
        ("corpus.json", _corpus(lambda d: d.update(seed="0")), "'seed' must be an integer"),
        (
            "corpus.json",
            _corpus(lambda d: _set(_first(d, "setup:"), 5)),
            "must be a case (an object), got a number (5)",
        ),
        (
            "corpus.json",
            _corpus(lambda d: _first(d, "invalid:")[0].update(expected_statuses="400")),
            "'expected_statuses' cannot be a string",
        ),
        (
            "corpus.json",
            _corpus(lambda d: _first(d, "invalid:")[0].pop("payload")),
            "lacks 'payload'",
        ),
        (
            "corpus.json",
            _corpus(lambda d: _set(_first(d, "valid:"), _first(d, "valid:")[0][:1])),
            "must be a pair of cases",
        ),
    ],
    ids=[
        "cassette-a-string",
        "cassette-interactions-5",
        "cassette-interaction-missing-keys",
        "cassette-status-not-a-number",
        "cassette-empty",
        "cassette-corrupt-yaml",
        "corpus-malformed",
        "corpus-a-string",
        "corpus-batches-a-list",
        "corpus-seed-a-string",
        "corpus-case-a-number",
        "corpus-statuses-a-string",
        "corpus-case-without-payload",
        "corpus-half-a-pair",
    ],
)
def test_a_recording_the_toolkit_did_not_write(
    tmp_path: Path, name: str, edit: Callable[[str], str], says: str
) -> None:
    # Given a recording with one file spoilt
    path = recording_copy(tmp_path) / name
    path.write_text(edit(path.read_text("utf-8")), "utf-8")

    # When it is replayed
    result = cli("run", "--cassettes", str(path.parent))

    # Then the run stops before it starts, naming the file and what is wrong with it
    assert_one_error(result, 2, str(path), says)
    assert_before_any_request(result)


@pytest.mark.parametrize("how", ["mode-000", "proc-mem"])
def test_an_unreadable_corpus(tmp_path: Path, how: str) -> None:
    path = recording_copy(tmp_path) / "corpus.json"
    if how == "mode-000":
        if os.geteuid() == 0:
            pytest.skip("root reads a file whatever its mode")
        path.chmod(0)
    else:
        # Reading /proc/self/mem from offset 0 fails for everyone, root included.
        if not Path("/proc/self/mem").exists():
            pytest.skip("needs Linux's /proc")
        path.unlink()
        path.symlink_to("/proc/self/mem")

    result = cli("run", "--cassettes", str(path.parent))

    assert_one_error(result, 2, f"cannot read {path}")
    assert_before_any_request(result)


def test_a_file_where_the_cassette_directory_is_expected(tmp_path: Path) -> None:
    (tmp_path / "cassettes.yaml").write_text((COMMITTED / "cassette.yaml").read_text("utf-8"))
    result = cli("run", "--cassettes", str(tmp_path / "cassettes.yaml"))
    assert_one_error(result, 2, str(tmp_path / "cassettes.yaml"), "is a file, not a cassette")
    assert_before_any_request(result)


def test_a_directory_where_a_recording_file_is_expected(tmp_path: Path) -> None:
    directory = recording_copy(tmp_path)
    (directory / "cassette.yaml").unlink()
    (directory / "cassette.yaml").mkdir()
    result = cli("run", "--cassettes", str(directory))
    assert_one_error(result, 2, str(directory), "is not a recording", "cassette.yaml")
    assert_before_any_request(result)


NO_OPERATIONS = json.dumps(
    {"version": FORMAT_VERSION, "endpoint": "custom_object", "operations": [], "statuses": {}}
).encode()


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b'"just a string"', "expected a JSON object"),
        (b"interactions: [5]\n", "invalid JSON"),
        (b"\xff\xfe", "not UTF-8"),
        (b"[" * 100_000, "nested too deeply"),
        (NO_OPERATIONS, "'operations' must be an object"),
    ],
    ids=["a-string", "yaml", "not-utf-8", "deep", "operations-a-list"],
)
def test_diff_of_a_file_that_is_not_a_baseline(tmp_path: Path, content: bytes, says: str) -> None:
    (tmp_path / "new.json").write_bytes(content)
    result = cli("diff", str(COMMITTED), str(tmp_path / "new.json"))
    assert_one_error(result, 2, str(tmp_path / "new.json"), says)
    assert result.stdout == ""


@pytest.mark.parametrize("how", ["no-baseline", "baseline-a-directory"])
def test_diff_of_a_directory_that_is_not_a_recording(tmp_path: Path, how: str) -> None:
    if how == "baseline-a-directory":
        (tmp_path / "baseline.json").mkdir()
    result = cli("diff", str(tmp_path), str(COMMITTED))
    assert_one_error(result, 2, str(tmp_path / "baseline.json"))
    assert result.stdout == ""


# --- --record over an existing recording -----------------------------------------------


@pytest.fixture
def silent_port() -> Iterator[tuple[str, socket.socket]]:
    """An API root whose port accepts connections and never answers: any request would
    show as a connection waiting in the backlog."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        sock.setblocking(False)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/api/v1", sock


def connections(sock: socket.socket) -> int:
    count = 0
    while True:
        try:
            connection, _ = sock.accept()
        except BlockingIOError:
            return count
        connection.close()
        count += 1


def snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


@pytest.mark.parametrize(
    "held",
    [("corpus.json",), ("cassette.yaml",), ("cassette.yaml", "corpus.json", "baseline.json")],
    ids=["a-corpus", "a-cassette", "a-whole-recording"],
)
@pytest.mark.parametrize("target", ["live", "emulator"])
def test_record_refuses_a_directory_that_holds_a_recording(
    tmp_path: Path, silent_port: tuple[str, socket.socket], held: tuple[str, ...], target: str
) -> None:
    # Given a directory that holds (part of) a recording, and a file of the user's
    directory = tmp_path / "rec"
    directory.mkdir()
    for name in held:
        shutil.copy(COMMITTED / name, directory / name)
    (directory / "notes.txt").write_text("mine")
    before = snapshot(directory)
    url, sock = silent_port
    where = ("--base-url", url, "--api-key", KEY) if target == "live" else ()

    # When a run is asked to record into it without --overwrite
    result = cli("run", *where, "--examples", "1", "--record", str(directory))

    # Then it refuses before sending anything, and the directory is as it was
    assert_one_error(result, 2, str(directory), "already holds a recording", "--overwrite", *held)
    assert_before_any_request(result)
    assert connections(sock) == 0
    assert snapshot(directory) == before


def test_overwrite_replaces_the_recording_and_nothing_else(tmp_path: Path) -> None:
    # Given an old recording with a file of the user's beside it
    directory = recording_copy(tmp_path)
    (directory / "notes.txt").write_text("mine")
    old = snapshot(directory)
    old_host = json.loads(old["corpus.json"])["base_url"].split("/")[2]

    # When a new run records over it with --overwrite
    result = cli("run", *small_run(), "--record", str(directory), "--overwrite")

    # Then each file of the recording is new, with nothing of the old run left in it
    assert result.returncode == 0, result.stdout + result.stderr
    new = snapshot(directory)
    # (the committed recording predates latency files: the new one has its own)
    assert set(new) == set(old) | {"baseline.latency.json"}
    assert new["notes.txt"] == b"mine"
    for name in ("cassette.yaml", "corpus.json", "baseline.json"):
        assert new[name] != old[name], name
    assert old_host.encode() not in new["cassette.yaml"]
    corpus = json.loads(new["corpus.json"])
    assert all(len(v) == 1 for k, v in corpus["batches"].items() if k.startswith("valid:"))


def test_overwrite_leaves_no_stale_file_when_the_new_run_fails(tmp_path: Path) -> None:
    # Given an old recording
    directory = recording_copy(tmp_path)
    (directory / "notes.txt").write_text("mine")

    # When a run that is going to fail (an unknown type) records over it
    result = cli(
        "run", "--record", str(directory), "--overwrite", "--custom-object-type-id", MISSING_TYPE
    )

    # Then no file of the old recording is left to be mistaken for the new one's
    assert_one_error(result, 2, MISSING_TYPE)
    assert not (directory / "corpus.json").exists()
    assert not (directory / "baseline.json").exists()
    assert (directory / "notes.txt").read_text() == "mine"


def test_record_into_an_empty_directory(tmp_path: Path) -> None:
    result = cli("run", *small_run(), "--record", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    recording = {"cassette.yaml", "corpus.json", "baseline.json", "baseline.latency.json"}
    assert {p.name for p in tmp_path.iterdir()} == recording


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--overwrite",), "--overwrite only applies to --record"),
        (("--record", "{file}"), "is a file, not a directory"),
    ],
    ids=["overwrite-alone", "record-into-a-file"],
)
def test_record_options_that_cannot_work(tmp_path: Path, args: tuple[str, ...], says: str) -> None:
    (tmp_path / "file").write_text("mine")
    result = cli("run", *(a.format(file=tmp_path / "file") for a in args))
    assert_one_error(result, 2, says)
    assert_before_any_request(result)
    assert (tmp_path / "file").read_text() == "mine"


# --- Options the target would ignore ------------------------------------------------------

LIVE = ("--base-url", "{url}", "--api-key", KEY)
REPLAY = ("--cassettes", str(COMMITTED))


EMULATOR_ONLY = "drop it, or use it with the embedded emulator (--target emulator)"
GENERATING = (
    "drop it, or use it with the embedded emulator (--target emulator) or a live target "
    "(--base-url URL)"
)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("run", *REPLAY, "--base-url", "{url}"), "--cassettes and --base-url exclude each other"),
        (
            ("run", *LIVE, "--emulator-fault", "delete_noop"),
            f"--emulator-fault is not used by a live target (--base-url): {EMULATOR_ONLY}",
        ),
        (("run", *LIVE, "--emulator-throttle", "3"), "--emulator-throttle is not used by a live"),
        (("run", *LIVE, "--emulator-rate-limit", "10"), "--emulator-rate-limit is not used by a"),
        (
            ("run", *REPLAY, "--emulator-fault", "delete_noop"),
            f"--emulator-fault is not used by a replay (--cassettes): {EMULATOR_ONLY}",
        ),
        (("run", *REPLAY, "--emulator-throttle", "3"), "--emulator-throttle is not used by a"),
        (
            ("run", "--api-key", KEY),
            "--api-key is not used by the embedded emulator: drop it, or use it with a live "
            "target (--base-url URL)",
        ),
        (("run", "--other-api-key", KEY), "--other-api-key is not used by the embedded emulator"),
        (("baseline", "--out", "{tmp}/b.json", "--api-key", KEY), "--api-key is not used"),
        (("run", *REPLAY, "--api-key", KEY), "--api-key is not used by a replay (--cassettes)"),
        (("run", *REPLAY, "--bearer"), "--bearer is not used by a replay"),
        (
            ("run", *REPLAY, "--examples", "3"),
            f"--examples is not used by a replay (--cassettes): {GENERATING}",
        ),
        (("run", *REPLAY, "--shrink"), "--shrink is not used by a replay"),
        (("run", *REPLAY, "--seed", "3"), "--seed is not used by a replay"),
        (("run", *REPLAY, "--stateful-runs", "1"), "--stateful-runs is not used by a replay"),
        (("run", *REPLAY, "--schemathesis"), "--schemathesis is not used by a replay"),
        (("run", *REPLAY, "--max-rate", "5"), "--max-rate is not used by a replay"),
        (("run", *REPLAY, "--record", "{tmp}/rec"), "--record is not used by a replay"),
        (("run", "--lead-id", "lead_" + "a" * 43), "--lead-id is not used by the embedded"),
        (("run", "--allow-insecure-http"), "--allow-insecure-http is not used by the embedded"),
        (
            ("run", "--target", "emulator", *LIVE),
            "--base-url is not used by the embedded emulator (--target emulator)",
        ),
        (("run", "--target", "live"), "--target live needs --base-url URL"),
        (("run", "--target", "replay"), "--target replay needs --cassettes DIR"),
        (("run", "--record", "{tmp}/rec", "--shrink"), "--shrink cannot be recorded"),
    ],
    ids=[
        "cassettes-and-base-url",
        "fault-on-live",
        "throttle-on-live",
        "rate-limit-on-live",
        "fault-on-replay",
        "throttle-on-replay",
        "api-key-on-emulator",
        "other-key-on-emulator",
        "api-key-on-emulator-baseline",
        "api-key-on-replay",
        "bearer-on-replay",
        "examples-on-replay",
        "shrink-on-replay",
        "seed-on-replay",
        "stateful-on-replay",
        "schemathesis-on-replay",
        "max-rate-on-replay",
        "record-a-replay",
        "lead-id-on-emulator",
        "insecure-http-on-emulator",
        "base-url-with-target-emulator",
        "target-live-without-base-url",
        "target-replay-without-cassettes",
        "shrink-while-recording",
    ],
)
def test_an_option_the_target_would_ignore_is_refused(
    tmp_path: Path, silent_port: tuple[str, socket.socket], args: tuple[str, ...], says: str
) -> None:
    url, sock = silent_port
    result = cli(*(a.format(url=url, tmp=tmp_path) for a in args))
    assert_one_error(result, 2, says)
    assert_before_any_request(result)
    assert connections(sock) == 0
    assert not any(tmp_path.iterdir())


# Report paths are checked right after the options: a run that gets to this error has
# accepted its options, and sent nothing.
ACCEPTED = ("--report-json", "/proc/close-contract/r.json")


def test_a_key_in_the_shell_is_a_notice_on_the_embedded_emulator() -> None:
    # A key people keep in their shell is not an option they gave: a notice, not an error.
    result = cli("run", *ACCEPTED, env={"CLOSE_API_KEY": KEY})
    assert_one_error(result, 2, "cannot write the report")
    assert result.stderr.splitlines()[0] == (
        "close-contract: notice: CLOSE_API_KEY is not used by the embedded emulator; ignored"
    )
    assert KEY not in result.stderr


def test_bearer_is_used_by_the_embedded_emulator() -> None:
    # The emulator answers Bearer tokens as Close does, so --bearer changes what is sent.
    result = cli("run", *small_run(), "--bearer", "--report-json", "-")
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["options"]["auth_scheme"] == "bearer"


# --- baseline --out and the bound on --examples ---------------------------------------------


@pytest.mark.parametrize(
    "where",
    ["/proc/close-contract/b.json", "{file}/deeper/b.json", "{dir}"],
    ids=["proc", "under-a-file", "a-directory-whose-baseline-is-a-directory"],
)
def test_unwritable_baseline_out_fails_before_the_run(tmp_path: Path, where: str) -> None:
    # Given a path that cannot be written (`--out DIR` means DIR/baseline.json)
    (tmp_path / "file").write_text("")
    (tmp_path / "baseline.json").mkdir()
    path = where.format(file=tmp_path / "file", dir=tmp_path)

    result = cli("baseline", "--examples", "1", "--out", path)

    assert_one_error(result, 2, "cannot write the baseline", path)
    assert_before_any_request(result)


def test_baseline_out_may_be_a_directory(tmp_path: Path) -> None:
    result = cli("baseline", *small_run(), "--out", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads((tmp_path / "baseline.json").read_text("utf-8"))["operations"]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ((*LIVE, "--examples", str(MAX_LIVE_EXAMPLES + 1)), f"at most {MAX_LIVE_EXAMPLES}"),
        (("--examples", str(MAX_EXAMPLES + 1)), f"at most {MAX_EXAMPLES} on the embedded"),
    ],
    ids=["live", "emulator"],
)
def test_examples_past_the_bound(
    silent_port: tuple[str, socket.socket], args: tuple[str, ...], says: str
) -> None:
    url, sock = silent_port
    result = cli("run", *(a.format(url=url) for a in args))
    assert_one_error(result, 2, says, "--examples")
    assert_before_any_request(result)
    assert connections(sock) == 0


def test_the_bound_is_inclusive() -> None:
    Config(base_url="https://api.close.example/api/v1", api_key=KEY, examples=1000).validate()
    Config(examples=MAX_EXAMPLES).validate()


def test_the_help_states_the_default_and_the_bounds() -> None:
    result = cli("run", "--help")
    text = " ".join(result.stdout.split())
    assert f"default: {DEFAULT_EXAMPLES};" in text
    assert f"at most {MAX_LIVE_EXAMPLES} with --base-url, {MAX_EXAMPLES} on the emulator" in text
    assert "--overwrite" in text
