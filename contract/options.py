"""The option table, and how each front door reads it.

Every option is a field of :class:`~contract.config.Config` declared with
:func:`~contract.config.option`: its name, type and default are the field's, its help,
targets and spellings the declaration's. :data:`OPTIONS` lists them, and from it come:

- the CLI's flags (``--max-time``) and the pytest plugin's options (``--close-max-time``);
- the environment (``CLOSE_MAX_TIME``) and ``[tool.close-contract]`` in the nearest
  ``pyproject.toml`` at or above the current directory (``max-time = 600``), read by
  :meth:`Given.read`: a flag beats the environment, which beats the file;
- which targets use it (:meth:`Given.settle`): a variable or a key of the file the target
  would ignore is dropped with a one-line notice (CI sets variables for whole workflows),
  a flag is kept so that :meth:`Config.validate` refuses it (exit 2);
- how an error names it (:meth:`Given.spell`): as the user gave it.

Importing it stays cheap: the CLI's ``--help`` and pytest's start-up read it.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import types
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from contract.config import (
    OPTION,
    Command,
    Config,
    OptionError,
    OptionSpec,
    TargetKind,
    chosen_target,
    env_name,
    spelled,
    target_phrase,
)
from contract.errors import ConfigurationError

__all__ = [
    "OPTIONS",
    "PYPROJECT_TABLE",
    "Door",
    "Given",
    "Kind",
    "Option",
    "Setting",
    "Source",
    "find_pyproject",
    "offered",
    "options_of",
]

Door = Literal["cli", "pytest"]
Source = Literal["flag", "environment", "file"]
Kind = Literal["value", "flag", "switch", "multiple", "choice"]
"""``value`` takes one value; ``flag`` none (on when given); ``switch`` is ``--x`` or
``--no-x``; ``multiple`` takes several (repeated, or comma-separated); ``choice`` one of a
few words."""

PYPROJECT_TABLE = "close-contract"
"""The table of pyproject.toml that holds options: ``[tool.close-contract]``."""

_RANK: dict[Source, int] = {"flag": 0, "environment": 1, "file": 2}
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")
_WORDS: dict[type, str] = {
    int: "a whole number",
    float: "a number",
    bool: "true or false",
    str: "text",
    Path: "a path",
}
_METAVARS: dict[type, str] = {int: "N", float: "NUMBER", str: "TEXT", Path: "PATH"}


@dataclass(frozen=True, slots=True)
class Option:
    """One option: its :class:`~contract.config.Config` field (``name``, the value's
    ``type``, ``default``), its declaration (``spec``), and how each door writes it."""

    name: str
    type: type
    kind: Kind
    default: Any
    spec: OptionSpec
    choices: tuple[str, ...] = ()

    @property
    def is_flag(self) -> bool:
        """Whether its flag takes no value (``--schemathesis``, ``--shrink``, ``--bearer``)."""
        return self.kind in ("flag", "switch") or self.spec.flag_value is not None

    @property
    def flag(self) -> str:
        """The CLI flag, e.g. ``--max-time``."""
        return self.spec.cli or "--" + self.key

    @property
    def pytest_flag(self) -> str | None:
        """The pytest plugin's flag, e.g. ``--close-max-time`` (None: the plugin has none)."""
        if not self.spec.in_pytest:
            return None
        return self.spec.pytest_flag or "--close-" + self.flag.removeprefix("--")

    @property
    def dest(self) -> str:
        """Where pytest keeps its value (``config.getoption(option.dest)``)."""
        return "close_" + self.name

    @property
    def env(self) -> str:
        """The environment variable, e.g. ``CLOSE_MAX_TIME``."""
        return env_name(self.name)

    @property
    def key(self) -> str:
        """The key of ``[tool.close-contract]``, e.g. ``max-time``."""
        return self.name.replace("_", "-")

    @property
    def targets(self) -> frozenset[TargetKind]:
        """The targets that use it."""
        return self.spec.targets

    @property
    def commands(self) -> frozenset[Command]:
        """The ``close-contract`` commands that offer it."""
        return self.spec.commands

    @property
    def metavar(self) -> str:
        """What its value is called in help."""
        if self.spec.metavar:
            return self.spec.metavar
        if self.kind == "choice":
            return "[" + "|".join(self.choices) + "]"
        return "NAME" if self.kind == "multiple" else _METAVARS.get(self.type, "VALUE")

    def door_flag(self, door: Door) -> str:
        """Its flag in ``door`` (the variable where the plugin has no option)."""
        if door == "pytest":
            return self.pytest_flag or self.env
        return self.flag

    @property
    def help(self) -> str:
        """Its help as the CLI shows it, without the default."""
        return self.help_for("cli")

    def help_for(self, door: Door) -> str:
        """Its help, other options named as ``door`` writes them."""
        return spelled(self.spec.help, _door_spell(door))

    @property
    def help_text(self) -> str:
        """The CLI's help, ending with the default :class:`~contract.config.Config` holds
        (the one place a default is written down)."""
        return self.help_text_for("cli")

    def help_text_for(self, door: Door) -> str:
        """Its help in ``door`` with its default (none for a flag: off)."""
        if self.spec.default_text is not None:
            shown = spelled(self.spec.default_text, _door_spell(door))
        elif self.is_flag:
            return self.help_for(door)
        else:
            shown = _shown(self.default)
        return f"{self.help_for(door)} [default: {shown}]"

    def read_flag(self, raw: Any, where: str) -> Any:
        """The value of its flag: what click or argparse gave (text, a list, a constant)."""
        if self.is_flag:
            return raw
        if self.kind == "multiple":
            return self._split(raw if isinstance(raw, list | tuple) else [raw])
        return self.read_text(str(raw), where)

    def read_text(self, text: str, where: str) -> Any:
        """The value a text (a variable, a flag's argument) gives; ``where`` names it in
        errors."""
        if self.kind in ("flag", "switch"):
            word = text.strip().lower()
            if word in _TRUE or word in _FALSE:
                return word in _TRUE
            raise ConfigurationError(
                f"{where}: {text!r} is not true or false ({', '.join(_TRUE)} or "
                f"{', '.join(_FALSE)})"
            )
        if self.kind == "multiple":
            return self._split([text])
        if self.kind == "choice":
            return self._choice(text.strip(), where)
        try:
            return self.type(text.strip() if self.type in (int, float) else text)
        except ValueError:
            raise ConfigurationError(f"{where}: {text!r} is not {_WORDS[self.type]}") from None

    def read_toml(self, value: Any, where: str, base: Path) -> Any:
        """The value a key of ``[tool.close-contract]`` gives; a relative path is taken
        from ``base`` (the file's directory)."""
        if self.kind in ("flag", "switch"):
            if isinstance(value, bool):
                return value
        elif self.kind == "multiple":
            if isinstance(value, str):
                return self._split([value])
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                return self._split(value)
        elif self.kind == "choice":
            if isinstance(value, str):
                return self._choice(value, where)
        elif self.type is float and isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        elif self.type is int and isinstance(value, int) and not isinstance(value, bool):
            return value
        elif self.type is Path and isinstance(value, str):
            path = Path(value).expanduser()
            return path if path.is_absolute() or value == "-" else base / path
        elif self.type is str and isinstance(value, str):
            return value
        expected = "a list of names" if self.kind == "multiple" else _WORDS[self.type]
        if self.kind == "choice":
            expected = "one of " + ", ".join(self.choices)
        raise ConfigurationError(f"{where} must be {expected}, got {value!r}")

    def _choice(self, text: str, where: str) -> str:
        if text not in self.choices:
            raise ConfigurationError(f"{where}: {text!r} is not one of {', '.join(self.choices)}")
        return text

    @staticmethod
    def _split(items: Iterable[Any]) -> tuple[str, ...]:
        return tuple(p.strip() for item in items for p in str(item).split(",") if p.strip())


def _shown(default: object) -> str:
    if default is None or default == ():
        return "none"
    if isinstance(default, int) and default >= 1 << 20 and default % (1 << 20) == 0:
        return f"{default >> 20} MiB"
    if isinstance(default, float):
        return f"{default:g}"
    return str(default)


def _option(f: dataclasses.Field[Any], hint: Any) -> Option:
    """The option a field declares, its kind read from the field's annotation."""
    spec: OptionSpec = f.metadata[OPTION]
    args = typing.get_args(hint)
    optional = typing.get_origin(hint) in (typing.Union, types.UnionType)
    if optional:
        (hint,) = (a for a in args if a is not type(None))
    origin = typing.get_origin(hint)
    if hint is bool:
        return Option(f.name, bool, "switch" if optional else "flag", f.default, spec)
    if origin is tuple:
        return Option(f.name, str, "multiple", f.default, spec)
    if origin is Literal:
        return Option(f.name, str, "choice", f.default, spec, typing.get_args(hint))
    if hint in (int, float, str, Path):
        return Option(f.name, hint, "value", f.default, spec)
    raise TypeError(f"Config.{f.name}: an option cannot be of type {hint!r}")


def options_of(cls: type) -> tuple[Option, ...]:
    """The options a dataclass declares (its fields made with :func:`~contract.config.option`),
    in the order of its fields; :data:`OPTIONS` is :class:`~contract.config.Config`'s."""
    hints = typing.get_type_hints(cls)
    return tuple(_option(f, hints[f.name]) for f in dataclasses.fields(cls) if OPTION in f.metadata)


OPTIONS: tuple[Option, ...] = options_of(Config)
"""Every option, in the order of the :class:`~contract.config.Config` fields."""

_BY_NAME = {o.name: o for o in OPTIONS}


def _door_spell(door: Door) -> Any:
    def spell(name: str, form: str) -> str:
        found = _BY_NAME.get(name)
        if found is None:
            return name
        return found.env if form == "env" else found.door_flag(door)

    return spell


def offered(door: Door, command: Command | None = None) -> tuple[Option, ...]:
    """The options ``door`` offers: the plugin's, or those of one ``close-contract`` command."""
    if door == "pytest":
        return tuple(o for o in OPTIONS if o.pytest_flag is not None)
    return tuple(o for o in OPTIONS if command in o.commands)


def find_pyproject(start: Path) -> tuple[Path, dict[str, Any]] | None:
    """The nearest ``pyproject.toml`` at or above ``start`` that holds
    ``[tool.close-contract]``, and that table; None when there is none."""
    for directory in (start, *start.parents):
        path = directory / "pyproject.toml"
        if not path.is_file():
            continue
        try:
            with path.open("rb") as file:
                data = tomllib.load(file)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigurationError(f"cannot read {path}: {exc}") from None
        table = data.get("tool", {}).get(PYPROJECT_TABLE)
        if table is None:
            continue
        if not isinstance(table, dict):
            raise ConfigurationError(f"[tool.{PYPROJECT_TABLE}] in {path} is not a table")
        return path, table
    return None


@dataclass(frozen=True, slots=True)
class Setting:
    """One option's value and where it came from."""

    value: Any
    source: Source


@dataclass(frozen=True, slots=True)
class Given:
    """What one session of a front door was given (a command line with the environment
    and the file, or a pytest session), each value with its source.

    ``door`` and ``command`` say which options are offered, ``file`` is the pyproject.toml
    that was read (None when none holds ``[tool.close-contract]``).
    """

    door: Door
    command: Command | None
    settings: Mapping[str, Setting]
    file: Path | None = None

    @classmethod
    def read(
        cls,
        door: Door,
        flags: Mapping[str, Any],
        *,
        command: Command | None = None,
        environ: Mapping[str, str] | None = None,
        start: Path | None = None,
    ) -> Given:
        """Each offered option from the first place that sets it: ``flags`` (by option name;
        ``None`` or empty when not given), else ``environ`` (an empty variable counts as
        unset), else ``[tool.close-contract]`` of the nearest pyproject.toml at or above
        ``start``. A value that cannot be read is a ConfigurationError naming where it is.
        """
        environ = os.environ if environ is None else environ
        found = find_pyproject(start) if start is not None else None
        file, table = found if found is not None else (None, {})
        if file is not None:
            _check_file(file, table)
        settings: dict[str, Setting] = {}
        for o in offered(door, command):
            raw = flags.get(o.name)
            if raw is not None and raw not in ((), []):
                settings[o.name] = Setting(o.read_flag(raw, o.door_flag(door)), "flag")
            elif environ.get(o.env):
                settings[o.name] = Setting(o.read_text(environ[o.env], o.env), "environment")
            elif file is not None and o.key in table:
                where = _in_file(o, file)
                settings[o.name] = Setting(o.read_toml(table[o.key], where, file.parent), "file")
        return cls(door, command, settings, file)

    def source(self, name: str) -> Source | None:
        """Where option ``name`` came from (None: not given)."""
        setting = self.settings.get(name)
        return None if setting is None else setting.source

    def spell(self, name: str, form: str = "") -> str:
        """Option ``name`` as the user gave it (the door's flag when it was not given), or
        as the door's flag (``form="flag"``) or the variable (``form="env"``)."""
        found = _BY_NAME.get(name)
        if found is None:
            return name
        if form == "env":
            return found.env
        source = self.source(name)
        if form == "flag" or source in (None, "flag"):
            return found.door_flag(self.door)
        if source == "environment":
            return found.env
        return _in_file(found, self.file)

    def message(self, exc: BaseException) -> str:
        """The error's one line, with the options it names spelled as the user gave them."""
        return exc.render(self.spell) if isinstance(exc, OptionError) else str(exc)

    def settle(self) -> tuple[dict[str, Any], list[str]]:
        """The values for :meth:`Config.from_options`, and one notice for each variable or
        key of the file that is dropped because the target would ignore it.

        The target is chosen by the highest source (flag, environment, file) that names
        one: its ``target`` option, else a recording, else an API root. A ``target`` of a
        lower source that says otherwise is dropped too. Flags are never dropped: what the
        target would ignore, :meth:`Config.validate` refuses. Raises :class:`OptionError`
        when the command cannot do without an option that is not given.
        """
        deciding, kind, chooser = self._target()
        values: dict[str, Any] = {}
        notices: list[str] = []
        for o in offered(self.door, self.command):
            setting = self.settings.get(o.name)
            if setting is None:
                if self.command in o.spec.required:
                    raise OptionError(
                        f"close-contract {self.command} needs {{{o.name}.flag}} {o.metavar} "
                        f"(or {{{o.name}.env}})"
                    )
                continue
            if setting.source != "flag":
                lower = deciding is not None and _RANK[setting.source] > _RANK[deciding]
                if o.spec.selects == "any" and lower and setting.value != kind:
                    template = f"{{{o.name}}} {setting.value} is overridden by {{{chooser}}}"
                    notices.append(spelled(f"{template}; ignored", self.spell))
                    continue
                if kind not in o.targets and setting.value != o.default:
                    template = f"{{{o.name}}} is not used by {target_phrase(kind, chooser)}"
                    notices.append(spelled(f"{template}; ignored", self.spell))
                    continue
            values[o.name] = setting.value
        return values, notices

    def _target(self) -> tuple[Source | None, TargetKind, str | None]:
        for source in ("flag", "environment", "file"):
            choosing = {
                name: s.value
                for name, s in self.settings.items()
                if s.source == source and _BY_NAME[name].spec.selects is not None
            }
            if choosing:
                kind, chooser = chosen_target(choosing)
                deciding: Source = source
                return deciding, kind, chooser
        return None, "emulator", None


def _in_file(option: Option, file: Path | None) -> str:
    return f"{option.key} in [tool.{PYPROJECT_TABLE}] ({file})"


def _check_file(file: Path, table: Mapping[str, Any]) -> None:
    """Refuse keys that are no option (a typo would otherwise go unnoticed for good), and
    API keys (the file is shared and committed)."""
    known = {o.key: o for o in OPTIONS}
    for key in table:
        found = known.get(key)
        if found is None:
            raise ConfigurationError(
                f"{key} in [tool.{PYPROJECT_TABLE}] ({file}) is not an option; the options "
                f"are {', '.join(sorted(known))}"
            )
        if found.spec.secret:
            raise ConfigurationError(
                f"{key} in [tool.{PYPROJECT_TABLE}] ({file}): a key does not belong in a file "
                f"that is shared and committed; set {found.env} instead"
            )
