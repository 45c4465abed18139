"""What a run is asked to do: one immutable value shared by every front door."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from contract.errors import ConfigurationError

__all__ = ["Config", "TargetKind"]

TargetKind = Literal["emulator", "live", "replay"]


@dataclass(frozen=True, slots=True)
class Config:
    """Options of one contract run (the CLI flags of ``close-contract run``).

    With no ``base_url`` and no ``cassettes`` the run starts the embedded emulator; with a
    ``base_url`` it talks to that API root using ``api_key`` (or ``CLOSE_API_KEY``); with
    ``cassettes`` it replays a recording offline.
    """

    base_url: str | None = None
    api_key: str | None = None
    other_api_key: str | None = None
    auth_scheme: Literal["basic", "bearer"] = "basic"
    custom_object_type_ids: tuple[str, ...] = ()
    lead_id: str | None = None
    examples: int = 10
    invalid_examples: int = 1
    seed: int = 0
    shrink: bool | None = None
    schemathesis: bool = False
    record: Path | None = None
    cassettes: Path | None = None
    baseline: Path | None = None
    baseline_out: Path | None = None
    report_json: Path | None = None
    junit_xml: Path | None = None
    report_md: Path | None = None
    timeout: float = 30.0
    max_attempts: int = 5
    max_retry_sleep: float = 60.0
    # The embedded emulator's own switches, for demonstrations and the toolkit's tests.
    emulator_faults: tuple[str, ...] = ()
    emulator_throttle: int | None = None
    emulator_throttle_reset: float = 0.0
    emulator_db: Path | None = None

    @property
    def target_kind(self) -> TargetKind:
        """Which target the options select (see DESIGN.md "Targets")."""
        if self.cassettes is not None:
            return "replay"
        return "live" if self.base_url else "emulator"

    @property
    def shrinking(self) -> bool:
        """Shrink failures? On by default on the emulator only: on a live API every try costs.

        Never while recording: a corpus must hold exactly the cases that were reported, so a
        replay reaches the same verdict without Hypothesis.
        """
        if self.record is not None or self.cassettes is not None:
            return False
        return self.shrink if self.shrink is not None else self.target_kind == "emulator"

    def resolved_api_key(self) -> str | None:
        """The key given, else ``CLOSE_API_KEY`` from the environment."""
        return self.api_key or os.environ.get("CLOSE_API_KEY") or None

    def validate(self) -> None:
        """Raise :class:`ConfigurationError` for options that cannot work together."""
        if self.examples < 1:
            raise ConfigurationError(
                f"--examples must be at least 1, got {self.examples}: it is the number of "
                "valid payloads sent per custom object type"
            )
        if self.invalid_examples < 1:
            raise ConfigurationError(
                f"invalid_examples must be at least 1, got {self.invalid_examples}"
            )
        if self.record is not None and self.cassettes is not None:
            raise ConfigurationError(
                "--record and --cassettes exclude each other: record a new cassette "
                "directory, or replay an existing one"
            )
        if self.schemathesis and (self.record is not None or self.cassettes is not None):
            raise ConfigurationError(
                "--schemathesis cannot be recorded or replayed: schemathesis generates its own "
                "requests; run it against the emulator or a live target"
            )
        if self.target_kind == "live" and not self.resolved_api_key():
            raise ConfigurationError(
                f"no API key for {self.base_url}: pass --api-key or set CLOSE_API_KEY"
            )
        for name in ("report_json", "junit_xml", "report_md", "baseline"):
            path = getattr(self, name)
            if path is not None and name != "baseline" and path.is_dir():
                raise ConfigurationError(f"--{name.replace('_', '-')} {path} is a directory")
        for type_id in self.custom_object_type_ids:
            if not type_id.startswith("cotype_"):
                raise ConfigurationError(
                    f"--custom-object-type-id {type_id!r} is not a Custom Object Type id "
                    "(they start with 'cotype_')"
                )
        if self.lead_id is not None and not self.lead_id.startswith("lead_"):
            raise ConfigurationError(
                f"--lead-id {self.lead_id!r} is not a lead id (they start with 'lead_')"
            )
