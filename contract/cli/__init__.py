"""Front door: the ``close-contract`` command. It parses options and renders events; every
decision about the contract is the core's.

``_commands`` holds the commands, ``_options`` their options (built from the option table,
:mod:`contract.options`) and what their help ends with, ``_terminal`` what a run shows
while it goes and at its end, ``_findings`` how violations are grouped by root cause for
that.
"""

from __future__ import annotations

from contract.cli._commands import main

__all__ = ["main"]
