"""Record a run's HTTP interactions as a vcrpy cassette.

A recording directory holds ``cassette.yaml`` (every interaction, vcrpy's format),
``corpus.json`` (see :mod:`contract.cassettes._corpus`) and ``baseline.json`` (the shapes
and statuses observed). Recording scrubs every form of a key before anything is written;
:mod:`contract.cassettes._replay` serves the interactions back offline.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from contract.baseline import BASELINE_FILE
from contract.cassettes._corpus import CASSETTE_FILE, CORPUS_FILE
from contract.errors import ConfigurationError
from contract.secrets import REDACTED, Redactor

__all__ = ["recording", "recording_files"]

# What vcrpy matches requests on; a replay's index (_replay._key) uses exactly these.
_MATCH_ON = ("method", "path", "query", "body")
# Everything a recording consists of: what --overwrite may remove, and nothing else.
_RECORDING = (CASSETTE_FILE, CORPUS_FILE, BASELINE_FILE)


def _vcr(secrets: Sequence[str]) -> Any:
    import vcr

    scrub = Redactor(secrets)

    def before_request(request: Any) -> Any:
        request.uri = scrub(request.uri)
        if isinstance(request.body, bytes):
            request.body = scrub(request.body.decode("utf-8", "surrogateescape")).encode(
                "utf-8", "surrogateescape"
            )
        return request

    def before_response(response: dict[str, Any]) -> dict[str, Any]:
        body = response.get("body", {}).get("string")
        if isinstance(body, bytes):
            text = scrub(body.decode("utf-8", "surrogateescape"))
            response["body"]["string"] = text.encode("utf-8", "surrogateescape")
        for name, values in list(response.get("headers", {}).items()):
            response["headers"][name] = [scrub(str(v)) for v in values]
        return response

    return vcr.VCR(
        match_on=_MATCH_ON,
        filter_headers=[("authorization", REDACTED)],
        before_record_request=before_request,
        before_record_response=before_response,
        decode_compressed_response=True,
    )


def recording_files(directory: Path) -> list[Path]:
    """The files of a recording that ``directory`` already holds (none if it holds none)."""
    return [
        directory / name
        for name in _RECORDING
        if (directory / name).is_symlink() or (directory / name).exists()
    ]


@contextmanager
def recording(directory: Path, secrets: Sequence[str]) -> Iterator[None]:
    """Record every HTTP interaction inside the block into ``DIR/cassette.yaml``.

    A recording already in ``DIR`` (its cassette, corpus and baseline) is removed first, so
    none of it can outlive the new one; any other file there is left alone. Whether that
    may happen is the caller's decision (``Config.validate`` refuses it without
    ``overwrite``).
    """
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for stale in recording_files(directory):
            stale.unlink()
    except OSError as exc:
        raise ConfigurationError(f"cannot record into {directory}: {exc.strerror or exc}") from None
    with _vcr(secrets).use_cassette(str(directory / CASSETTE_FILE), record_mode="all"):
        yield
