"""Record a run as vcrpy cassettes plus the corpus of its cases, and replay it offline.

A recording directory holds ``cassette.yaml`` (every interaction, vcrpy's format),
``corpus.json`` (the cases each batch executed, in order, with the seed and the toolkit
version) and ``baseline.json`` (the shapes and statuses observed). Replay never asks
Hypothesis for anything: it re-executes the stored cases, so it does not depend on the
Hypothesis version, and vcrpy answers each request from the cassette with the network off.
"""

from __future__ import annotations

import binascii
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any, Protocol, TypeVar

from hypothesis import strategies as st

from contract import __version__
from contract._http import REDACTED, redact, secret_forms
from contract._hypo import drive
from contract._session import Outcome
from contract.baseline import BASELINE_FILE
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
    "recording_files",
    "replaying",
]

CASSETTE_FILE = "cassette.yaml"
CORPUS_FILE = "corpus.json"
CORPUS_FORMAT = 1
_MATCH_ON = ("method", "path", "query", "body")
# Everything a recording consists of: what --overwrite may remove, and nothing else.
_RECORDING = (CASSETTE_FILE, CORPUS_FILE, BASELINE_FILE)
_RECORD_AGAIN = "record it again with close-contract run --record DIR"
# Batches whose entries are pairs of cases (the valid phase: a create, then an update).
_PAIRED = ("valid:",)

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
    # The recorded run's token (see Session.run_token): a replay sends the same names.
    run_token: str = ""

    def to_json(self) -> str:
        """Stable JSON text of the corpus."""
        return json.dumps(
            {
                "format": self.format,
                "toolkit_version": self.toolkit_version,
                "seed": self.seed,
                "base_url": self.base_url,
                "has_other_key": self.has_other_key,
                "run_token": self.run_token,
                "batches": self.batches,
            },
            indent=1,
            ensure_ascii=False,
        )


def load_corpus(directory: Path) -> Corpus:
    """Read ``DIR/corpus.json``; a missing, corrupt or incompatible one is a CassetteError.

    Every stored case is checked here, before anything runs, so a corpus that is not what
    the toolkit wrote fails with its file and the bad entry named, not half-way through.
    """
    path = directory / CORPUS_FILE
    if not directory.exists():
        raise CassetteError(f"cassette directory {directory} does not exist")
    if not directory.is_dir():
        raise CassetteError(
            f"{directory} is a file, not a cassette directory: pass the directory that holds "
            f"{CASSETTE_FILE} and {CORPUS_FILE} (made by close-contract run --record DIR)"
        )
    if not (directory / CASSETTE_FILE).is_file() or not path.is_file():
        raise CassetteError(
            f"{directory} is not a recording: it needs {CASSETTE_FILE} and {CORPUS_FILE} "
            "(make one with close-contract run --record DIR)"
        )
    text = _read(path, "a valid corpus")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CassetteError(
            f"{path} is not a valid corpus: invalid JSON ({exc.msg} at line {exc.lineno}); "
            f"{_RECORD_AGAIN}"
        ) from None
    except RecursionError:
        raise CassetteError(f"{path} is not a valid corpus: nested too deeply") from None
    return _corpus_from(data, path)


def _read(path: Path, what: str) -> str:
    """The text of ``path``; ``what`` ends the sentence "PATH is not ..." in errors."""
    try:
        return path.read_text("utf-8")
    except UnicodeDecodeError:
        raise CassetteError(f"{path} is not {what}: not UTF-8 text; {_RECORD_AGAIN}") from None
    except OSError as exc:
        raise CassetteError(
            f"cannot read {path}: {exc.strerror or exc}; check that it is a readable file"
        ) from None


def _kind(value: Any) -> str:
    """What a decoded JSON or YAML value is, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"a number ({value!r})"
    if isinstance(value, str | bytes):
        return f"a string ({_short(value)})"
    if isinstance(value, list | tuple):
        return f"a list of {len(value)}"
    if isinstance(value, Mapping):
        return f"a mapping of {', '.join(map(repr, list(value)[:3])) or 'nothing'}"
    return type(value).__name__


def _short(value: str | bytes) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _corpus_from(data: Any, path: Path) -> Corpus:
    def bad(problem: str) -> CassetteError:
        return CassetteError(f"{path} is not a valid corpus: {problem}; {_RECORD_AGAIN}")

    if not isinstance(data, dict):
        raise bad(f"expected a JSON object, got {_kind(data)}")
    missing = [
        key
        for key in ("format", "toolkit_version", "seed", "base_url", "has_other_key", "batches")
        if key not in data
    ]
    if missing:
        raise bad(f"missing {', '.join(map(repr, missing))}")
    fmt, version = data["format"], data["toolkit_version"]
    if type(fmt) is not int or not isinstance(version, str):
        raise bad("'format' must be an integer and 'toolkit_version' a string")
    major = __version__.split(".")[0]
    if fmt != CORPUS_FORMAT or version.split(".")[0] != major:
        raise CassetteError(
            f"{path} was recorded by close-contract {version} (corpus format {fmt}); this "
            f"is {__version__} (format {CORPUS_FORMAT}): record it again"
        )
    seed, base_url, other, batches = (
        data[k] for k in ("seed", "base_url", "has_other_key", "batches")
    )
    if type(seed) is not int:
        raise bad(f"'seed' must be an integer, got {_kind(seed)}")
    if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
        raise bad(f"'base_url' must be an http(s) URL, got {_kind(base_url)}")
    if not isinstance(other, bool):
        raise bad(f"'has_other_key' must be true or false, got {_kind(other)}")
    if not isinstance(batches, dict):
        raise bad(f"'batches' must be an object, got {_kind(batches)}")
    # Recordings made before the token existed have none, and their runs sent none.
    token = data.get("run_token", "")
    if not isinstance(token, str):
        raise bad(f"'run_token' must be a string, got {_kind(token)}")
    for key, entries in batches.items():
        if not isinstance(entries, list):
            raise bad(f"batches[{key!r}] must be a list of cases, got {_kind(entries)}")
        paired = key.startswith(_PAIRED)
        for position, entry in enumerate(entries):
            problem = _entry_problem(entry, paired)
            if problem:
                raise bad(f"batches[{key!r}][{position}] {problem}")
    return Corpus(
        seed=seed,
        base_url=base_url,
        has_other_key=other,
        batches=batches,
        toolkit_version=version,
        format=fmt,
        run_token=token,
    )


# The keys Case.to_dict writes, and the JSON types each may hold.
_CASE_KEYS: dict[str, tuple[type, ...]] = {
    "payload": (dict, list, str, int, float, bool, type(None)),
    "mutation": (str, type(None)),
    "reason": (str,),
    "expected_statuses": (list,),
    "target": (str, type(None)),
    "body": (str, type(None)),
    "body_encoding": (str, type(None)),
    "content_type": (str, type(None)),
    "headers": (list,),
    "send_credentials": (bool,),
    "schema_valid": (bool,),
}


def _entry_problem(entry: Any, paired: bool) -> str | None:
    """Why ``entry`` is not a stored case (or pair of cases), or None when it is one."""
    if paired:
        if not isinstance(entry, list) or len(entry) != 2:
            return f"must be a pair of cases (a create and an update), got {_kind(entry)}"
        for half, case in zip(("[0]", "[1]"), entry, strict=True):
            problem = _case_problem(case)
            if problem:
                return f"{half} {problem}"
            # The update is built from the second payload's name and custom values.
            if not isinstance(case["payload"], dict) or "name" not in case["payload"]:
                return f"{half} is a valid case whose 'payload' is not an object with a 'name'"
        return None
    return _case_problem(entry)


def _fields_problem(data: Mapping[str, Any], fields: Mapping[str, tuple[type, ...]]) -> str | None:
    """What is wrong with ``data``'s ``fields`` (missing, or of another JSON type), if any."""
    missing = [key for key in fields if key not in data]
    if missing:
        return f"lacks {', '.join(map(repr, missing))}"
    for key, types in fields.items():
        if not isinstance(data[key], types):
            return f"{key!r} cannot be {_kind(data[key])}"
    return None


def _case_problem(data: Any) -> str | None:
    if not isinstance(data, dict):
        return f"must be a case (an object), got {_kind(data)}"
    problem = _fields_problem(data, _CASE_KEYS)
    if problem:
        return problem
    statuses = data["expected_statuses"]
    if not statuses or not all(type(s) is int and 100 <= s <= 599 for s in statuses):
        return f"'expected_statuses' must list HTTP statuses, got {statuses!r}"
    if not all(
        isinstance(h, list) and len(h) == 2 and all(isinstance(x, str) for x in h)
        for h in data["headers"]
    ):
        return "'headers' must be a list of [name, value] strings"
    if data["mutation"] is None and not isinstance(data["payload"], dict):
        payload = _kind(data["payload"])
        return f"is a valid case (no mutation), so its 'payload' must be an object, got {payload}"
    if data["body"] is not None and data["body_encoding"] not in ("utf-8", "base64"):
        return f"'body_encoding' must be 'utf-8' or 'base64', got {data['body_encoding']!r}"
    try:
        Case.from_dict(data)
    except (ValueError, TypeError, binascii.Error) as exc:
        return f"cannot be read: {exc}"
    return None


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


@contextmanager
def replaying(directory: Path) -> Iterator[None]:
    """Serve every HTTP request inside the block from ``DIR/cassette.yaml``, network off.

    A cassette that is not what the toolkit wrote is a CassetteError before anything is
    sent; a request the cassette does not hold is one naming the nearest recorded request.
    """
    from vcr.errors import CannotOverwriteExistingCassetteException

    player = _vcr(())
    player.register_persister(_CheckedPersister)
    path = directory / CASSETTE_FILE
    with ExitStack() as stack:
        try:
            cassette = stack.enter_context(
                player.use_cassette(str(path), record_mode="none", allow_playback_repeats=False)
            )
            _index(cassette)
        except CassetteError:
            raise
        except Exception as exc:  # anything vcrpy trips over in a file that passed the checks
            raise CassetteError(
                f"{path} is not a readable cassette: {exc}".splitlines()[0]
            ) from None
        try:
            yield
        except CannotOverwriteExistingCassetteException as exc:
            raise CassetteError(_nearest(cassette, exc)) from None


class _Parsed:
    """A vcrpy serializer that hands over YAML already parsed (and checked)."""

    def __init__(self, data: Any) -> None:
        self._data = data

    def deserialize(self, _text: str) -> Any:
        return self._data


class _CheckedPersister:
    """vcrpy's file persister, refusing a cassette this toolkit did not write.

    vcrpy trusts the file's structure and fails later with a TypeError or KeyError in the
    middle of a replay; here every interaction is checked while the cassette loads.
    """

    @classmethod
    def load_cassette(cls, cassette_path: str, serializer: Any) -> Any:
        import yaml
        from vcr.serialize import deserialize

        path = Path(cassette_path)
        text = _read(path, "a readable cassette")
        if not text.strip():
            raise CassetteError(f"{path} is not a readable cassette: it is empty; {_RECORD_AGAIN}")
        try:
            data = serializer.deserialize(text)
        except yaml.YAMLError as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise CassetteError(
                f"{path} is not a readable cassette: invalid YAML ({reason}); {_RECORD_AGAIN}"
            ) from None
        except RecursionError:
            raise CassetteError(f"{path} is not a readable cassette: nested too deeply") from None
        problem = _cassette_problem(data)
        if problem:
            raise CassetteError(f"{path} is not a readable cassette: {problem}; {_RECORD_AGAIN}")
        return deserialize(text, _Parsed(data))

    @staticmethod
    def save_cassette(cassette_path: str, cassette_dict: Any, serializer: Any) -> None:
        from vcr.persisters.filesystem import FilesystemPersister

        FilesystemPersister.save_cassette(cassette_path, cassette_dict, serializer)


# What a replay reads of each interaction (vcrpy's format), and the types it needs.
_REQUEST_KEYS: dict[str, tuple[type, ...]] = {
    "method": (str,),
    "uri": (str,),
    "body": (str, bytes, type(None)),
    "headers": (dict,),
}
_RESPONSE_KEYS: dict[str, tuple[type, ...]] = {
    "status": (dict,),
    "headers": (dict,),
    "body": (dict,),
}


def _cassette_problem(data: Any) -> str | None:
    """Why parsed YAML is not a vcrpy cassette this toolkit wrote, or None."""
    if not isinstance(data, dict) or "interactions" not in data:
        return f"expected a mapping with 'interactions', got {_kind(data)}"
    interactions = data["interactions"]
    if not isinstance(interactions, list):
        return f"'interactions' must be a list, got {_kind(interactions)}"
    for position, interaction in enumerate(interactions):
        problem = _interaction_problem(interaction)
        if problem:
            return f"interactions[{position}] {problem}"
    return None


def _interaction_problem(interaction: Any) -> str | None:
    if not isinstance(interaction, dict):
        return f"must be a mapping with 'request' and 'response', got {_kind(interaction)}"
    for part, keys in (("request", _REQUEST_KEYS), ("response", _RESPONSE_KEYS)):
        value = interaction.get(part)
        if not isinstance(value, dict):
            return f"{part} must be a mapping, got {_kind(value)}"
        problem = _fields_problem(value, keys)
        if problem:
            return f"{part} {problem}"
        for name, values in value["headers"].items():
            if not isinstance(name, str) or not _strings(values):
                return f"{part} header {name!r} must be a list of strings"
            # A replayed response becomes an httpx.Response, whose headers are ASCII.
            if part == "response" and not all(t.isascii() for t in (name, *values)):
                return f"response header {name!r} must be ASCII text"
    status, body = interaction["response"]["status"], interaction["response"]["body"]
    code, message = status.get("code"), status.get("message")
    if type(code) is not int or not 100 <= code <= 599:
        return f"response status code must be an HTTP status, got {_kind(code)}"
    if "message" not in status or not (
        message is None or (isinstance(message, str) and message.isascii())
    ):
        return f"response status message must be ASCII text, got {_kind(message)}"
    if not isinstance(body.get("string"), str | bytes):
        return f"response body string must be text, got {_kind(body.get('string'))}"
    return None


def _strings(values: Any) -> bool:
    return isinstance(values, list) and bool(values) and all(isinstance(v, str) for v in values)


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
