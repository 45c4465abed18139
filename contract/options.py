"""Options declared once: name, type, help, and their spelling in each front door.

Each :class:`Option` names a :class:`~contract.config.Config` field. The CLI builds its
flags (``--max-time``), the pytest plugin its options (``--close-max-time``), and both read
``CLOSE_MAX_TIME`` from the environment when the flag is not given, from this one table.
Importing it stays cheap: the CLI's ``--help`` and pytest's start-up read it.
"""

from __future__ import annotations

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
        "reports are written [default: none].",
        metavar="SECONDS",
    ),
    Option(
        "max_response_bytes",
        int,
        "Bytes of one response body (decompressed) before the answer is given up "
        "[default: 16 MiB].",
    ),
    Option(
        "response_timeout",
        float,
        "Seconds one response may take, request to last byte [default: 120].",
        metavar="SECONDS",
    ),
    Option(
        "max_wait",
        float,
        "Longest RateLimit/Retry-After wait accepted; past it the target counts as "
        "unreachable (exit 3) [default: 300].",
        metavar="SECONDS",
    ),
    Option("max_pages", int, "Pages one list walk reads [default: 50]."),
    Option(
        "cleanup_timeout",
        float,
        "Seconds cleanup may take; it is exempt from --max-time [default: 600].",
        metavar="SECONDS",
    ),
    Option(
        "state_dir",
        Path,
        "Where runs journal what they create, for `close-contract cleanup` "
        "[default: .close-contract].",
        metavar="DIR",
    ),
    Option(
        "allow_insecure_http",
        bool,
        "Send the key over plain http:// to a host other than loopback.",
        is_flag=True,
    ),
)
