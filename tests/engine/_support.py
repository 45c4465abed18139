"""Helpers shared by the engine tests: running the engine, its events, the CLI door."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contract import run
from contract.config import Config
from contract.emulator import EmulatorServer
from contract.events import CaseFinished, CleanupFinished, Event, RunFinished

ROOT = Path(__file__).resolve().parents[2]
# The installed console script: the door users knock on.
COMMAND = [str(Path(sys.executable).with_name("close-contract"))]
TIMEOUT = 120


@dataclass(frozen=True)
class Ran:
    """Everything one engine run yielded, with shortcuts to its ends."""

    events: tuple[Event, ...]

    @property
    def finished(self) -> RunFinished:
        last = self.events[-1]
        assert isinstance(last, RunFinished), f"the run ended with {last!r}"
        return last

    @property
    def cleanup(self) -> CleanupFinished:
        (event,) = (e for e in self.events if isinstance(e, CleanupFinished))
        return event

    @property
    def cases(self) -> list[CaseFinished]:
        return [e for e in self.events if isinstance(e, CaseFinished)]


def run_engine(config: Config) -> Ran:
    """Run the contract through the Python API and keep every event."""
    return Ran(tuple(run(config)))


def live_config(server: EmulatorServer, **options: Any) -> Config:
    """A live-target configuration for an emulator the test started itself."""
    return Config(
        base_url=server.base_url,
        api_key=server.api_key,
        other_api_key=server.other_api_key,
        **options,
    )


def leftovers(server: EmulatorServer) -> dict[str, int]:
    """Rows a run may create and must delete again, by table."""
    return {table: server.count_rows(table) for table in ("custom_object", "lead", "contact")}


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without a key of the developer's (or CI's) own."""
    env = {k: v for k, v in os.environ.items() if k not in {"CLOSE_API_KEY", "CLOSE_OTHER_API_KEY"}}
    env.update(extra)
    return env


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``close-contract ARGS`` in a subprocess; its exit code, stdout and stderr."""
    return subprocess.run(
        [*COMMAND, *args],
        cwd=ROOT,
        env=clean_env() if env is None else env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("close-contract: error:")]


def mentions(texts: Iterable[str], secret: str) -> list[str]:
    """The texts that contain ``secret`` (for canary greps)."""
    return [text for text in texts if secret in text]
