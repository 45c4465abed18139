"""The pytest front door, driven through pytester: options, fixtures, marker, suite.

Sessions run in this process (``runpytest_inprocess``; pytest-xdist's workers are
processes of their own all the same). Two run the real ``pytest`` in a process of its own:
the ready-made suite under xdist as CI runs it, and a fresh interpreter's Hypothesis
profiles."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from contract.config import Config
from contract.emulator import EmulatorServer
from contract.engine import run
from contract.errors import ContractViolation, Regression
from contract.events import (
    BaselineCompared,
    CaseFinished,
    Event,
    RunFinished,
    RunOptions,
    RunStarted,
    Summary,
)
from contract.suite._handover import RunAborted, decode_events, encode_events, run_once

ROOT = Path(__file__).resolve().parents[2]
KEY = "api_" + "3f9c1e0b7d" * 3
COMMITTED = ROOT / "cassettes" / "emulator-default"


def outcomes(result: pytest.RunResult) -> dict[str, int]:
    return result.parseoutcomes()


def test_the_suite_passes_on_the_emulator(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_inprocess(
        "--pyargs", "contract.suite", "--close-examples", "3", f"--junitxml={pytester.path}/j.xml"
    )
    assert result.ret == 0, result.stdout.str()
    counts = outcomes(result)
    assert counts["passed"] >= 25 and "failed" not in counts
    junit = (pytester.path / "j.xml").read_text("utf-8")
    assert 'name="test_create[invalid:unknown_custom_field]"' in junit
    assert 'name="test_lifecycle[gone_after_delete]"' in junit


def test_a_fault_fails_the_item_of_its_check(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_inprocess(
        "--pyargs", "contract.suite", "--close-examples", "3", "--close-fault", "delete_noop"
    )
    assert result.ret == 1
    # The lifecycle's check fails, and the stateful phase's sequences see it too
    result.stdout.fnmatch_lines(["*FAILED*test_lifecycle?gone_after_delete?*"])
    result.stdout.fnmatch_lines(["*FAILED*test_stateful*"])
    assert outcomes(result)["failed"] == 2


def test_the_suite_replays_offline_from_cassettes(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_inprocess(
        "--pyargs", "contract.suite", "--close-cassettes", str(COMMITTED)
    )
    assert result.ret == 0, result.stdout.str()
    assert outcomes(result)["passed"] >= 25


def target_of(server: EmulatorServer) -> tuple[str, ...]:
    return ("--close-base-url", server.base_url, "--close-api-key", server.api_key)


def test_a_network_that_decides_too_many_cases_ends_the_suite_with_3(
    pytester: pytest.Pytester,
) -> None:
    # A fifth of the requests disturbed: some creates go unanswered, and none may be.
    with EmulatorServer(chaos=0.2, chaos_seed=1, chaos_retry_after=0) as server:
        result = pytester.runpytest_inprocess(
            "--pyargs", "contract.suite", *target_of(server),
            "--close-examples", "1", "--close-max-inconclusive", "0", "--close-stateful-runs", "0",
        )  # fmt: skip
    assert result.ret == 3, result.stdout.str()
    result.stdout.fnmatch_lines(["*close-contract: no verdict: the network left * inconclusive*"])


def test_a_check_that_did_not_run_is_skipped_with_its_reason(pytester: pytest.Pytester) -> None:
    # Given a live target and no second key: org_isolation has nothing to judge
    with EmulatorServer() as server:
        result = pytester.runpytest_inprocess(
            "--pyargs", "contract.suite", *target_of(server), "-rs",
            "--close-examples", "1", "--close-stateful-runs", "0",
        )  # fmt: skip
    # Then its item is skipped, saying why, and the others pass
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(["SKIPPED*org_isolation did not run: *"])
    assert outcomes(result)["passed"] >= 25


def test_an_error_of_the_run_ends_the_suite_with_its_cause(pytester: pytest.Pytester) -> None:
    with EmulatorServer() as server:
        result = pytester.runpytest_inprocess(
            "--pyargs", "contract.suite", *target_of(server), "--close-type-id", "cotype_nope"
        )
    assert result.ret == 2, result.stdout.str()
    result.stdout.fnmatch_lines(["*close-contract: unknown custom object type id cotype_nope*"])


def install_lead_counter(db_path: Path) -> None:
    # The emulator deletes what a run created, so its tables cannot say how many runs
    # there were; a trigger in its database keeps every lead id it ever inserted.
    with closing(sqlite3.connect(db_path)) as db, db:
        db.executescript(
            "CREATE TABLE IF NOT EXISTS leads_created (id TEXT NOT NULL);"
            "DELETE FROM leads_created;"
            "CREATE TRIGGER IF NOT EXISTS count_leads AFTER INSERT ON lead"
            " BEGIN INSERT INTO leads_created VALUES (new.id); END;"
        )


def leads_created(db_path: Path) -> int:
    with closing(sqlite3.connect(db_path)) as db:
        return int(db.execute("SELECT COUNT(*) FROM leads_created").fetchone()[0])


def suite_on(pytester: pytest.Pytester, server: EmulatorServer, *options: str) -> pytest.RunResult:
    """``pytest --pyargs contract.suite`` against ``server`` as a live target (in this
    process: pytest-xdist's workers are processes of their own all the same)."""
    return pytester.runpytest_inprocess("--pyargs", "contract.suite", *target_of(server), *options)


def test_xdist_workers_share_one_contract_run(pytester: pytest.Pytester, tmp_path: Path) -> None:
    db_path = tmp_path / "e.db"
    with EmulatorServer(db_path=db_path) as server:
        options = {
            "base_url": server.base_url,
            "api_key": server.api_key,
            "other_api_key": server.other_api_key,
            "examples": 2,
        }
        # Given the leads one run creates (its disposable lead and a decoy)
        install_lead_counter(db_path)
        assert list(run(Config.from_options(options)))
        per_run = leads_created(db_path)
        assert per_run >= 1
        install_lead_counter(db_path)
        # When two workers run the suite
        other = ("--close-other-api-key", server.other_api_key, "--close-examples", "2")
        # (the real `pytest` command: the plugin through its entry point, in a process
        # of its own, as CI runs it)
        result = pytester.runpytest_subprocess(
            "--pyargs", "contract.suite", *target_of(server), "-p", "xdist", "-n", "2", "-v",
            *other,
        )  # fmt: skip
        # Then both reported items, the target saw one run, and it was cleaned up
        assert result.ret == 0, result.stdout.str()
        assert outcomes(result)["passed"] >= 25
        out = result.stdout.str()
        assert "[gw0]" in out and "[gw1]" in out
        assert leads_created(db_path) == per_run
        assert server.count_rows("custom_object") == 0
        assert server.count_rows("lead") == 0


@pytest.mark.parametrize(
    ("options", "returncode", "says"),
    [
        (
            (
                "--close-max-inconclusive",
                "0",
                "--close-examples",
                "1",
                "--close-stateful-runs",
                "0",
            ),
            3,
            "*close-contract: no verdict: the network left * inconclusive*",
        ),
    ],
    ids=["no-verdict"],
)
def test_a_run_that_cannot_finish_under_xdist_ends_with_its_cause(
    pytester: pytest.Pytester, options: tuple[str, ...], returncode: int, says: str
) -> None:
    with EmulatorServer(chaos=0.2, chaos_seed=1, chaos_retry_after=0) as server:
        result = suite_on(pytester, server, "-p", "xdist", "-n", "2", *options)
    out = result.stdout.str() + result.stderr.str()
    assert result.ret == returncode, out
    result.stdout.fnmatch_lines([says])
    for symptom in ("crashed", "node down", "INTERNALERROR", "Traceback"):
        assert symptom not in out


def test_bad_options_under_xdist_are_a_usage_error_before_the_workers_start(
    pytester: pytest.Pytester,
) -> None:
    result = pytester.runpytest_inprocess(
        "--pyargs", "contract.suite", "-p", "xdist", "-n", "2", "--close-examples", "0"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: close-contract: --close-examples must be at least 1*"])
    out = result.stdout.str() + result.stderr.str()
    assert "bringing up nodes" not in out and "crashed" not in out


def test_marker_kwargs_are_core_options(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.close_contract(examples=2, emulator_faults=("list_empty",))
        def test_faulty(close_run):
            assert close_run.summary.by_check.get("listed_after_create")

        @pytest.mark.close_contract(examples=2, stateful_runs=0)
        def test_faithful(close_run):
            assert close_run.summary.violations == 0
        """
    )
    result = pytester.runpytest_inprocess()
    assert result.ret == 0, result.stdout.str()
    assert outcomes(result)["passed"] == 2


def test_fixtures_give_a_target_schemas_and_references(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from hypothesis import HealthCheck, given, settings
        from strategies import valid_payloads

        def test_create_with_my_own_property(
            close_client, close_schema, close_references, close_ledger
        ):
            assert close_client.get("me/").status == 200
            contract = max(close_schema.values(), key=lambda t: len(t.fields))
            strategy = valid_payloads(contract.request_schema, references=close_references)
            created = []

            # Each draw sends nothing, but a rich payload is slow to draw on a busy machine.
            @settings(
                max_examples=3, database=None, suppress_health_check=[HealthCheck.too_slow]
            )
            @given(strategy)
            def create(case):
                answer = close_client.post("custom_object/", json=case.payload)
                assert answer.status == 201
                # Writes go only to what a GET proves the session's own.
                created.append(close_ledger.claim(answer, case.payload))

            create()
            for object_id in created:
                assert close_client.delete(f"custom_object/{object_id}/").status == 204
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    assert result.ret == 0, result.stdout.str()


# --- options: from flags, the environment and pyproject.toml; errors in their spelling ------


def usage_error(pytester: pytest.Pytester, *args: str) -> str:
    """The one line a session that is refused at start-up ends with."""
    pytester.makepyfile("def test_x(close_config): pass")
    result = pytester.runpytest_inprocess(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str()
    (line,) = [line for line in result.errlines if line.startswith("ERROR: close-contract: ")]
    return line.removeprefix("ERROR: close-contract: ")


@pytest.mark.parametrize(
    ("options", "says"),
    [
        (
            ("--close-cassettes", str(COMMITTED), "--close-examples", "3"),
            "--close-examples is not used by a replay (--close-cassettes)",
        ),
        (
            ("--close-api-key", KEY),
            "--close-api-key is not used by the embedded emulator: drop it, or use it with a "
            "live target (--close-base-url URL)",
        ),
        (
            ("--close-record", str(COMMITTED)),
            "--close-record * already holds a recording*--close-overwrite*",
        ),
        (("--close-examples", "10001"), "--close-examples must be at most 10000*"),
        (("--close-examples", "many"), "--close-examples: 'many' is not a whole number"),
        (
            ("--close-no-shrink", "--close-cassettes", str(COMMITTED)),
            "--close-shrink is not used by a replay*",
        ),
        (("--close-target", "live"), "--close-target live needs --close-base-url URL*"),
    ],
    ids=[
        "examples-on-replay",
        "key-on-emulator",
        "record-over-a-recording",
        "too-many",
        "not-a-number",
        "no-shrink-on-replay",
        "live-without-url",
    ],
)
def test_options_that_cannot_work_are_a_usage_error_in_the_plugins_spelling(
    pytester: pytest.Pytester, options: tuple[str, ...], says: str
) -> None:
    line = usage_error(pytester, *options)
    assert fnmatch_line(line, says), line
    assert KEY not in line


def fnmatch_line(line: str, pattern: str) -> bool:
    import fnmatch

    return fnmatch.fnmatchcase(line, pattern + ("" if pattern.endswith("*") else "*"))


@pytest.mark.parametrize(
    ("where", "spelled"),
    [
        ("flag", "--close-examples"),
        ("environment", "CLOSE_EXAMPLES"),
        ("file", "examples in [tool.close-contract] ({file})"),
    ],
)
def test_errors_name_an_option_as_it_was_given(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, where: str, spelled: str
) -> None:
    # Given --close-examples 0 as a flag, a variable or a key of pyproject.toml
    path = pytester.makepyprojecttoml(
        "[tool.close-contract]\nexamples = 0\n" if where == "file" else ""
    )
    if where == "environment":
        monkeypatch.setenv("CLOSE_EXAMPLES", "0")
    args = ("--close-examples", "0") if where == "flag" else ()

    # When the session starts, Then it stops, naming the option as it was given
    line = usage_error(pytester, *args)
    assert line.startswith(f"{spelled.format(file=path)} must be at least 1, got 0"), line


def test_the_environment_and_pyproject_reach_the_configuration(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given options in the three places, one of them a variable the target would ignore
    pytester.makepyprojecttoml(
        '[tool.close-contract]\nexamples = 7\nseed = 9\nchecks = ["status_conformance"]\n'
    )
    monkeypatch.setenv("CLOSE_SEED", "5")
    monkeypatch.setenv("CLOSE_BASE_URL", "https://api.close.com/api/v1")
    pytester.makepyfile(
        """
        def test_x(close_config):
            assert close_config.target_kind == "emulator" and close_config.base_url is None
            assert (close_config.examples, close_config.seed) == (7, 5)
            assert close_config.checks == ("status_conformance",)
            assert close_config.max_time == 60
        """
    )

    # When the session reads them (a flag beats them all)
    result = pytester.runpytest_inprocess("--close-target", "emulator", "--close-max-time", "60")

    # Then each value came from its place, and the dropped variable was noticed in one line
    assert result.ret == 0, result.stdout.str() + result.stderr.str()
    assert [line for line in result.errlines if "notice" in line] == [
        "close-contract: notice: CLOSE_BASE_URL is not used by the embedded emulator "
        "(--close-target emulator); ignored"
    ]


def test_what_the_options_leave_alone_is_accepted(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a key in the environment (not an option) and a recording to overwrite
    monkeypatch.setenv("CLOSE_API_KEY", KEY)
    old = pytester.path / "rec"
    old.mkdir()
    (old / "corpus.json").write_text("{}")
    pytester.makepyfile(
        """
        def test_x(close_config):
            assert close_config.target_kind == "emulator" and close_config.api_key is None
            assert close_config.examples == 10 and close_config.overwrite
        """
    )
    # When the plugin reads them, then it accepts them (the key with a notice)
    result = pytester.runpytest_inprocess("--close-record", str(old), "--close-overwrite")
    assert result.ret == 0, result.stdout.str() + result.stderr.str()
    assert "CLOSE_API_KEY is not used by the embedded emulator" in result.stderr.str()
    assert KEY not in result.stdout.str() + result.stderr.str()


@pytest.mark.parametrize("asks", [False, True], ids=["another-project", "asks-for-the-contract"])
def test_a_key_in_the_shell_is_noticed_only_by_sessions_that_ask_for_the_contract(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, asks: bool
) -> None:
    # Given a key kept in the shell, and a session of another project (the plugin is loaded
    # in every session) or one that gives a --close-* option
    monkeypatch.setenv("CLOSE_API_KEY", KEY)
    pytester.makepyfile("def test_x(): pass")

    result = pytester.runpytest_inprocess(*(("--close-seed", "1") if asks else ()))

    # Then only the session that asks for the contract says the key is not used
    assert result.ret == 0
    noticed = "close-contract: notice: CLOSE_API_KEY is not used" in result.stderr.str()
    assert noticed == asks and KEY not in result.stderr.str()


def test_profiles_are_registered(pytester: pytest.Pytester) -> None:
    # In a process of its own: this one's conftest has profiles of the same names.
    pytester.makepyfile(
        """
        from hypothesis import settings

        def test_profiles():
            assert settings.get_profile("ci").derandomize
            assert settings.get_profile("nightly").max_examples >= 100
            assert settings.get_profile("dev").max_examples <= 20
        """
    )
    assert pytester.runpytest_subprocess().ret == 0


# -- the hand-over between xdist workers ------------------------------------------------


def stream() -> list[Event]:
    found = Regression(
        check="shape_regression",
        title="key removed",
        case={"payload": {"$ref": "#/a", "tags": ("x", 1)}, "expected_statuses": [200]},
        response={"status": 200, "body": {"$schema": None, "n": 1.5}},
        path='$["custom.cf_x"]',
        old={"type": "string"},
        new=None,
        kind="removed",
    )
    plain = ContractViolation(check="status_conformance", title="answered 500", message="m")
    options = RunOptions.from_config(Config.from_options({"custom_object_type_ids": ["cotype_a"]}))
    return [
        RunStarted(
            target="emulator",
            base_url="http://x/api/v1",
            seed=0,
            types=("cotype_a",),
            target_kind="emulator",
            started_at=datetime(2024, 5, 1, 3, 0, tzinfo=UTC),
            options=options,
        ),
        BaselineCompared("b.json", "ERR", (found,), ("type Asset",)),
        CaseFinished("baseline", "l", "cotype_a", None, 2, (200, 404), 0.25, (found, plain)),
        RunFinished(Summary(1, 2, 2, {"shape_regression": 1}), (found, plain)),
    ]


def test_events_survive_the_hand_over_unchanged() -> None:
    import json

    events = stream()
    back = decode_events(json.loads(json.dumps(encode_events(events))))
    # repr shows every field, and tuples apart from lists
    assert repr(back) == repr(events)
    case = back[2]
    assert isinstance(case, CaseFinished) and type(case.violations[0]) is Regression


def test_a_real_runs_events_survive_the_hand_over(tmp_path: Path) -> None:
    events = list(run(Config.from_options({"examples": 2, "emulator_faults": ["delete_noop"]})))
    assert any(isinstance(e, CaseFinished) and e.violations for e in events)
    assert repr(run_once(tmp_path, "gw0", lambda: events)) == repr(events)
    assert repr(run_once(tmp_path, "gw1", lambda: [])) == repr(events)


def test_concurrent_workers_share_one_run(tmp_path: Path) -> None:
    calls: list[int] = []
    results: list[list[Event]] = []

    def produce() -> list[Event]:
        calls.append(1)
        time.sleep(0.5)
        return stream()

    def worker(name: str) -> None:
        results.append(run_once(tmp_path, name, produce, poll=0.01))

    threads = [threading.Thread(target=worker, args=(f"gw{i}",)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert len(results) == 3 and all(repr(r) == repr(stream()) for r in results)


def test_a_run_that_failed_fails_the_waiting_workers_the_same_way(tmp_path: Path) -> None:
    def refuse() -> list[Event]:
        raise RunAborted("unknown custom object type id cotype_x", 2)

    with pytest.raises(RunAborted):
        run_once(tmp_path, "gw0", refuse)
    with pytest.raises(RunAborted) as caught:
        run_once(tmp_path, "gw1", stream)
    assert (caught.value.message, caught.value.returncode) == (
        "unknown custom object type id cotype_x",
        2,
    )

    def bug() -> list[Event]:
        raise KeyError("k")

    other = tmp_path / "other"
    other.mkdir()
    with pytest.raises(KeyError):
        run_once(other, "gw0", bug)
    with pytest.raises(RunAborted, match="the contract run in gw0 failed with KeyError") as bad:
        run_once(other, "gw1", stream)
    assert bad.value.returncode is None


def claimed_by(directory: Path, pid: int) -> None:
    import json
    import socket

    owner = {"worker": "gw0", "pid": pid, "host": socket.gethostname()}
    (directory / "run.lock").write_text(json.dumps(owner))


def test_a_runner_that_died_is_reported_not_waited_for(tmp_path: Path) -> None:
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    claimed_by(tmp_path, int(ended.stdout))
    with pytest.raises(RunAborted, match=r"gw0 \(pid \d+\) was running .* ended without"):
        run_once(tmp_path, "gw1", stream, poll=0.01)


def test_a_runner_without_heartbeat_is_reported_after_the_timeout(tmp_path: Path) -> None:
    claimed_by(tmp_path, os.getpid())
    old = time.time() - 60
    os.utime(tmp_path / "run.lock", (old, old))
    with pytest.raises(RunAborted, match="no sign of life for 60 s") as caught:
        run_once(tmp_path, "gw1", stream, stale_after=30, poll=0.01)
    assert caught.value.returncode == 3


def test_workers_that_cannot_see_the_directory_say_so(tmp_path: Path) -> None:
    with pytest.raises(RunAborted, match="cannot see .*run the workers on this machine"):
        run_once(tmp_path / "elsewhere", "gw1", stream)
