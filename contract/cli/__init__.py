"""Front door: the ``close-contract`` command. It parses options and renders events; every
decision about the contract is the core's.

``_commands`` holds the commands, ``_options`` the options they share and their help,
``_terminal`` what a run shows while it goes and at its end, ``_findings`` how violations
are grouped by root cause for that.
"""

from __future__ import annotations

from contract.cli._commands import main

__all__ = ["main"]
