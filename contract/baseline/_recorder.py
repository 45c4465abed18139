"""Recording what a run observed: each answer's shape, media type and documented headers by
operation, how sent values came back, each case kind's statuses, the types' field
definitions and the longest texts the length ladder saw accepted, ready to become a
:class:`Baseline`."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from contract.baseline._baseline import (
    NON_JSON,
    Baseline,
    operation_type,
    qualified,
    template_path,
)
from contract.baseline._echoes import ECHOES, echo_of, echoable
from contract.baseline._headers import documented_headers
from contract.baseline._lengths import LADDER_KIND, LADDER_TOP, ladder_lengths
from contract.baseline._names import DeclaredField, NamedType, PortableNames
from contract.baseline._shapes import (
    MIN_VALUE_SAMPLES,
    FoldKeys,
    Shape,
    fold_field_errors,
    merge,
    shape_of,
)

__all__ = ["BaselineRecorder", "parse_body"]

_ANNOTATIONS = ("values", "many", "integer")


def parse_body(content: bytes | str) -> Any:
    """A response body as ``observe`` wants it: parsed JSON, None when empty, else NON_JSON."""
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8")
        except UnicodeDecodeError:
            return NON_JSON
    if not content.strip():
        return None
    try:
        return json.loads(content)
    except ValueError:
        return NON_JSON
    except RecursionError:
        return NON_JSON


class BaselineRecorder:
    """Collects what a run observed; ``build`` turns it into a ``Baseline``.

    Safe to share between threads. ``fold_keys`` is passed to ``shape_of`` (by default
    validation-error maps fold their keys). ``names`` (from the discovered types) makes
    the baseline portable: custom field keys become ``custom.<field name>``, instances
    and lists are recorded per type name, and the field definitions are kept. Without
    it bodies are recorded as they are, ids included, and ``types`` stays empty.

    Nothing drawn at random is pinned, so two runs of one faithful server with different
    seeds give baselines that compare without a difference. Value sets and "integer
    only" are kept for what the server makes itself: never for a key any request sent
    (its values were drawn), a custom field, an error body (its texts quote what was
    sent) or a map's entries; and only where enough values were seen
    (:data:`~contract.baseline.MIN_VALUE_SAMPLES`). A choices field keeps the values it
    answered, to be held against the choices its definition lists.
    """

    def __init__(
        self,
        *,
        fold_keys: FoldKeys | None = fold_field_errors,
        names: PortableNames | None = None,
    ) -> None:
        self._fold_keys = fold_keys
        self._names = names
        self._operations: dict[str, Shape] = {}
        self._statuses: dict[str, set[int]] = {}
        self._media: dict[str, Counter[str]] = {}
        self._headers: dict[str, dict[str, Shape]] = {}
        self._echoes: dict[str, dict[str, Counter[str]]] = {}
        self._answered: dict[str, dict[str, set[str]]] = {}
        self._sent_keys: set[str] = set()
        # Type key -> key -> (the longest length accepted, whether the ladder ended there)
        self._lengths: dict[str, dict[str, tuple[int, bool]]] = {}
        self._lock = threading.Lock()

    def observe(
        self,
        operation_key: str,
        status: int,
        body: Any | None,
        *,
        media_type: str | None = None,
        headers: Iterable[tuple[str, str]] | Mapping[str, str] = (),
        sent: bytes | str | None = None,
        kind: str | None = None,
    ) -> None:
        """Record one response to ``"<METHOD> <path>"`` (the path may hold real ids).

        ``body`` is the parsed JSON, None for an empty body, or ``NON_JSON`` (see
        ``parse_body``). A JSON ``null`` body is recorded as empty. With ``names``, an
        instance is recorded under its type's operation key and a list under one per
        type of its items (``PortableNames.views``). ``media_type`` is the answer's media
        type without parameters (kept for answers with a body), ``headers`` its response
        headers (the documented ones are kept), ``sent`` the request body, whose values
        the answer is held against. ``kind`` is the request's case kind: the length
        ladder's creates (see ``LADDER_KIND``) also record the longest text accepted.
        """
        method, _, path = operation_key.strip().partition(" ")
        key = f"{method.upper()} {template_path(path.strip())} {status}"
        if body is None:
            views: list[tuple[str, NamedType | None, Any, Shape]] = [
                (key, None, None, {"type": "empty", "count": 1})
            ]
        elif body is NON_JSON:
            views = [(key, None, None, {"type": "non-json", "count": 1})]
        elif self._names is None:
            views = [(key, None, body, shape_of(body, fold_keys=self._fold_keys))]
        else:
            views = [
                (
                    qualified(key, None if named is None else named.key),
                    named,
                    view,
                    self._shape(view, named),
                )
                for named, view in self._names.views(body)
            ]
        request = parse_body(sent) if sent else None
        items = headers.items() if isinstance(headers, Mapping) else headers
        found_headers = {
            name: shape_of(value, fold_keys=None)
            for name, value in documented_headers(items).items()
        }
        with self._lock:
            for where, named, view, shape in views:
                seen = self._operations.get(where)
                self._operations[where] = shape if seen is None else merge(seen, shape)
                if body is not None and media_type:
                    self._media.setdefault(where, Counter())[media_type] += 1
                recorded = self._headers.setdefault(where, {})
                for name, header in found_headers.items():
                    had = recorded.get(name)
                    recorded[name] = header if had is None else merge(had, header)
                if named is not None:
                    self._answers_of(where, named, view)
                if isinstance(request, Mapping):
                    echoed = request if named is None else named.rename(request)
                    self._sent_keys.update(_key_names(echoed))
                    if 200 <= status < 300:
                        self._echo(where, view, echoed)
            if kind == LADDER_KIND and isinstance(request, Mapping):
                self._ladder(request, status, body)

    def _ladder(self, request: Mapping[str, Any], status: int, body: Any) -> None:
        """Keep, per type and key, the longest text a create of the ladder accepted, and
        whether the ladder ended there (a longer one refused or changed, or none longer
        to send): a ladder the network or a run's end cut short says nothing of a limit."""
        named = self._names.named(request.get("custom_object_type_id")) if self._names else None
        if named is None:
            return
        kept = self._lengths.setdefault(named.key, {})
        for key, length in ladder_lengths(named, request, status, body).items():
            longest, ended = kept.get(key, (0, False))
            kept[key] = (max(longest, length), ended or not length or length >= LADDER_TOP)

    def _shape(self, view: Any, named: NamedType | None) -> Shape:
        shape = shape_of(view, fold_keys=self._fold_keys)
        if named is None:
            return shape
        # A view of a type is an instance or a list of them (see PortableNames.views).
        instance = shape if "custom_object_type_id" in view else shape["keys"]["data"]["items"]
        if instance.get("type") == "object" and not instance.get("map"):
            # The keys of fields that are not required come and go with the values a case
            # sent, so their presence says nothing about the API: they are optional.
            present = named.optional_keys & instance["keys"].keys()
            instance["optional"] = sorted(set(instance["optional"]) | present)
        return shape

    def _answers_of(self, where: str, named: NamedType, view: Any) -> None:
        """The values the choices fields of ``view`` answered (held against their choices)."""
        choices = [key for key, f in named.declared.items() if f["type"] == "choices"]
        if not choices or not isinstance(view, Mapping):
            return
        data = view.get("data")
        instances = data if isinstance(data, list) else [view]
        answered = self._answered.setdefault(where, {})
        for instance in instances:
            if not isinstance(instance, Mapping):
                continue
            for key in choices:
                value = instance.get(key)
                values = value if isinstance(value, list) else [value]
                answered.setdefault(key, set()).update(v for v in values if isinstance(v, str))

    def _echo(self, where: str, view: Any, sent: Mapping[str, Any]) -> None:
        if not isinstance(view, Mapping) or isinstance(view.get("data"), list):
            return  # only an instance answers what was sent to it
        echoes = self._echoes.setdefault(where, {})
        for key, value in sent.items():
            if value is not None and echoable(value):
                echoes.setdefault(key, Counter())[echo_of(value, view, key)] += 1

    def observe_status(self, case_kind: str, status: int) -> None:
        """Record the status one case of ``case_kind`` (e.g. ``"valid:create"``) got."""
        with self._lock:
            self._statuses.setdefault(case_kind, set()).add(status)

    @property
    def operations(self) -> dict[str, Shape]:
        """The shapes observed so far, by operation key (see :meth:`observed`)."""
        return self.observed().operations

    @property
    def statuses(self) -> dict[str, list[int]]:
        """The sorted statuses observed so far, by case kind."""
        with self._lock:
            return {kind: sorted(codes) for kind, codes in self._statuses.items()}

    @property
    def types(self) -> dict[str, dict[str, DeclaredField]]:
        """The field definitions of the run's types, by type and field key."""
        return {} if self._names is None else self._names.declared

    def observed(self, target: str = "") -> Baseline:
        """Everything observed so far, as a subset of observations to compare with a
        baseline: value sets and "integer only" are kept however few values they rest on
        (a baseline needs enough of them before it pins one; a run does not to break it)."""
        return self._baseline(target, partial=True)

    def build(self, target: str) -> Baseline:
        """The baseline of everything observed, for ``target`` (credentials are dropped)."""
        return self._baseline(_public_target(target), partial=False)

    def _baseline(self, target: str, *, partial: bool) -> Baseline:
        declared = self.types
        with self._lock:
            operations: dict[str, Shape] = {}
            headers: dict[str, dict[str, Shape]] = {}
            for where, shape in self._operations.items():
                fields = declared.get(operation_type(where) or "", {})
                answered = self._answered.get(where, {})
                pinned = _Pinning(fields, self._sent_keys, answered, partial)
                operations[where] = pinned.body(shape, _status_of(where))
                headers[where] = {
                    name: pinned.walk(header, "server")
                    for name, header in sorted(self._headers.get(where, {}).items())
                }
            echoes: dict[str, dict[str, dict[str, int]]] = {
                where: {
                    key: {
                        str(outcome): outcomes[outcome] for outcome in ECHOES if outcomes[outcome]
                    }
                    for key, outcomes in sorted(keys.items())
                    if _answerable(
                        key, operations[where], declared.get(operation_type(where) or "", {})
                    )
                }
                for where, keys in sorted(self._echoes.items())
            }
            media = {
                where: dict(sorted(counts.items())) for where, counts in sorted(self._media.items())
            }
            statuses = {kind: sorted(codes) for kind, codes in self._statuses.items()}
            lengths = {
                type_key: {key: longest for key, (longest, ended) in sorted(keys.items()) if ended}
                for type_key, keys in sorted(self._lengths.items())
            }
            lengths = {type_key: keys for type_key, keys in lengths.items() if keys}
        return Baseline(
            target=target,
            operations=dict(sorted(operations.items())),
            statuses=statuses,
            types=declared,
            media_types=media,
            headers={where: found for where, found in sorted(headers.items()) if found},
            echoes={where: keys for where, keys in echoes.items() if keys},
            lengths=lengths,
        )


def _status_of(operation: str) -> int:
    parts = operation.split(" ", 3)
    return int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else 0


def _key_names(value: Any) -> set[str]:
    """Every key of every object in ``value``."""
    if isinstance(value, Mapping):
        names = {str(k) for k in value}
        for child in value.values():
            names |= _key_names(child)
        return names
    if isinstance(value, list):
        return set().union(*(_key_names(item) for item in value)) if value else set()
    return set()


def _answerable(key: str, shape: Shape, fields: Mapping[str, DeclaredField]) -> bool:
    """Whether a sent key is one the operation answers: a key its answers had, or a field
    of its type. A key sent to be ignored (an unknown one, drawn at random) is not."""
    return key in fields or key in shape.get("keys", {})


class _Pinning:
    """Which value annotations a baseline keeps (see ``BaselineRecorder``)."""

    def __init__(
        self,
        fields: Mapping[str, DeclaredField],
        sent_keys: set[str],
        answered: Mapping[str, set[str]],
        partial: bool,
    ) -> None:
        self.fields = fields
        self.sent_keys = sent_keys
        self.answered = answered
        self.partial = partial

    def body(self, shape: Shape, status: int) -> Shape:
        # An error body's texts quote what was sent: nothing in it is a value set.
        return self.walk(shape, "data" if status >= 400 else "server")

    def walk(self, node: Shape, mode: str, key: str | None = None) -> Shape:
        result = {k: v for k, v in node.items() if k not in _ANNOTATIONS}
        if mode == "server" and (self.partial or node.get("count", 0) >= MIN_VALUE_SAMPLES):
            result.update({k: node[k] for k in _ANNOTATIONS if k in node})
        elif mode == "choices" and key is not None and "string" in _types(node):
            result["values"] = sorted(self.answered.get(key, ()))
        items = node.get("items")
        if isinstance(items, dict):
            result["items"] = self.walk(items, mode, key)
        children = node.get("keys")
        if isinstance(children, dict):
            result["keys"] = {
                name: self.walk(child, self._mode_of(name, node, mode), name)
                for name, child in children.items()
            }
        return result

    def _mode_of(self, name: str, parent: Shape, mode: str) -> str:
        if mode == "data" or parent.get("map"):
            return "data"
        field = self.fields.get(name)
        if field is not None:
            return "choices" if field["type"] == "choices" else "data"
        return "data" if name in self.sent_keys else mode


def _types(shape: Shape) -> set[str]:
    kind = shape.get("type")
    return {kind} if isinstance(kind, str) else set(kind or ())


def _public_target(target: str) -> str:
    # A URL may carry a key as user info or in the query; neither belongs in a file.
    parts = urlsplit(target)
    if not (parts.scheme and parts.netloc):
        return target
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, "", ""))
