"""The pytest front door, driven through pytester: options, fixtures, marker, suite."""

from __future__ import annotations

from pathlib import Path

import pytest

from contract.emulator import EmulatorServer

ROOT = Path(__file__).resolve().parents[1]


def outcomes(result: pytest.RunResult) -> dict[str, int]:
    return result.parseoutcomes()


def test_the_suite_passes_on_the_emulator(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess(
        "--pyargs", "contract.suite", "--close-examples", "3", f"--junitxml={pytester.path}/j.xml"
    )
    assert result.ret == 0, result.stdout.str()
    counts = outcomes(result)
    assert counts["passed"] >= 25 and "failed" not in counts
    junit = (pytester.path / "j.xml").read_text("utf-8")
    assert 'name="test_create[invalid:unknown_custom_field]"' in junit
    assert 'name="test_lifecycle[gone_after_delete]"' in junit


def test_a_fault_fails_the_item_of_its_check(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess(
        "--pyargs", "contract.suite", "--close-examples", "3", "--close-fault", "delete_noop"
    )
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*FAILED*test_lifecycle?gone_after_delete?*"])
    assert outcomes(result)["failed"] == 1


def test_the_suite_replays_offline_from_cassettes(pytester: pytest.Pytester) -> None:
    cassettes = ROOT / "cassettes" / "emulator-default"
    result = pytester.runpytest_subprocess(
        "--pyargs", "contract.suite", "--close-cassettes", str(cassettes)
    )
    assert result.ret == 0, result.stdout.str()
    assert outcomes(result)["passed"] >= 25


def test_a_network_that_decides_too_many_cases_ends_the_suite_with_3(
    pytester: pytest.Pytester,
) -> None:
    # A fifth of the requests disturbed: some creates go unanswered, and none may be.
    with EmulatorServer(chaos=0.2, chaos_seed=1, chaos_retry_after=0) as server:
        result = pytester.runpytest_subprocess(
            "--pyargs",
            "contract.suite",
            "--close-examples",
            "1",
            "--close-base-url",
            server.base_url,
            "--close-api-key",
            server.api_key,
            "--close-max-inconclusive",
            "0",
        )
    assert result.ret == 3, result.stdout.str()
    result.stdout.fnmatch_lines(["*close-contract: no verdict: the network left * inconclusive*"])


def test_xdist_workers_complete_and_clean_up(pytester: pytest.Pytester, tmp_path: Path) -> None:
    with EmulatorServer(db_path=tmp_path / "e.db") as server:
        result = pytester.runpytest_subprocess(
            "--pyargs",
            "contract.suite",
            "-p",
            "xdist",
            "-n",
            "2",
            "--close-base-url",
            server.base_url,
            "--close-api-key",
            server.api_key,
            "--close-other-api-key",
            server.other_api_key,
            "--close-examples",
            "2",
        )
        assert result.ret == 0, result.stdout.str()
        assert outcomes(result)["passed"] >= 25
        assert server.count_rows("custom_object") == 0
        assert server.count_rows("lead") == 0


def test_marker_kwargs_are_core_options(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.close_contract(examples=2, emulator_faults=("list_empty",))
        def test_faulty(close_run):
            assert close_run.summary.by_check.get("listed_after_create")

        @pytest.mark.close_contract(examples=2)
        def test_faithful(close_run):
            assert close_run.summary.violations == 0
        """
    )
    result = pytester.runpytest_subprocess()
    assert result.ret == 0, result.stdout.str()
    assert outcomes(result)["passed"] == 2


def test_fixtures_give_a_target_schemas_and_references(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from hypothesis import given, settings
        from strategies import valid_payloads

        def test_create_with_my_own_property(close_client, close_schema, close_references):
            assert close_client.get("me/").status == 200
            contract = max(close_schema.values(), key=lambda t: len(t.fields))
            strategy = valid_payloads(contract.request_schema, references=close_references)
            created = []

            @settings(max_examples=3, database=None)
            @given(strategy)
            def create(case):
                answer = close_client.post("custom_object/", json=case.payload)
                assert answer.status == 201
                created.append(answer.json()["id"])

            create()
            for object_id in created:
                assert close_client.delete(f"custom_object/{object_id}/").status == 204
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret == 0, result.stdout.str()


def test_bad_options_are_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x(close_config): pass")
    result = pytester.runpytest_subprocess("--close-examples", "0")
    assert result.ret != 0
    result.stderr.fnmatch_lines(["*--examples must be at least 1*"])


KEY = "api_" + "3f9c1e0b7d" * 3
COMMITTED = ROOT / "cassettes" / "emulator-default"


@pytest.mark.parametrize(
    ("options", "says"),
    [
        (("--close-cassettes", str(COMMITTED), "--close-examples", "3"), "*--examples 3 has no*"),
        (("--close-api-key", KEY), "*--api-key is not used by the embedded emulator*"),
        (("--close-record", str(COMMITTED)), "*already holds a recording*--overwrite*"),
        (("--close-examples", "10001"), "*--examples must be at most 10000*"),
    ],
    ids=["examples-on-replay", "key-on-emulator", "record-over-a-recording", "too-many"],
)
def test_options_the_target_would_ignore_are_a_usage_error(
    pytester: pytest.Pytester, options: tuple[str, ...], says: str
) -> None:
    pytester.makepyfile("def test_x(close_config): pass")
    result = pytester.runpytest_subprocess(*options)
    assert result.ret != 0
    result.stderr.fnmatch_lines([says])


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
    # When the plugin reads them, then it accepts them
    result = pytester.runpytest_subprocess("--close-record", str(old), "--close-overwrite")
    assert result.ret == 0, result.stdout.str() + result.stderr.str()


def test_profiles_are_registered(pytester: pytest.Pytester) -> None:
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
