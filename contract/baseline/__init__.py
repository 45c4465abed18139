"""Baselines: the response shapes and statuses a target showed, written to a file, and
how a later run or another baseline differs from one (``Regression`` violations).

Baselines are keyed by type and field names, not ids (``PortableNames``), so one recorded
on one organization or deployment compares with another that has the same types.

A shape (see :func:`shape_of`) records keys, JSON types, string formats, nullability and
sample counts, and nothing that varies between responses; :func:`compare` lists how a
newer shape differs from an older one. A baseline also keeps each operation's media
types, documented headers (:data:`DOCUMENTED_HEADERS`) and how sent values came back
(:data:`ECHOES`).

Every difference is classified by a named rule of :data:`RULES` with a level (``ERR``,
``WARN``, ``INFO``, as oasdiff grades the same response change); levels can be
overridden per rule (:func:`parse_overrides`), and the gate (:func:`failing`,
``fail_on``) says which findings fail. ``compare_baselines`` and ``compare_run`` return
:class:`Findings`, whose truth value is that gate.

Answer times are kept apart from the shapes, in a latency file beside the baseline
(:func:`latency_file`): each operation's p50 and p95 from at least :data:`MIN_SAMPLES`
answers (:class:`LatencySampler`); :func:`compare_latency` says which operation got slower
past a factor and a floor.

Files a user points at (a baseline, or a recording's cassette and corpus) are read with
:func:`read_file_bytes`: only a regular file within :data:`MAX_FILE_BYTES`, so a link to a
device or a named pipe is refused rather than read forever or waited on.
"""

from __future__ import annotations

from contract.baseline._baseline import (
    BASELINE_FILE,
    ENDPOINT,
    FORMAT_VERSION,
    NON_JSON,
    Baseline,
    baseline_file,
    load_baseline,
    operation_key,
    operation_type,
    template_path,
    write_baseline,
)
from contract.baseline._echoes import ECHOES, Echo, echo_of
from contract.baseline._files import MAX_FILE_BYTES, read_file_bytes
from contract.baseline._headers import DOCUMENTED_HEADERS, documented_headers, header_value
from contract.baseline._latency import (
    DEFAULT_LATENCY_FACTOR,
    DEFAULT_LATENCY_FLOOR_MS,
    LATENCY_FILE,
    LATENCY_FORMAT,
    LATENCY_SUFFIX,
    MIN_SAMPLES,
    OPERATIONS,
    LatencyBaseline,
    LatencyChange,
    LatencySampler,
    Percentiles,
    compare_latency,
    is_slower,
    latency_file,
    load_latency,
    operation_of,
    percentile,
    write_latency,
)
from contract.baseline._names import (
    CUSTOM_PREFIX,
    DeclaredField,
    NamedType,
    PortableNames,
    TypeDefinition,
    portable_keys,
)
from contract.baseline._recorder import BaselineRecorder, parse_body
from contract.baseline._regressions import (
    compare_baselines,
    compare_run,
    diff_paths,
    format_differences,
)
from contract.baseline._rules import (
    LEVELS,
    RULES,
    Findings,
    Override,
    Rule,
    apply_overrides,
    failing,
    parse_level,
    parse_overrides,
    rule_table,
)
from contract.baseline._shapes import (
    FLAP_CHANCE,
    MAX_VALUES,
    MIN_VALUE_SAMPLES,
    Difference,
    DifferenceKind,
    FoldKeys,
    Shape,
    ShapeScope,
    ShapeSeverity,
    compare,
    fold_field_errors,
    format_of,
    member_path,
    merge,
    normalize_shape,
    shape_of,
    summarize,
    validate_shape,
)
from contract.errors import Level

__all__ = [
    "BASELINE_FILE",
    "CUSTOM_PREFIX",
    "DEFAULT_LATENCY_FACTOR",
    "DEFAULT_LATENCY_FLOOR_MS",
    "DOCUMENTED_HEADERS",
    "ECHOES",
    "ENDPOINT",
    "FLAP_CHANCE",
    "FORMAT_VERSION",
    "LATENCY_FILE",
    "LATENCY_FORMAT",
    "LATENCY_SUFFIX",
    "LEVELS",
    "MAX_FILE_BYTES",
    "MAX_VALUES",
    "MIN_SAMPLES",
    "MIN_VALUE_SAMPLES",
    "NON_JSON",
    "OPERATIONS",
    "RULES",
    "Baseline",
    "BaselineRecorder",
    "DeclaredField",
    "Difference",
    "DifferenceKind",
    "Echo",
    "Findings",
    "FoldKeys",
    "LatencyBaseline",
    "LatencyChange",
    "LatencySampler",
    "Level",
    "NamedType",
    "Override",
    "Percentiles",
    "PortableNames",
    "Rule",
    "Shape",
    "ShapeScope",
    "ShapeSeverity",
    "TypeDefinition",
    "apply_overrides",
    "baseline_file",
    "compare",
    "compare_baselines",
    "compare_latency",
    "compare_run",
    "diff_paths",
    "documented_headers",
    "echo_of",
    "failing",
    "fold_field_errors",
    "format_differences",
    "format_of",
    "header_value",
    "is_slower",
    "latency_file",
    "load_baseline",
    "load_latency",
    "member_path",
    "merge",
    "normalize_shape",
    "operation_key",
    "operation_of",
    "operation_type",
    "parse_body",
    "parse_level",
    "parse_overrides",
    "percentile",
    "portable_keys",
    "read_file_bytes",
    "rule_table",
    "shape_of",
    "summarize",
    "template_path",
    "validate_shape",
    "write_baseline",
    "write_latency",
]
