"""How every command ends on an error: one line on stderr, the keys blanked, its exit code."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, NoReturn

from rich.console import Console

from contract.errors import ContractError

if TYPE_CHECKING:
    from contract.options import Given

__all__ = ["fail", "keys", "redactor_for"]


def keys(given: Iterable[str | None]) -> list[str]:
    """The keys to blank: those given, and both variables whatever the target (an error
    may quote either before the target is known)."""
    from contract.secrets import MIN_SECRET_LENGTH

    # A shorter key was refused before any use, so it cannot be in any text; a key with a
    # control character was refused too, and is blanked all the same.
    variables = (os.environ.get(name) for name in ("CLOSE_API_KEY", "CLOSE_OTHER_API_KEY"))
    found = [*given, *variables]
    return list(dict.fromkeys(k for k in found if k and len(k) >= MIN_SECRET_LENGTH))


def redactor_for(secrets: Iterable[str | None]) -> Callable[[str], str]:
    """What blanks ``secrets`` (and the key variables) in anything shown."""
    from contract.secrets import Redactor

    return Redactor(keys(secrets))


def fail(
    exc: ContractError, secrets: Iterable[str | None] = (), given: Given | None = None
) -> NoReturn:
    """End the command with ``exc``'s one line (options named as they were given, every
    key blanked once more, whatever part of the core wrote it) and its exit code."""
    text = given.message(exc) if given is not None else str(exc)
    Console(stderr=True, highlight=False).print(
        f"close-contract: error: {redactor_for(secrets)(text)}", markup=False, soft_wrap=True
    )
    sys.exit(exc.exit_code)
