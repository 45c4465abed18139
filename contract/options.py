"""Options declared once: name, type, help, and their spelling in each front door.

Each :class:`Option` names a :class:`~contract.config.Config` field. The CLI builds its
flags (``--max-time``), the pytest plugin its options (``--close-max-time``), and both read
``CLOSE_MAX_TIME`` from the environment when the flag is not given, from this one table.
Importing it stays cheap: the CLI's ``--help`` and pytest's start-up read it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["OPTIONS", "Option"]


@dataclass(frozen=True, slots=True)
class Option:
    """One option: the Config field it sets, its value type and its help text.

    ``flag`` is the CLI's spelling; the plugin's is ``--close-`` and the rest of it, and
    the environment variable is ``CLOSE_`` and the name in upper case. ``is_flag`` options
    take no value (``True`` when given; ``1``, ``true`` or ``yes`` in the environment).
    """

    name: str
    type: type
    help: str
    metavar: str = "N"
    is_flag: bool = False

    @property
    def flag(self) -> str:
        """The CLI flag, e.g. ``--max-time``."""
        return "--" + self.name.replace("_", "-")

    @property
    def pytest_flag(self) -> str:
        """The pytest plugin's flag, e.g. ``--close-max-time``."""
        return "--close-" + self.name.replace("_", "-")

    @property
    def env(self) -> str:
        """The environment variable, e.g. ``CLOSE_MAX_TIME``."""
        return "CLOSE_" + self.name.upper()

    @property
    def help_text(self) -> str:
        """The help, ending with the default :class:`~contract.config.Config` holds (the one
        place a default is written down)."""
        if self.is_flag:
            return self.help
        from contract.config import Config

        default = next(f.default for f in dataclasses.fields(Config) if f.name == self.name)
        return f"{self.help} [default: {_shown(default)}]"

    def parse(self, text: str) -> Any:
        """A value from the environment's text (a ConfigurationError names the variable)."""
        from contract.errors import ConfigurationError

        if self.is_flag:
            return text.strip().lower() in ("1", "true", "yes", "on")
        try:
            return self.type(text)
        except ValueError:
            raise ConfigurationError(
                f"{self.env}={text!r} is not a valid {self.type.__name__} ({self.help})"
            ) from None


OPTIONS: tuple[Option, ...] = (
    Option(
        "max_time",
        float,
        "The run's budget in seconds: past it no case is drawn, cleanup runs and the "
        "reports are written.",
        metavar="SECONDS",
    ),
    Option(
        "max_response_bytes",
        int,
        "Bytes of one response body (decompressed) before the answer is given up.",
    ),
    Option(
        "response_timeout",
        float,
        "Seconds one response may take, request to last byte.",
        metavar="SECONDS",
    ),
    Option(
        "max_wait",
        float,
        "Longest RateLimit/Retry-After wait accepted; past it the target counts as "
        "unreachable (exit 3).",
        metavar="SECONDS",
    ),
    Option("max_pages", int, "Pages one list walk reads."),
    Option(
        "cleanup_timeout",
        float,
        "Seconds cleanup may take; it is exempt from --max-time.",
        metavar="SECONDS",
    ),
    Option(
        "state_dir",
        Path,
        "Where runs journal what they create, for `close-contract cleanup`.",
        metavar="DIR",
    ),
    Option(
        "allow_insecure_http",
        bool,
        "Send the key over plain http:// to a host other than loopback.",
        is_flag=True,
    ),
)


def _shown(default: object) -> str:
    if default is None:
        return "none"
    if isinstance(default, int) and default >= 1 << 20 and default % (1 << 20) == 0:
        return f"{default >> 20} MiB"
    if isinstance(default, float):
        return f"{default:g}"
    return str(default)
