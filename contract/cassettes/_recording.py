"""Record a run's HTTP interactions as a vcrpy cassette, as the run's client read them.

A recording directory holds ``cassette.yaml`` (every interaction, vcrpy's format),
``corpus.json`` (see :mod:`contract.cassettes._corpus`), ``baseline.json`` (the shapes
and statuses observed) and ``baseline.latency.json`` (the answer times per operation).

:func:`recording` yields a :class:`Recorder`, whose :meth:`~Recorder.transport` the run's
client sends through (httpx's transport API; nothing is patched). The transport hands the
client each answer as it streams in and notes the bytes as the client takes them, so the
client's own bounds (bytes, time) hold while recording exactly as they do otherwise: a body
the client stopped reading is never read further for the recording. When the client is
done with an answer, the interaction is written down: its body decoded, scrubbed and cut
past a bound (:mod:`contract.cassettes._bodies`), and, when the client did not take it to
its end (it stopped at one of its bounds, or the connection failed), marked as cut with the
:data:`CUT_HEADER`, which a replay honours by ending that answer the same way. Every form
of a key is scrubbed before anything is written: from URLs, header names and values, reason
phrases and bodies. Unless the run keeps it, personal data is scrubbed from every answer
(:mod:`contract.cassettes._personal`): the recorder notes what each request sent, so the
names of the run's own leads and contacts stay as the run gave them. The cassette is
written with vcrpy's persister when the block ends.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final
from urllib.request import getproxies, proxy_bypass

import httpx

from contract.baseline import BASELINE_FILE, LATENCY_FILE
from contract.cassettes._bodies import RAW_KEPT, UNREADABLE, recorded_body
from contract.cassettes._corpus import CASSETTE_FILE, CORPUS_FILE
from contract.cassettes._personal import PersonalData
from contract.errors import ConfigurationError
from contract.secrets import REDACTED, Redactor

__all__ = ["CUT_HEADER", "Recorder", "recording", "recording_files"]

# What a replay matches requests on (vcrpy's matcher names); _replay._key uses exactly these.
_MATCH_ON = ("method", "path", "query", "body")
# The codings the run's client inflates (contract.client.ACCEPT_ENCODING asks for them).
_INFLATED: Final = frozenset({"gzip", "x-gzip", "deflate", "identity", ""})
# Everything a recording consists of: what --overwrite may remove, and nothing else.
_RECORDING = (CASSETTE_FILE, CORPUS_FILE, BASELINE_FILE, LATENCY_FILE)

CUT_HEADER: Final = "X-Close-Contract-Cut"
"""The response header of a recorded answer whose body the cassette does not hold as the
client read it. Its value says why: ``unread`` (the client stopped before the end: one of
its bounds, or it had no use for the body), ``undecodable`` (its coding could not be undone
for the recording), or the httpx error the connection failed with (``ReadTimeout: ...``)."""


def _ascii(text: str) -> str:
    # A replay hands headers and the reason phrase to httpx, which takes ASCII only.
    return text.encode("ascii", "backslashreplace").decode("ascii")


def _headers(headers: Sequence[tuple[str, str]], scrub: Redactor) -> dict[str, list[str]]:
    """Headers ``[(name, value)]`` as ``{name: [values]}``, names and values scrubbed (two
    names that scrub alike are merged)."""
    scrubbed: dict[str, list[str]] = {}
    for name, value in headers:
        scrubbed.setdefault(_ascii(scrub(name)), []).append(_ascii(scrub(value)))
    return scrubbed


def _named(headers: Mapping[str, list[str]], name: str) -> list[str]:
    return [v for key, values in headers.items() if key.lower() == name for v in values]


def _without(headers: Mapping[str, list[str]], *names: str) -> dict[str, list[str]]:
    return {k: v for k, v in headers.items() if k.lower() not in names}


class Recorder:
    """Writes down every interaction its transports carry (see the module's docstring);
    :meth:`save` writes the cassette. Thread-safe: a run's workers share one recorder.
    ``keep_personal_data`` records answers with the personal data they hold."""

    def __init__(
        self, path: Path, secrets: Sequence[str], *, keep_personal_data: bool = False
    ) -> None:
        self._path = path
        self._scrub = Redactor(secrets)
        self._personal = None if keep_personal_data else PersonalData()
        self._requests: list[Any] = []
        self._responses: list[dict[str, Any]] = []
        self._open: set[_Tee] = set()
        self._lock = threading.Lock()

    def transport(self, inner: httpx.BaseTransport | None = None) -> httpx.BaseTransport:
        """An httpx transport that sends through ``inner`` (by default the network, through
        the proxy the environment names, as a client without a transport of its own would)
        and records each interaction."""
        return _RecordingTransport(self, inner if inner is not None else _Network())

    def _sent(self, request: httpx.Request) -> None:
        """Note what ``request`` sends: the values the run gave are never scrubbed."""
        if self._personal is not None:
            self._personal.sent(request.content, request.url.path)

    def _answer(self, path: str) -> Callable[[bytes], bytes]:
        """What an answer to ``path`` is scrubbed with: every form of a key, then (unless
        the run keeps it) personal data."""
        secrets, personal = self._scrub.data, self._personal
        if personal is None:
            return secrets
        return lambda data: personal.answer(path, secrets(data))

    def _opened(self, tee: _Tee) -> None:
        with self._lock:
            self._open.add(tee)

    def _add(self, tee: _Tee) -> None:
        """Write down the interaction ``tee`` carried, now that the client is done with it."""
        from vcr.request import Request

        scrub = self._scrub
        request = tee.request
        sent = [
            (name, REDACTED if name.lower() == "authorization" else value)
            for name, value in request.headers.multi_items()
        ]
        recorded_request = Request(
            request.method,
            scrub(str(request.url)),
            scrub.data(request.content),
            {name: ", ".join(values) for name, values in _headers(sent, scrub).items()},
        )
        response = tee.response
        headers = _headers(response.headers.multi_items(), scrub)
        codings = _named(headers, "content-encoding")
        body, decoded = recorded_body(
            bytes(tee.kept),
            codings,
            self._answer(request.url.path),
            raw_total=tee.total,
            whole=tee.ended is None,
        )
        if decoded:
            headers = _without(headers, "content-encoding")
        if _named(headers, "content-length"):
            # What the replay serves: the decoded (and possibly cut) body.
            headers = _without(headers, "content-length")
            headers["Content-Length"] = [str(len(body))]
        ended = tee.ended
        names = {c.strip().lower() for value in codings for c in value.split(",")}
        if ended is None and body.startswith(UNREADABLE) and names <= _INFLATED:
            # A coding the client inflates did not decode: the client found the answer
            # unreadable, and a replay must not serve the note that stands for its body.
            ended = "undecodable"
        if ended is not None:
            headers[CUT_HEADER] = [_ascii(scrub(ended))]
        reason = response.reason_phrase
        recorded_response = {
            "status": {"code": response.status_code, "message": _ascii(scrub(reason)) or None},
            "headers": headers,
            "body": {"string": body},
        }
        with self._lock:
            self._open.discard(tee)
            self._requests.append(recorded_request)
            self._responses.append(recorded_response)

    def save(self) -> None:
        """Write the cassette: every interaction so far, in the order each ended (an answer
        the client never closed counts as one it stopped reading)."""
        from vcr.persisters.filesystem import FilesystemPersister
        from vcr.serializers import yamlserializer

        with self._lock:
            unfinished = list(self._open)
        for tee in unfinished:
            tee.close()
        with self._lock:
            cassette = {"requests": list(self._requests), "responses": list(self._responses)}
        FilesystemPersister.save_cassette(str(self._path), cassette, yamlserializer)


class _Tee(httpx.SyncByteStream):
    """An answer's raw bytes on their way to the client: the first :data:`RAW_KEPT` of
    them kept, all of them counted, and how the stream ended."""

    def __init__(self, recorder: Recorder, request: httpx.Request, inner: httpx.Response):
        self.recorder = recorder
        self.request = request
        self.response = inner
        self.kept = bytearray()
        self.total = 0
        # None: taken to its end; else why it was not.
        self.ended: str | None = "unread"
        self._closed = False
        self._lock = threading.Lock()
        recorder._opened(self)

    def __iter__(self) -> Iterator[bytes]:
        stream = self.response.stream
        if not isinstance(stream, httpx.SyncByteStream):
            raise TypeError("a recording transport needs a synchronous transport inside it")
        try:
            for chunk in stream:
                self.total += len(chunk)
                room = RAW_KEPT - len(self.kept)
                if room > 0:
                    self.kept += chunk[:room]
                yield chunk
        except httpx.TransportError as exc:
            self.ended = f"{type(exc).__name__}: {exc}"
            raise
        self.ended = None

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        try:
            self.response.close()
        finally:
            self.recorder._add(self)


class _Network(httpx.BaseTransport):
    """The network, reached as an httpx client reaches it when given no transport: through
    the proxy ``HTTP_PROXY``/``HTTPS_PROXY``/``ALL_PROXY`` names for the request's scheme,
    unless ``NO_PROXY`` exempts its host (a client given a transport reads none of them)."""

    def __init__(self) -> None:
        self._transports: dict[str | None, httpx.HTTPTransport] = {}
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        scheme, host = request.url.scheme, request.url.host
        proxies = getproxies()
        proxy = proxies.get(scheme) or proxies.get("all")
        if proxy is not None and proxy_bypass(host):
            proxy = None
        with self._lock:
            transport = self._transports.get(proxy)
            if transport is None:
                transport = self._transports[proxy] = httpx.HTTPTransport(proxy=proxy)
        return transport.handle_request(request)

    def close(self) -> None:
        with self._lock:
            for transport in self._transports.values():
                transport.close()


class _RecordingTransport(httpx.BaseTransport):
    """Sends through ``inner``; each answer streams to the client through a :class:`_Tee`."""

    def __init__(self, recorder: Recorder, inner: httpx.BaseTransport) -> None:
        self._recorder = recorder
        self._inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()  # the body the recording keeps (the client's requests hold it)
        self._recorder._sent(request)
        answer = self._inner.handle_request(request)
        return httpx.Response(
            answer.status_code,
            headers=answer.headers,
            stream=_Tee(self._recorder, request, answer),
            extensions=answer.extensions,
            request=request,
        )

    def close(self) -> None:
        self._inner.close()


def recording_files(directory: Path) -> list[Path]:
    """The files of a recording that ``directory`` already holds (none if it holds none)."""
    return [
        directory / name
        for name in _RECORDING
        if (directory / name).is_symlink() or (directory / name).exists()
    ]


@contextmanager
def recording(
    directory: Path, secrets: Sequence[str], *, keep_personal_data: bool = False
) -> Iterator[Recorder]:
    """A :class:`Recorder` for ``DIR/cassette.yaml``: every interaction that its transports
    carry inside the block is recorded, and the cassette written when the block ends (also
    when it raises). Personal data in answers is scrubbed unless ``keep_personal_data``.

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
    recorder = Recorder(directory / CASSETTE_FILE, secrets, keep_personal_data=keep_personal_data)
    try:
        yield recorder
    finally:
        recorder.save()
