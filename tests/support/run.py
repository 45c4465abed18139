"""Helpers shared by the engine tests: running the engine, its events, the CLI door."""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from contract import run
from contract.config import Config
from contract.emulator import EmulatorServer
from contract.events import CaseFinished, CleanupFinished, Event, RunFinished
from support.cli import cli as in_process

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


Verdict = list[tuple[str, tuple[int, ...], tuple[str, ...]]]
"""Each case's label, statuses and failed checks, in order."""


def verdict(config: Config) -> tuple[Verdict, RunFinished]:
    """Run ``config``: what each case answered and failed, and how the run finished."""
    ran = run_engine(config)
    cases = [(c.label, c.statuses, tuple(v.check for v in c.violations)) for c in ran.cases]
    return cases, ran.finished


def live_config(server: EmulatorServer, **options: Any) -> Config:
    """A live-target configuration for an emulator the test started itself (``options``
    may name another ``base_url``, such as a proxy's in front of it)."""
    if "state_dir" not in options:
        options["state_dir"] = Path(os.environ["CLOSE_STATE_DIR"])
    options.setdefault("base_url", server.base_url)
    return Config(api_key=server.api_key, other_api_key=server.other_api_key, **options)


@functools.cache
def type_ids() -> dict[str, str]:
    """The embedded emulator's custom object types, name -> id (every run of it has the same:
    its seed is fixed), for a run on one type (``custom_object_type_ids``)."""
    with EmulatorServer() as server:
        with httpx.Client(base_url=server.base_url + "/", auth=(server.api_key, "")) as api:
            listed = api.get("custom_object_type/").json()["data"]
    return {str(t["name"]): str(t["id"]) for t in listed}


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


def invoke(
    *args: str, env: Mapping[str, str | None] | None = None
) -> subprocess.CompletedProcess[str]:
    """:func:`support.cli.cli` (click's runner, in this process), with its result shaped as
    :func:`cli` gives a subprocess's."""
    ran = in_process(*args, env=env)
    return subprocess.CompletedProcess(
        ["close-contract", *args], ran.returncode, ran.stdout, ran.stderr
    )


def mentions(texts: Iterable[str], secret: str) -> list[str]:
    """The texts that contain ``secret`` (for canary greps)."""
    return [text for text in texts if secret in text]


@contextmanager
def _interruptible() -> Iterator[None]:
    # A child inherits an ignored SIGINT (e.g. from a background job); a user's Ctrl-C is not.
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def interrupt_cli(
    args: list[str], delay: float, signals: Iterable[int] = (signal.SIGINT,)
) -> tuple[int | None, str, str]:
    """Run ``close-contract ARGS``; send it ``signals`` (Ctrl-C by default, 0.05 s apart)
    ``delay`` s after it found its target.

    Timing from the target line keeps the interrupt inside the run proper: while Python
    imports the command is another matter (see test_engine_cli_errors), and so is the
    moment the disposable lead is created (see test_engine_interrupts). Returns the exit
    code, stdout and stderr.
    """
    output = tempfile.TemporaryFile("w+")
    with _interruptible():
        process = subprocess.Popen(
            [*COMMAND, *args],
            cwd=ROOT,
            env=clean_env(),
            stdout=output,
            stderr=subprocess.PIPE,
            text=True,
        )
    lines: list[str] = []
    started = threading.Event()

    def read_stderr() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.append(line)
            if line.startswith("target:"):
                started.set()
        started.set()  # the process ended before it found a target: fail below, not hang

    with output, process:
        reader = threading.Thread(target=read_stderr, daemon=True)
        reader.start()
        try:
            assert started.wait(60), "the run did not start"
            time.sleep(delay)
            for signum in signals:
                process.send_signal(signum)
                time.sleep(0.05)
            process.wait(120)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        reader.join(10)
        output.seek(0)
        return process.returncode, output.read(), "".join(lines)
