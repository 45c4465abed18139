"""The option table: every option reaches every door from its one declaration (a field of
Config), so adding an option touches the table and the code that uses it, nothing else.

Each option is offered by the CLI commands it names and by the pytest plugin, read from
its CLOSE_* variable and its key of [tool.close-contract], and recorded in the reports
(keys never). The rules that pick a value's source, spell it in errors and drop what the
target would ignore are tested here on their own; the doors' own tests run them whole."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from contract.cli import main
from contract.config import Command, Config, OptionError, chosen_target
from contract.errors import ConfigurationError
from contract.events import RunOptions
from contract.options import OPTIONS, Door, Given, Option, find_pyproject, offered

# --- one sample value per option, as each place writes it --------------------------------


def text_of(o: Option) -> str:
    """A value of ``o`` as a variable (or a flag's argument) writes it."""
    if o.kind in ("flag", "switch") and o.spec.flag_value is None:
        return "0" if o.kind == "switch" else "1"
    if o.kind == "multiple":
        return "first, second"
    if o.kind == "choice":
        return o.choices[-1]
    return {int: "7", float: "2.5", str: "https://example.test/api/v1", Path: "some/dir"}[o.type]


def toml_of(o: Option) -> str:
    """The same value as a key of [tool.close-contract] writes it."""
    if o.kind in ("flag", "switch") and o.spec.flag_value is None:
        return "false" if o.kind == "switch" else "true"
    if o.kind == "multiple":
        return '["first", "second"]'
    if o.type in (int, float):
        return text_of(o)
    return json.dumps(text_of(o))


def door_of(o: Option) -> tuple[Door, Command | None]:
    """A door that offers ``o``: the plugin, else the first command that does."""
    if o.pytest_flag is not None:
        return "pytest", None
    return "cli", sorted(o.commands)[0]


def value_of(o: Option, base: Path | None = None) -> Any:
    """What the configuration holds for that value (paths of the file taken from it)."""
    if o.kind in ("flag", "switch") and o.spec.flag_value is None:
        return o.kind == "flag"
    if o.kind == "multiple":
        return ("first", "second")
    if o.type is Path:
        return (base or Path()) / "some/dir"
    return {int: 7, float: 2.5}.get(o.type, text_of(o))


def test_every_field_with_a_declaration_is_an_option_and_nothing_else_is() -> None:
    declared = [f.name for f in dataclasses.fields(Config) if f.metadata]
    assert [o.name for o in OPTIONS] == declared
    assert len({o.flag for o in OPTIONS}) == len(OPTIONS)
    pytest_flags = [o.pytest_flag for o in OPTIONS if o.pytest_flag]
    assert len(set(pytest_flags)) == len(pytest_flags)


# --- every door ---------------------------------------------------------------------------


def flags_in(help: str) -> set[str]:
    """The flags a help text lists as options: the words that start an option's line (two
    spaces in, where the lines that carry on a help text are indented further)."""
    found: set[str] = set()
    for line in help.splitlines():
        if line.startswith("  -"):
            words = line.strip().replace(",", " ").replace("/", " ").split()
            found.update(w.split("=")[0] for w in words[:3] if w.startswith("-"))
    return found


@pytest.mark.parametrize("command", ["run", "baseline", "cleanup"])
def test_every_option_of_a_command_is_in_its_help(command: str) -> None:
    help = CliRunner().invoke(main, [command, "--help"]).stdout
    listed = flags_in(help.split("Examples:")[0])
    for o in OPTIONS:
        assert (o.flag in listed) == (command in o.commands), o.name
        if command in o.commands and o.spec.short:
            assert o.spec.short in listed


def test_every_option_of_the_plugin_is_a_pytest_option(pytester: pytest.Pytester) -> None:
    listed = flags_in(pytester.runpytest_inprocess("--help").stdout.str())
    assert offered("pytest")
    for o in offered("pytest"):
        assert o.pytest_flag in listed, o.name
    # An option's help names the other options as the plugin spells them.
    assert "--close-base-url" in next(o for o in OPTIONS if o.name == "examples").help_text_for(
        "pytest"
    )


@pytest.mark.parametrize("o", OPTIONS, ids=lambda o: o.name)
def test_every_option_can_come_from_its_variable(o: Option) -> None:
    door, command = door_of(o)
    given = Given.read(door, {}, command=command, environ={o.env: text_of(o)})
    assert given.settings[o.name].value == value_of(o) and given.source(o.name) == "environment"
    assert given.spell(o.name) == o.env
    config = Config.from_options({o.name: given.settings[o.name].value})
    assert getattr(config, o.name) == value_of(o)


@pytest.mark.parametrize("o", OPTIONS, ids=lambda o: o.name)
def test_every_option_can_come_from_pyproject_but_a_key(o: Option, tmp_path: Path) -> None:
    (tmp_path / "deeper").mkdir()
    file = tmp_path / "pyproject.toml"
    file.write_text(f"[tool.close-contract]\n{o.key} = {toml_of(o)}\n", "utf-8")
    door, command = door_of(o)

    if o.spec.secret:
        with pytest.raises(ConfigurationError, match="a key does not belong in a file"):
            Given.read(door, {}, command=command, environ={}, start=tmp_path / "deeper")
        return
    given = Given.read(door, {}, command=command, environ={}, start=tmp_path / "deeper")
    assert given.settings[o.name].value == value_of(o, tmp_path)
    assert given.spell(o.name) == f"{o.key} in [tool.close-contract] ({file})"


@pytest.mark.parametrize("o", OPTIONS, ids=lambda o: o.name)
def test_every_option_is_in_the_reports_but_keys(o: Option) -> None:
    recorded = dict(RunOptions.from_config(Config.from_options({o.name: value_of(o)})).values)
    key = o.spec.report_key or o.name
    if o.spec.secret or not o.spec.recorded:
        # Keys never; the target and its API root are the report's `target` instead.
        assert key not in recorded and o.name not in recorded
        assert o.spec.secret or o.name in ("target", "base_url")
        return
    shown = value_of(o)
    expected = str(shown) if isinstance(shown, Path) else shown
    assert recorded[key] == expected
    assert RunOptions(tuple(recorded.items())).to_dict()[key] == (
        list(expected) if isinstance(expected, tuple) else expected
    )


# --- sources, precedence, the target's rules ----------------------------------------------


def test_a_flag_beats_the_variable_which_beats_the_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.close-contract]\nseed = 1\nexamples = 1\nworkers = 1\n", "utf-8"
    )
    given = Given.read(
        "cli",
        {"seed": "3"},
        command="run",
        environ={"CLOSE_SEED": "2", "CLOSE_EXAMPLES": "2"},
        start=tmp_path,
    )
    values, notices = given.settle()
    assert (values["seed"], values["examples"], values["workers"]) == (3, 2, 1)
    assert [given.source(n) for n in ("seed", "examples", "workers", "max_time")] == [
        "flag",
        "environment",
        "file",
        None,
    ]
    assert notices == []


def test_the_nearest_pyproject_with_the_table_is_read(tmp_path: Path) -> None:
    # Given a project, and a package below it with a pyproject.toml of its own but no table
    (tmp_path / "pyproject.toml").write_text("[tool.close-contract]\nseed = 4\n", "utf-8")
    package = tmp_path / "package"
    (package / "src").mkdir(parents=True)
    (package / "pyproject.toml").write_text('[project]\nname = "p"\n', "utf-8")
    found = find_pyproject(package / "src")
    assert found == (tmp_path / "pyproject.toml", {"seed": 4})


@pytest.mark.parametrize(
    ("flags", "env", "notices", "kind"),
    [
        # A flag is kept, whatever the target: Config.validate refuses it.
        ({"api_key": "k" * 20}, {}, [], "emulator"),
        (
            {},
            {"CLOSE_API_KEY": "k" * 20},
            ["CLOSE_API_KEY is not used by the embedded emulator"],
            "emulator",
        ),
        (
            {"cassettes": "rec"},
            {"CLOSE_BASE_URL": "https://x.test/api/v1", "CLOSE_SEED": "3"},
            [
                "CLOSE_BASE_URL is not used by a replay (--cassettes)",
                "CLOSE_SEED is not used by a replay (--cassettes)",
            ],
            "replay",
        ),
        (
            {"target": "emulator"},
            {"CLOSE_BASE_URL": "https://x.test/api/v1"},
            ["CLOSE_BASE_URL is not used by the embedded emulator (--target emulator)"],
            "emulator",
        ),
        (
            {"base_url": "https://x.test/api/v1"},
            {"CLOSE_TARGET": "emulator", "CLOSE_EMULATOR_FAULTS": "delete_noop"},
            [
                "CLOSE_TARGET emulator is overridden by --base-url",
                "CLOSE_EMULATOR_FAULTS is not used by a live target (--base-url)",
            ],
            "live",
        ),
        # A variable set to the default changes nothing: no notice.
        ({"cassettes": "rec"}, {"CLOSE_EXAMPLES": "10"}, [], "replay"),
        # Within one source, the option that names the target wins.
        (
            {},
            {"CLOSE_TARGET": "emulator", "CLOSE_BASE_URL": "https://x.test/api/v1"},
            ["CLOSE_BASE_URL is not used by the embedded emulator (CLOSE_TARGET emulator)"],
            "emulator",
        ),
    ],
    ids=[
        "flag-kept",
        "key-in-the-shell",
        "replay-flag",
        "target-flag",
        "target-overridden",
        "default-value",
        "same-source",
    ],
)
def test_what_the_target_would_ignore_is_dropped_with_a_notice_unless_a_flag(
    flags: dict[str, str], env: dict[str, str], notices: list[str], kind: str
) -> None:
    given = Given.read("cli", flags, command="run", environ=env)
    values, said = given.settle()
    assert said == [f"{n}; ignored" for n in notices]
    assert Config.from_options(values).target_kind == kind
    assert set(flags) <= set(values)


def test_what_a_command_cannot_do_without_is_named_in_its_spelling() -> None:
    with pytest.raises(OptionError) as missing:
        Given.read("cli", {}, command="cleanup", environ={}).settle()
    assert missing.value.render(Given("cli", "cleanup", {}).spell) == (
        "close-contract cleanup needs --base-url URL (or CLOSE_BASE_URL)"
    )


def test_the_target_is_named_then_a_recording_then_an_api_root() -> None:
    assert chosen_target({}) == ("emulator", None)
    assert chosen_target({"base_url": "u"}) == ("live", "base_url")
    assert chosen_target({"base_url": "u", "cassettes": Path("c")}) == ("replay", "cassettes")
    assert chosen_target({"base_url": "u", "target": "emulator"}) == ("emulator", "target")
    assert Config(base_url="u", target="emulator").target_kind == "emulator"


# --- errors in each door's spelling --------------------------------------------------------


def test_an_error_names_options_by_table_name_and_each_door_spells_them() -> None:
    error = OptionError(
        "{max_time} {value} and {cassettes}: pass {base_url.flag} or {api_key.env}",
        value="{examples}",
    )
    assert error.options == ("max_time", "cassettes", "base_url", "api_key")
    # The Python API's spelling; a value is never read as an option's name
    assert str(error) == "max_time {examples} and cassettes: pass base_url or CLOSE_API_KEY"
    flags = Given("cli", "run", {})
    assert error.render(flags.spell) == (
        "--max-time {examples} and --cassettes: pass --base-url or CLOSE_API_KEY"
    )
    plugin = Given.read("pytest", {}, environ={"CLOSE_MAX_TIME": "1"})
    assert error.render(plugin.spell) == (
        "CLOSE_MAX_TIME {examples} and --close-cassettes: pass --close-base-url or CLOSE_API_KEY"
    )


def test_validation_errors_name_the_option_as_the_python_api_writes_it() -> None:
    with pytest.raises(OptionError) as refused:
        Config(max_time=-1).validate()
    assert refused.value.options == ("max_time",)
    assert str(refused.value) == "max_time must be a positive number of seconds, got -1"
    with pytest.raises(OptionError, match="^emulator_faults is not used by a live target "):
        Config(
            base_url="https://x.test/api/v1", api_key="k" * 20, emulator_faults=("x",)
        ).validate()


def test_sequences_are_tuples_and_text_is_split_at_commas() -> None:
    config = Config.from_options({"checks": "a, b", "custom_object_type_ids": ["c,d", "e"]})
    assert config.checks == ("a", "b") and config.custom_object_type_ids == ("c", "d", "e")
    with pytest.raises(ConfigurationError, match="unknown option"):
        Config.from_options({"nope": 1})
