"""Config: keys never shown, read from the environment, refused when unusable; no key in
clear beyond this machine. Errors name an option by its field (``api_key``); each front
door writes it in its own spelling (``--api-key``, ``CLOSE_API_KEY``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from contract.config import Config, OptionError
from contract.errors import ConfigurationError
from contract.options import Given, Setting
from contract.session import open_target

CLI = Given("cli", "run", {})

KEY = "api_canary_first_key_0123456789"
OTHER = "api_canary_other_key_9876543210"
LIVE = "https://api.close.com/api/v1"


@pytest.fixture(autouse=True)
def _no_keys_of_the_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CLOSE_API_KEY", "CLOSE_OTHER_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def test_the_repr_hides_both_keys_but_says_they_are_set() -> None:
    config = Config(base_url=LIVE, api_key=KEY, other_api_key=OTHER)
    for shown in (repr(config), str(config), f"{config!r}"):
        assert KEY not in shown and OTHER not in shown
        assert "api_key='[REDACTED]'" in shown and "other_api_key='[REDACTED]'" in shown
    assert "other_api_key=None" in repr(Config(base_url=LIVE, api_key=KEY))


def test_the_target_repr_hides_both_keys() -> None:
    with open_target(Config(base_url=LIVE, api_key=KEY, other_api_key=OTHER)) as target:
        assert target.other_api_key == OTHER
        assert KEY not in repr(target) and OTHER not in repr(target)


def test_the_second_key_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOSE_OTHER_API_KEY", OTHER)
    config = Config(base_url=LIVE, api_key=KEY)
    config.validate()
    assert config.resolved_other_api_key() == OTHER
    with open_target(config) as target:
        assert target.other_api_key == OTHER
    # A flag beats the variable.
    given = "api_canary_given_key_5555555555"
    assert Config(base_url=LIVE, api_key=KEY, other_api_key=given).resolved_other_api_key() == (
        given
    )


def test_the_second_key_in_the_shell_is_not_used_by_the_emulator(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Like CLOSE_API_KEY: people keep it in their shell; the emulator has its own keys.
    monkeypatch.setenv("CLOSE_OTHER_API_KEY", "e")
    Config().validate()


@pytest.mark.parametrize(
    ("api_key", "other", "env"),
    [
        (KEY, KEY, {}),
        (None, KEY, {"CLOSE_API_KEY": KEY}),
        (KEY, None, {"CLOSE_OTHER_API_KEY": KEY}),
        (None, None, {"CLOSE_API_KEY": KEY, "CLOSE_OTHER_API_KEY": KEY}),
    ],
)
def test_the_same_key_twice_is_refused(
    monkeypatch: pytest.MonkeyPatch, api_key: str | None, other: str | None, env: dict[str, str]
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match="same key") as refused:
        Config(base_url=LIVE, api_key=api_key, other_api_key=other).validate()
    assert KEY not in str(refused.value)


@pytest.mark.parametrize("scheme", ["basic", "bearer"])
@pytest.mark.parametrize("which", ["api_key", "other_api_key"])
@pytest.mark.parametrize("where", ["flag", "environment"])
@pytest.mark.parametrize("bad", ["\r", "\n", "\x1b", " "])
def test_a_key_with_a_control_character_is_refused_without_being_shown(
    monkeypatch: pytest.MonkeyPatch, scheme: str, which: str, where: str, bad: str
) -> None:
    # Given a key with a stray character, e.g. the "\r" a Windows env file leaves
    keys = {"api_key": KEY, "other_api_key": OTHER}
    keys[which] += bad
    if where == "environment":
        variable = "CLOSE_API_KEY" if which == "api_key" else "CLOSE_OTHER_API_KEY"
        monkeypatch.setenv(variable, keys.pop(which))

    # When the options are checked, Then it is refused and the message holds no key
    with pytest.raises(ConfigurationError) as refused:
        Config(base_url=LIVE, auth_scheme=scheme, **keys).validate()  # type: ignore[arg-type]
    message = str(refused.value)
    assert refused.value.exit_code == 2
    assert f"U+{ord(bad):04X}" in message
    assert isinstance(refused.value, OptionError) and refused.value.options == (which,)
    assert message.startswith(f"{which} holds U+")
    # As the CLI writes it: the flag, or the variable the key came from
    settings = {which: Setting(keys.get(which), "flag" if where == "flag" else "environment")}
    shown = refused.value.render(Given("cli", "run", settings).spell)
    spelled = "--" + which.replace("_", "-") if where == "flag" else "CLOSE_" + which.upper()
    assert shown.startswith(f"{spelled} holds U+")
    for key in (KEY, OTHER, "canary"):
        assert key not in message and key not in shown


@pytest.mark.parametrize(
    "url",
    ["http://api.close.com/api/v1", "http://10.0.0.7:8000/api/v1", "http://[2001:db8::1]/api/v1"],
)
def test_plain_http_beyond_this_machine_is_refused_unless_allowed(url: str) -> None:
    with pytest.raises(OptionError, match="pass allow_insecure_http") as refused:
        Config(base_url=url, api_key=KEY).validate()
    assert refused.value.exit_code == 2 and KEY not in str(refused.value)
    shown = refused.value.render(CLI.spell)
    assert "pass --allow-insecure-http (CLOSE_ALLOW_INSECURE_HTTP=1)" in shown
    Config(base_url=url, api_key=KEY, allow_insecure_http=True).validate()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/api/v1",
        "http://127.3.2.1/api/v1",
        "http://[::1]:8000/api/v1",
        "http://localhost:8000/api/v1",
        "http://LOCALHOST/api/v1",
        "https://api.close.com/api/v1",
    ],
)
def test_loopback_http_and_https_are_accepted(url: str) -> None:
    Config(base_url=url, api_key=KEY).validate()


def test_paths_and_lists_given_from_python_take_the_types_of_the_front_doors() -> None:
    # A notebook passes strings and lists where the CLI hands over paths and tuples (the
    # types say Path and tuple; a notebook's code is not type-checked)
    config = Config(
        state_dir="ci-state",  # type: ignore[arg-type]
        baseline="b.json",  # type: ignore[arg-type]
        checks=["echo_conformance"],  # type: ignore[arg-type]
    )

    # and the run gets what the front doors give it
    assert config.state_dir == Path("ci-state") and config.baseline == Path("b.json")
    assert config.checks == ("echo_conformance",)
    assert config == Config(
        state_dir=Path("ci-state"), baseline=Path("b.json"), checks=("echo_conformance",)
    )
