"""Record a run as vcrpy cassettes plus the corpus of its cases, and replay it offline.

A recording directory holds ``cassette.yaml`` (every interaction, vcrpy's format),
``corpus.json`` (the cases each batch executed, in order, with the seed and the toolkit
version) and ``baseline.json`` (the shapes and statuses observed). Replay never asks
Hypothesis for anything: it re-executes the stored cases, so it does not depend on the
Hypothesis version, and vcrpy answers each request from the cassette with the network off.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any, Protocol, TypeVar

from hypothesis import strategies as st

from contract import __version__
from contract._http import REDACTED, redact, secret_forms
from contract._hypo import drive
from contract._session import Outcome
from contract.errors import CassetteError, ConfigurationError
from strategies import Case

__all__ = [
    "CASSETTE_FILE",
    "CORPUS_FILE",
    "CaseSource",
    "Corpus",
    "GeneratedSource",
    "ReplaySource",
    "load_corpus",
    "recording",
    "replaying",
]

CASSETTE_FILE = "cassette.yaml"
CORPUS_FILE = "corpus.json"
CORPUS_FORMAT = 1
_MATCH_ON = ("method", "path", "query", "body")

T = TypeVar("T")
Drawn = Case | tuple[Case, Case]


def _encode(drawn: Drawn) -> Any:
    if isinstance(drawn, tuple):
        return [c.to_dict() for c in drawn]
    return drawn.to_dict()


def _decode(data: Any) -> Drawn:
    if isinstance(data, list):
        first, second = (Case.from_dict(d) for d in data)
        return first, second
    return Case.from_dict(data)


@dataclass
class Corpus:
    """The cases of a run by batch key, in execution order, and what it ran against."""

    seed: int
    base_url: str
    has_other_key: bool
    batches: dict[str, list[Any]] = field(default_factory=dict)
    toolkit_version: str = __version__
    format: int = CORPUS_FORMAT

    def to_json(self) -> str:
        """Stable JSON text of the corpus."""
        return json.dumps(
            {
                "format": self.format,
                "toolkit_version": self.toolkit_version,
                "seed": self.seed,
                "base_url": self.base_url,
                "has_other_key": self.has_other_key,
                "batches": self.batches,
            },
            indent=1,
            ensure_ascii=False,
        )


def load_corpus(directory: Path) -> Corpus:
    """Read ``DIR/corpus.json``; a missing, corrupt or incompatible one is a CassetteError."""
    path = directory / CORPUS_FILE
    if not directory.is_dir():
        raise CassetteError(f"cassette directory {directory} does not exist")
    if not (directory / CASSETTE_FILE).is_file() or not path.is_file():
        raise CassetteError(
            f"{directory} is not a recording: it needs {CASSETTE_FILE} and {CORPUS_FILE} "
            "(make one with close-contract run --record DIR)"
        )
    try:
        data = json.loads(path.read_text("utf-8"))
        corpus = Corpus(
            seed=int(data["seed"]),
            base_url=str(data["base_url"]),
            has_other_key=bool(data["has_other_key"]),
            batches=dict(data["batches"]),
            toolkit_version=str(data["toolkit_version"]),
            format=int(data["format"]),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise CassetteError(f"{path} is not a valid corpus: {exc}") from None
    major = __version__.split(".")[0]
    if corpus.format != CORPUS_FORMAT or corpus.toolkit_version.split(".")[0] != major:
        raise CassetteError(
            f"{path} was recorded by close-contract {corpus.toolkit_version} (corpus format "
            f"{corpus.format}); this is {__version__} (format {CORPUS_FORMAT}): record it again"
        )
    return corpus


class CaseSource(Protocol):
    """Where a batch's cases come from: Hypothesis (and maybe a recording) or a corpus."""

    def batch(
        self,
        key: str,
        strategy: Callable[[], st.SearchStrategy[Any]],
        execute: Callable[[Any], Outcome],
        examples: int,
    ) -> list[Outcome]: ...


@dataclass
class GeneratedSource:
    """Draw cases with Hypothesis; when ``corpus`` is set, write each executed case into it."""

    seed: int
    shrink: bool
    corpus: Corpus | None = None

    def batch(
        self,
        key: str,
        strategy: Callable[[], st.SearchStrategy[Any]],
        execute: Callable[[Any], Outcome],
        examples: int,
    ) -> list[Outcome]:
        """Run up to ``examples`` drawn cases through ``execute``."""
        corpus = self.corpus

        def logged(drawn: Any) -> Outcome:
            if corpus is not None:
                corpus.batches.setdefault(key, []).append(_encode(drawn))
            return execute(drawn)

        return drive(strategy(), logged, examples=examples, seed=self.seed, shrink=self.shrink)


@dataclass
class ReplaySource:
    """Re-execute the cases a recording stored, in their order; nothing is generated."""

    corpus: Corpus

    def batch(
        self,
        key: str,
        strategy: Callable[[], st.SearchStrategy[Any]],
        execute: Callable[[Any], Outcome],
        examples: int,
    ) -> list[Outcome]:
        """Run the stored cases of ``key`` (none if the recording had none)."""
        return [execute(_decode(data)) for data in self.corpus.batches.get(key, [])]


def _scrubber(secrets: Sequence[str]) -> Callable[[str], str]:
    forms = secret_forms(secrets)
    return lambda text: redact(text, forms)


def _vcr(secrets: Sequence[str]) -> Any:
    import vcr

    scrub = _scrubber(secrets)

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


@contextmanager
def recording(directory: Path, secrets: Sequence[str]) -> Iterator[None]:
    """Record every HTTP interaction inside the block into ``DIR/cassette.yaml``."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / CASSETTE_FILE).unlink(missing_ok=True)
    except OSError as exc:
        raise ConfigurationError(f"cannot record into {directory}: {exc.strerror}") from None
    with _vcr(secrets).use_cassette(str(directory / CASSETTE_FILE), record_mode="all"):
        yield


@contextmanager
def replaying(directory: Path) -> Iterator[None]:
    """Serve every HTTP request inside the block from ``DIR/cassette.yaml``, network off.

    A request the cassette does not hold is a CassetteError naming the nearest recorded one.
    """
    from vcr.errors import CannotOverwriteExistingCassetteException

    try:
        cassette_context = _vcr(()).use_cassette(
            str(directory / CASSETTE_FILE), record_mode="none", allow_playback_repeats=False
        )
        with cassette_context as cassette:
            _index(cassette)
            try:
                yield
            except CannotOverwriteExistingCassetteException as exc:
                raise CassetteError(_nearest(cassette, exc)) from None
    except CassetteError:
        raise
    except Exception as exc:  # vcrpy raises yaml and key errors for a corrupt file
        if type(exc).__module__.startswith(("yaml", "vcr")) or isinstance(
            exc, KeyError | ValueError
        ):
            raise CassetteError(
                f"{directory / CASSETTE_FILE} is not a readable cassette: {exc}".splitlines()[0]
            ) from None
        raise


def _key(request: Any) -> tuple[Any, ...]:
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8", "surrogateescape")
    return (request.method, request.path, tuple(sorted(request.query)), body)


def _index(cassette: Any) -> None:
    """Make the cassette find a request's interactions by key instead of by scanning.

    vcrpy compares every recorded interaction with every matcher for each request, so a
    replay costs O(n²); the key below is exactly ``_MATCH_ON`` (with the body compared as
    sent, which is deterministic here), so lookups give the same interactions in the same
    order, in O(1).
    """
    table: dict[tuple[Any, ...], list[int]] = {}
    for position, (stored, _) in enumerate(cassette.data):
        table.setdefault(_key(stored), []).append(position)

    def responses(request: Any) -> Iterator[tuple[int, Any]]:
        request = cassette._before_record_request(request)
        if not request:
            return
        for position in table.get(_key(request), ()):
            yield position, cassette.data[position][1]

    cassette._responses = responses


def _text(body: Any) -> str:
    if isinstance(body, bytes):
        return body.decode("utf-8", "replace")
    return str(body or "")


def _where(request: Any) -> str:
    query = "&".join(f"{k}={v}" for k, v in request.query)
    return f"{request.method} {request.path}" + (f"?{query}" if query else "")


def _excerpt(text: str, at: int) -> str:
    start = max(0, at - 30)
    return ("…" if start else "") + text[start : at + 60] + ("…" if at + 60 < len(text) else "")


def _nearest(cassette: Any, exc: Exception) -> str:
    request = getattr(exc, "failed_request", None)
    if request is None:
        return f"a request is not in the cassette: {exc}".splitlines()[0]
    wanted = _text(request.body)

    def score(stored: Any) -> tuple[int, float]:
        same = (stored.method == request.method) * 4 + (stored.path == request.path) * 2
        same += stored.query == request.query
        similar = (
            SequenceMatcher(None, _text(stored.body), wanted).quick_ratio() if same >= 6 else 0
        )
        return same, similar

    best = max((stored for stored, _ in cassette.data), key=score, default=None)
    near = _text(best.body) if best is not None else ""
    # Show both bodies around their first difference: that is where the runs diverged.
    at = next((i for i, (a, b) in enumerate(zip(near, wanted, strict=False)) if a != b), 0)
    nearest = "nothing recorded"
    if best is not None:
        nearest = _where(best) + (f" with body {_excerpt(near, at)}" if near else "")
    sent = f" with body {_excerpt(wanted, at)}" if wanted else ""
    return (
        f"{_where(request)}{sent} is not in the cassette (nearest recorded: "
        f"{nearest}); the recording was made with other options or another toolkit version: "
        "record it again"
    )
