"""Record a run's HTTP interactions as a vcrpy cassette.

A recording directory holds ``cassette.yaml`` (every interaction, vcrpy's format),
``corpus.json`` (see :mod:`contract.cassettes._corpus`) and ``baseline.json`` (the shapes
and statuses observed). Recording scrubs every form of a key before anything is written,
from URLs, header names and values, reason phrases and bodies, and keeps each body decoded
and cut past a bound (:mod:`contract.cassettes._bodies`);
:mod:`contract.cassettes._replay` serves the interactions back offline.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from contract.baseline import BASELINE_FILE
from contract.cassettes._bodies import recorded_body
from contract.cassettes._corpus import CASSETTE_FILE, CORPUS_FILE
from contract.errors import ConfigurationError
from contract.secrets import REDACTED, Redactor

__all__ = ["recording", "recording_files"]

# What vcrpy matches requests on; a replay's index (_replay._key) uses exactly these.
_MATCH_ON = ("method", "path", "query", "body")
# Everything a recording consists of: what --overwrite may remove, and nothing else.
_RECORDING = (CASSETTE_FILE, CORPUS_FILE, BASELINE_FILE)


def _ascii(text: str) -> str:
    # A replay hands headers and the reason phrase to httpx, which takes ASCII only.
    return text.encode("ascii", "backslashreplace").decode("ascii")


def _headers(headers: Mapping[str, Any], scrub: Redactor) -> dict[str, list[str]]:
    """Headers ``{name: value or [values]}`` with names and values scrubbed (two names
    that scrub alike are merged)."""
    scrubbed: dict[str, list[str]] = {}
    for name, values in headers.items():
        listed = values if isinstance(values, list) else [values]
        scrubbed.setdefault(_ascii(scrub(str(name))), []).extend(
            _ascii(scrub(str(v))) for v in listed
        )
    return scrubbed


def _named(headers: Mapping[str, list[str]], name: str) -> list[str]:
    return [v for key, values in headers.items() if key.lower() == name for v in values]


def _scrubbed_response(response: dict[str, Any], scrub: Redactor) -> dict[str, Any]:
    """A response as vcrpy records it, with every form of a key gone from its reason
    phrase, header names and values and body; the body decoded and cut past a bound."""
    status = response.get("status", {})
    if isinstance(status.get("message"), str):
        status["message"] = _ascii(scrub(status["message"]))
    headers = _headers(response.get("headers", {}), scrub)
    body = response.get("body", {}).get("string")
    if isinstance(body, str):
        body = body.encode("utf-8", "surrogateescape")
    if isinstance(body, bytes):
        kept, decoded = recorded_body(body, _named(headers, "content-encoding"), scrub.data)
        if decoded:
            headers = {k: v for k, v in headers.items() if k.lower() != "content-encoding"}
        if _named(headers, "content-length"):
            # What the replay serves: the decoded (and possibly cut) body.
            headers = {k: v for k, v in headers.items() if k.lower() != "content-length"}
            headers["Content-Length"] = [str(len(kept))]
        response["body"]["string"] = kept
    response["headers"] = headers
    return response


def _vcr(secrets: Sequence[str]) -> Any:
    import vcr

    scrub = Redactor(secrets)

    def before_request(request: Any) -> Any:
        request.uri = scrub(request.uri)
        if isinstance(request.body, bytes):
            request.body = scrub.data(request.body)
        request.headers = {
            name: values[0] if len(values) == 1 else ", ".join(values)
            for name, values in _headers(request.headers, scrub).items()
        }
        return request

    return vcr.VCR(
        match_on=_MATCH_ON,
        filter_headers=[("authorization", REDACTED)],
        before_record_request=before_request,
        before_record_response=lambda response: _scrubbed_response(response, scrub),
        # Decoding is ours (contract.cassettes._bodies): vcrpy's has no bound.
        decode_compressed_response=False,
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
