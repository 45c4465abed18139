"""Open the target a configuration selects: the embedded emulator or a live API root."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from contract.cassettes import Corpus
from contract.config import Config, TargetKind
from contract.errors import ConfigurationError
from contract.secrets import REDACTED

__all__ = ["Target", "open_target"]


@dataclass(frozen=True, slots=True)
class Target:
    """Where a run sends its requests, with the keys to use (its ``repr`` shows
    ``[REDACTED]`` in their place)."""

    kind: TargetKind
    base_url: str
    api_key: str = field(repr=False)
    other_api_key: str | None = field(repr=False)
    description: str
    # A lead of the second key's organization the run may name, never write to: the
    # option's (live), the recording's (replay) or the embedded emulator's own.
    other_lead_id: str | None = None

    def __repr__(self) -> str:
        other = None if self.other_api_key is None else REDACTED
        return (
            f"Target(kind={self.kind!r}, base_url={self.base_url!r}, api_key={REDACTED!r}, "
            f"other_api_key={other!r}, description={self.description!r}, "
            f"other_lead_id={self.other_lead_id!r})"
        )


@contextmanager
def open_target(config: Config, corpus: Corpus | None = None) -> Iterator[Target]:
    """Yield the target of ``config``; an embedded emulator is stopped on exit.

    For a replay, ``corpus`` (the recording's) says which API root was recorded; the keys
    are stand-ins, since the recording holds none.
    """
    if config.target_kind == "live":
        assert config.base_url is not None
        key = config.resolved_api_key()
        assert key is not None  # Config.validate() guarantees it
        other = config.resolved_other_api_key()
        yield Target("live", config.base_url, key, other, config.base_url, config.other_lead_id)
        return
    if config.target_kind == "replay":
        if corpus is None:
            raise ConfigurationError("a replay needs the recording's corpus")
        other = "replay-placeholder-other-key" if corpus.has_other_key else None
        yield Target(
            "replay",
            corpus.base_url,
            "replay-placeholder-key",
            other,
            f"cassettes {config.cassettes}",
            corpus.other_lead_id,
        )
        return
    from contract.emulator import EmulatorServer

    try:
        server = EmulatorServer(
            faults=config.emulator_faults,
            throttle=config.emulator_throttle,
            throttle_reset=config.emulator_throttle_reset,
            rate_limit=config.emulator_rate_limit,
            db_path=config.emulator_db,
            seed=config.seed,
            # Its second organization holds a lead, for the references the run must not reach.
            other_lead=True,
        )
    except ValueError as exc:
        raise ConfigurationError(f"emulator: {exc}") from exc
    with server:
        faults = f" with faults {', '.join(server.faults)}" if server.faults else ""
        yield Target(
            "emulator",
            server.base_url,
            server.api_key,
            config.other_api_key or server.other_api_key,
            f"embedded emulator{faults}",
            server.other_lead_id,
        )
