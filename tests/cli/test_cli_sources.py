"""Where the CLI's options come from: flags, ``CLOSE_*`` variables, ``[tool.close-contract]``
in the nearest pyproject.toml, in that order; errors name an option as it was given; a
variable the target would ignore is a notice, not an error; ``CLOSE_BASE_URL`` is a live
run unless ``--target emulator`` (as ``make run`` says) names the embedded emulator."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from support.cli import Ran, cli, error_lines, one_type
from support.run import ROOT, leftovers

from contract.emulator import EmulatorServer

KEY = "api_" + "5e7a9c1b3d" * 3
COMMITTED = ROOT / "cassettes" / "emulator-default"
# Report paths are checked right after the options: a run that gets to this error has
# settled and accepted its options, and sent nothing.
ACCEPTED = ("--report-json", "/proc/close-contract/r.json")


def accepted(result: Ran) -> list[str]:
    """The notices of a command that stopped right after accepting its options."""
    (line,) = error_lines(result.stderr)
    assert result.returncode == 2 and "cannot write the report" in line, result.stderr
    return [
        line for line in result.stderr.splitlines() if line.startswith("close-contract: notice")
    ]


def one_error(result: Ran) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("close-contract: error: ")
    return line.removeprefix("close-contract: error: ")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project directory (the current one) whose pyproject.toml the test writes."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write_pyproject(directory: Path, table: str) -> Path:
    path = directory / "pyproject.toml"
    path.write_text(f'[project]\nname = "mine"\n\n[tool.close-contract]\n{table}\n', "utf-8")
    return path


def test_close_base_url_is_a_live_run(tmp_path: Path) -> None:
    # Given an API root and its key in the environment, as the notebooks and CI set them
    report = tmp_path / "r.json"
    with EmulatorServer(db_path=tmp_path / "e.db") as srv:
        before = leftovers(srv)
        env = {"CLOSE_BASE_URL": srv.base_url, "CLOSE_API_KEY": srv.api_key}
        small = ("--examples", "1", "--stateful-runs", "0", "--custom-object-type-id", one_type())

        # When the command runs without --base-url
        result = cli("run", *small, "--report-json", str(report), env=env)

        # Then it tested that server, with that key
        assert result.returncode == 0, result.stderr
        assert leftovers(srv) == before  # and cleaned up after itself there
    data = json.loads(report.read_text("utf-8"))
    assert data["target"]["kind"] == "live" and data["target"]["base_url"] == srv.base_url


def test_make_run_names_the_embedded_emulator_whatever_close_base_url_says() -> None:
    # Given the Makefile's `run` recipe, and a CLOSE_BASE_URL exported in the shell
    recipe = (ROOT / "Makefile").read_text("utf-8").split("\nrun:", 1)[1].splitlines()[1]
    words = shlex.split(recipe)
    assert words[0].endswith("/close-contract"), recipe
    env = {"CLOSE_BASE_URL": "https://api.close.com/api/v1", "CLOSE_API_KEY": KEY}

    # When its command starts, Then the variable is noticed and dropped: the emulator runs
    notices = accepted(cli(*words[1:], *ACCEPTED, env=env))
    assert notices == [
        "close-contract: notice: CLOSE_BASE_URL is not used by the embedded emulator "
        "(--target emulator); ignored",
        "close-contract: notice: CLOSE_API_KEY is not used by the embedded emulator "
        "(--target emulator); ignored",
    ]


@pytest.mark.parametrize(
    ("flag", "env", "file", "spelled"),
    [
        ("0", "0", "0", "--examples"),
        (None, "0", "0", "CLOSE_EXAMPLES"),
        (None, None, "0", "examples in [tool.close-contract] ({file})"),
        ("0", "3", "3", "--examples"),
        (None, "0", "3", "CLOSE_EXAMPLES"),
    ],
    ids=["flag", "environment", "file", "flag-beats-the-rest", "environment-beats-the-file"],
)
def test_a_flag_beats_the_environment_which_beats_the_file_and_errors_say_which(
    project: Path, flag: str | None, env: str | None, file: str | None, spelled: str
) -> None:
    # Given --examples 0 (refused) and 3 (accepted) in the places the test puts them
    path = write_pyproject(project, "" if file is None else f"examples = {file}")
    args = () if flag is None else ("--examples", flag)

    # When the command reads them
    result = cli("run", *args, env={} if env is None else {"CLOSE_EXAMPLES": env})

    # Then the value that won is refused, named as it was given
    message = one_error(result)
    assert message.startswith(f"{spelled.format(file=path)} must be at least 1, got 0"), message


def test_every_value_of_the_file_reaches_the_run(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a project whose pyproject.toml holds the run's options, paths relative to it
    write_pyproject(
        project,
        "examples = 1\nstateful-runs = 0\n"
        f'custom-object-type-ids = ["{one_type()}"]\nreport-json = "reports/r.json"\n'
        'checks = ["status_conformance", "echo_conformance"]\nseed = 3',
    )
    (project / "reports").mkdir()
    (project / "sub").mkdir()

    # When the command runs in a directory below it
    monkeypatch.chdir(project / "sub")
    result = cli("run", "--seed", "0")

    # Then the file's values were the run's, and a flag still won
    assert result.returncode == 0, result.stderr
    options = json.loads((project / "reports" / "r.json").read_text("utf-8"))["options"]
    assert options["examples"] == 1 and options["stateful_runs"] == 0
    assert options["custom_object_type_ids"] == [one_type()]
    assert options["checks"] == ["status_conformance", "echo_conformance"]
    assert options["seed"] == 0
    assert options["report_json"] == str(project / "reports" / "r.json")


@pytest.mark.parametrize(
    ("args", "env", "notice"),
    [
        (
            ("--cassettes", str(COMMITTED)),
            {"CLOSE_BASE_URL": "https://api.close.com/api/v1"},
            "CLOSE_BASE_URL is not used by a replay (--cassettes)",
        ),
        (
            ("--cassettes", str(COMMITTED)),
            {"CLOSE_EXAMPLES": "3"},
            "CLOSE_EXAMPLES is not used by a replay (--cassettes)",
        ),
        (
            (),
            {"CLOSE_EMULATOR_FAULTS": "delete_noop", "CLOSE_CASSETTES": str(COMMITTED)},
            "CLOSE_EMULATOR_FAULTS is not used by a replay (CLOSE_CASSETTES)",
        ),
        (
            ("--cassettes", str(COMMITTED)),
            {"CLOSE_TARGET": "emulator"},
            "CLOSE_TARGET emulator is overridden by --cassettes",
        ),
    ],
    ids=["base-url-on-replay", "examples-on-replay", "fault-on-replay", "target-overridden"],
)
def test_a_variable_the_target_would_ignore_is_a_notice(
    args: tuple[str, ...], env: dict[str, str], notice: str
) -> None:
    assert accepted(cli("run", *args, *ACCEPTED, env=env)) == [
        f"close-contract: notice: {notice}; ignored"
    ]


def test_a_key_of_the_file_the_target_would_ignore_is_a_notice(project: Path) -> None:
    path = write_pyproject(project, 'emulator-faults = ["delete_noop"]\ntarget = "emulator"')
    notices = accepted(cli("run", "--cassettes", str(COMMITTED), *ACCEPTED))
    assert notices == [
        f"close-contract: notice: target in [tool.close-contract] ({path}) emulator is "
        "overridden by --cassettes; ignored",
        f"close-contract: notice: emulator-faults in [tool.close-contract] ({path}) is not "
        "used by a replay (--cassettes); ignored",
    ]


def test_an_empty_variable_counts_as_unset() -> None:
    # CI passes a secret that is not configured as an empty string.
    assert accepted(cli("run", *ACCEPTED, env={"CLOSE_BASE_URL": "", "CLOSE_API_KEY": ""})) == []


@pytest.mark.parametrize(
    ("table", "says"),
    [
        ("exampels = 3", "exampels in [tool.close-contract] ({file}) is not an option"),
        ('examples = "three"', "examples in [tool.close-contract] ({file}) must be a whole number"),
        ("max-time = true", "max-time in [tool.close-contract] ({file}) must be a number"),
        ('target = "staging"', "target in [tool.close-contract] ({file}): 'staging' is not one"),
        ("shrink = 1", "shrink in [tool.close-contract] ({file}) must be true or false"),
        (
            f'api-key = "{KEY}"',
            "api-key in [tool.close-contract] ({file}): a key does not belong in a file",
        ),
        ("[broken", "cannot read {file}"),
    ],
    ids=[
        "unknown-key",
        "not-a-number",
        "not-seconds",
        "not-a-target",
        "not-a-bool",
        "a-key",
        "toml",
    ],
)
def test_a_file_that_cannot_be_used_is_one_line(project: Path, table: str, says: str) -> None:
    path = write_pyproject(project, table)
    message = one_error(cli("run"))
    assert message.startswith(says.format(file=path)), message
    assert KEY not in message


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"CLOSE_EXAMPLES": "many"}, "CLOSE_EXAMPLES: 'many' is not a whole number"),
        ({"CLOSE_SCHEMATHESIS": "maybe"}, "CLOSE_SCHEMATHESIS: 'maybe' is not true or false"),
        (
            {"CLOSE_AUTH_SCHEME": "digest"},
            "CLOSE_AUTH_SCHEME: 'digest' is not one of basic, bearer",
        ),
        ({"CLOSE_MAX_TIME": "-1"}, "CLOSE_MAX_TIME must be a positive number of seconds"),
    ],
)
def test_a_variable_that_cannot_be_used_is_one_line(env: dict[str, str], says: str) -> None:
    message = one_error(cli("run", env=env))
    assert message.startswith(says), message


def test_a_flag_with_a_bad_value_is_one_line() -> None:
    assert one_error(cli("run", "--max-time", "soon")) == "--max-time: 'soon' is not a number"


def test_a_live_run_from_the_environment_names_its_variables() -> None:
    # Given an API root over plain http:// to another host, from the environment
    env = {"CLOSE_BASE_URL": "http://api.example.com/api/v1", "CLOSE_API_KEY": KEY}

    # Then the refusal names the variable it came from, and the flag that would allow it
    message = one_error(cli("run", env=env))
    assert message.startswith("CLOSE_BASE_URL http://api.example.com/api/v1 is plain http://")
    assert "pass --allow-insecure-http (CLOSE_ALLOW_INSECURE_HTTP=1)" in message
    assert accepted(cli("run", *ACCEPTED, env={**env, "CLOSE_ALLOW_INSECURE_HTTP": "1"})) == []
