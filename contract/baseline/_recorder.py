"""Recording what a run observed: each answer's shape by operation, each case kind's
statuses, and the types' field definitions, ready to become a :class:`Baseline`."""

from __future__ import annotations

import copy
import json
import threading
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from contract.baseline._baseline import (
    NON_JSON,
    Baseline,
    qualified,
    template_path,
)
from contract.baseline._names import DeclaredField, NamedType, PortableNames
from contract.baseline._shapes import FoldKeys, Shape, fold_field_errors, merge, shape_of

__all__ = ["BaselineRecorder", "parse_body"]


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


class BaselineRecorder:
    """Collects what a run observed; ``build`` turns it into a ``Baseline``.

    Safe to share between threads. ``fold_keys`` is passed to ``shape_of`` (by default
    validation-error maps fold their keys). ``names`` (from the discovered types) makes
    the baseline portable: custom field keys become ``custom.<field name>``, instances
    and lists are recorded per type name, and the field definitions are kept. Without
    it bodies are recorded as they are, ids included, and ``types`` stays empty.
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
        self._lock = threading.Lock()

    def observe(self, operation_key: str, status: int, body: Any | None) -> None:
        """Record one response to ``"<METHOD> <path>"`` (the path may hold real ids).

        ``body`` is the parsed JSON, None for an empty body, or ``NON_JSON`` (see
        ``parse_body``). A JSON ``null`` body is recorded as empty. With ``names``, an
        instance is recorded under its type's operation key and a list under one per
        type of its items (``PortableNames.views``).
        """
        method, _, path = operation_key.strip().partition(" ")
        key = f"{method.upper()} {template_path(path.strip())} {status}"
        if body is None:
            observed: list[tuple[str, Shape]] = [(key, {"type": "empty"})]
        elif body is NON_JSON:
            observed = [(key, {"type": "non-json"})]
        elif self._names is None:
            observed = [(key, shape_of(body, fold_keys=self._fold_keys))]
        else:
            observed = [
                (qualified(key, None if named is None else named.key), self._shape(view, named))
                for named, view in self._names.views(body)
            ]
        with self._lock:
            for where, shape in observed:
                seen = self._operations.get(where)
                self._operations[where] = shape if seen is None else merge(seen, shape)

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

    def observe_status(self, case_kind: str, status: int) -> None:
        """Record the status one case of ``case_kind`` (e.g. ``"valid:create"``) got."""
        with self._lock:
            self._statuses.setdefault(case_kind, set()).add(status)

    @property
    def operations(self) -> dict[str, Shape]:
        """A copy of the shapes observed so far, by operation key."""
        with self._lock:
            return copy.deepcopy(self._operations)

    @property
    def statuses(self) -> dict[str, list[int]]:
        """The sorted statuses observed so far, by case kind."""
        with self._lock:
            return {kind: sorted(codes) for kind, codes in self._statuses.items()}

    @property
    def types(self) -> dict[str, dict[str, DeclaredField]]:
        """The field definitions of the run's types, by type and field key."""
        return {} if self._names is None else self._names.declared

    def build(self, target: str) -> Baseline:
        """The baseline of everything observed, for ``target`` (credentials are dropped)."""
        return Baseline(
            target=_public_target(target),
            operations=self.operations,
            statuses=self.statuses,
            types=self.types,
        )


def _public_target(target: str) -> str:
    # A URL may carry a key as user info or in the query; neither belongs in a file.
    parts = urlsplit(target)
    if not (parts.scheme and parts.netloc):
        return target
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, "", ""))
